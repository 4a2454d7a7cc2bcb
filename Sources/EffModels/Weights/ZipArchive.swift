/// A minimal zip reader for `.npz` archives: central directory (with zip64), stored and deflated members,
/// CRC-32 checked. Every offset and size is validated against the real archive size before use.
enum ZipArchive {
    struct Member {
        var name: String
        var method: Int
        var crc: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    /// Deflate cannot expand data by more than about 1032:1, so larger claims are corrupt (or a zip bomb).
    static let maximumExpansion = 1032

    static func members(of bytes: [UInt8], file: String) throws -> [Member] {
        func failure(_ message: String) -> ModelsError { ModelsError(.weightFile, "\(file): \(message)") }
        func u16(_ at: Int) throws -> Int {
            guard at >= 0, at + 2 <= bytes.count else { throw failure("truncated zip structure at byte \(at)") }
            return Int(bytes[at]) | Int(bytes[at + 1]) << 8
        }
        func u32(_ at: Int) throws -> Int {
            let low = try u16(at), high = try u16(at + 2)
            return low | high << 16
        }
        func u64(_ at: Int) throws -> Int {
            let low = try u32(at), high = try u32(at + 4)
            guard high < 1 << 30 else { throw failure("zip64 value at byte \(at) is out of range") }
            return low | high << 32
        }
        // The end-of-central-directory record is in the last 22 + 65535 bytes.
        var end = -1
        var position = bytes.count - 22
        while position >= max(0, bytes.count - 22 - 65535) {
            if bytes[position] == 0x50, bytes[position + 1] == 0x4B, bytes[position + 2] == 0x05, bytes[position + 3] == 0x06 {
                end = position
                break
            }
            position -= 1
        }
        guard end >= 0 else { throw failure("not a zip archive (no end-of-central-directory record); is it an .npz?") }
        var entryCount = try u16(end + 10)
        var directoryOffset = try u32(end + 16)
        if entryCount == 0xFFFF || directoryOffset == 0xFFFF_FFFF {
            let locator = end - 20
            guard locator >= 0, try u32(locator) == 0x0706_4B50 else { throw failure("zip64 locator missing") }
            let record = try u64(locator + 8)
            guard try u32(record) == 0x0606_4B50 else { throw failure("zip64 end record missing") }
            entryCount = try u64(record + 32)
            directoryOffset = try u64(record + 48)
        }
        guard directoryOffset <= bytes.count, entryCount <= bytes.count / 46 + 1 else {
            throw failure("central directory (offset \(directoryOffset), \(entryCount) entries) lies outside the file")
        }
        var members: [Member] = []
        var cursor = directoryOffset
        for _ in 0..<entryCount {
            guard try u32(cursor) == 0x0201_4B50 else { throw failure("bad central directory entry at byte \(cursor)") }
            let nameLength = try u16(cursor + 28), extraLength = try u16(cursor + 30), commentLength = try u16(cursor + 32)
            let nameStart = cursor + 46
            guard nameStart + nameLength + extraLength <= bytes.count else { throw failure("truncated central directory") }
            let name = String(decoding: bytes[nameStart..<(nameStart + nameLength)], as: UTF8.self)
            var member = Member(name: name, method: try u16(cursor + 10), crc: UInt32(try u32(cursor + 16)),
                                compressedSize: try u32(cursor + 20), uncompressedSize: try u32(cursor + 24),
                                localHeaderOffset: try u32(cursor + 42))
            // Zip64 extra field: the 0xFFFFFFFF fields appear in it, in this order.
            var extra = nameStart + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let identifier = try u16(extra), size = try u16(extra + 2)
                if identifier == 0x0001 {
                    var field = extra + 4
                    if member.uncompressedSize == 0xFFFF_FFFF { member.uncompressedSize = try u64(field); field += 8 }
                    if member.compressedSize == 0xFFFF_FFFF { member.compressedSize = try u64(field); field += 8 }
                    if member.localHeaderOffset == 0xFFFF_FFFF { member.localHeaderOffset = try u64(field) }
                }
                extra += 4 + size
            }
            members.append(member)
            cursor = extraEnd + commentLength
        }
        return members
    }

    static func extract(_ member: Member, from bytes: [UInt8], file: String) throws -> [UInt8] {
        func failure(_ message: String) -> ModelsError { ModelsError(.weightFile, "\(file)[\(member.name)]: \(message)") }
        let header = member.localHeaderOffset
        guard header >= 0, header + 30 <= bytes.count,
              bytes[header] == 0x50, bytes[header + 1] == 0x4B, bytes[header + 2] == 0x03, bytes[header + 3] == 0x04 else {
            throw failure("bad local header offset \(header)")
        }
        let nameLength = Int(bytes[header + 26]) | Int(bytes[header + 27]) << 8
        let extraLength = Int(bytes[header + 28]) | Int(bytes[header + 29]) << 8
        let start = header + 30 + nameLength + extraLength
        guard member.compressedSize >= 0, start <= bytes.count, member.compressedSize <= bytes.count - start else {
            throw failure("member data (\(member.compressedSize) bytes at \(start)) runs past the end of the archive")
        }
        let compressed = Array(bytes[start..<(start + member.compressedSize)])
        let data: [UInt8]
        switch member.method {
        case 0:
            guard member.uncompressedSize == member.compressedSize else { throw failure("stored member sizes disagree") }
            data = compressed
        case 8:
            let (limit, overflow) = member.compressedSize.multipliedReportingOverflow(by: maximumExpansion)
            guard !overflow, member.uncompressedSize <= limit + 64 else {
                throw failure("claims \(member.uncompressedSize) bytes from \(member.compressedSize) compressed (corrupt)")
            }
            var inflater = Inflater(input: compressed, outputLimit: member.uncompressedSize, context: "\(file)[\(member.name)]")
            data = try inflater.run()
            guard data.count == member.uncompressedSize else {
                throw failure("inflated to \(data.count) bytes, directory says \(member.uncompressedSize)")
            }
        default:
            throw failure("compression method \(member.method) is not supported (stored and deflate are)")
        }
        guard crc32(data) == member.crc else { throw failure("CRC-32 mismatch (archive corrupt)") }
        return data
    }

    static let crcTable: [UInt32] = (0..<256).map { index -> UInt32 in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 != 0 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

/// A raw DEFLATE (RFC 1951) decoder after Mark Adler's puff.c: canonical Huffman decoding bit by bit,
/// with every read bounds-checked and the output capped at `outputLimit`.
struct Inflater {
    let input: [UInt8]
    let outputLimit: Int
    let context: String
    var position = 0
    var bitBuffer = 0
    var bitCount = 0
    var output: [UInt8] = []

    init(input: [UInt8], outputLimit: Int, context: String) {
        self.input = input
        self.outputLimit = outputLimit
        self.context = context
    }

    struct Huffman {
        var counts: [Int]   // codes of each length 0…15
        var symbols: [Int]  // symbols ordered by code
    }

    func failure(_ message: String) -> ModelsError { ModelsError(.weightFile, "\(context): deflate data corrupt: \(message)") }

    mutating func bits(_ need: Int) throws -> Int {
        var value = bitBuffer
        while bitCount < need {
            guard position < input.count else { throw failure("unexpected end of data") }
            value |= Int(input[position]) << bitCount
            position += 1
            bitCount += 8
        }
        bitBuffer = value >> need
        bitCount -= need
        return value & ((1 << need) - 1)
    }

    mutating func run() throws -> [UInt8] {
        output.reserveCapacity(min(outputLimit, 1 << 26))  // grows past 64 MiB only as real data arrives
        var last = 0
        repeat {
            last = try bits(1)
            switch try bits(2) {
            case 0: try stored()
            case 1: try codes(Inflater.fixedLengths, Inflater.fixedDistances)
            case 2: try dynamic()
            default: throw failure("invalid block type")
            }
        } while last == 0
        return output
    }

    mutating func stored() throws {
        bitBuffer = 0
        bitCount = 0
        guard position + 4 <= input.count else { throw failure("truncated stored block") }
        let length = Int(input[position]) | Int(input[position + 1]) << 8
        let complement = Int(input[position + 2]) | Int(input[position + 3]) << 8
        position += 4
        guard length == (~complement & 0xFFFF) else { throw failure("stored block length check failed") }
        guard position + length <= input.count else { throw failure("truncated stored block") }
        guard output.count + length <= outputLimit else { throw failure("more output than declared") }
        output.append(contentsOf: input[position..<(position + length)])
        position += length
    }

    mutating func decode(_ table: Huffman) throws -> Int {
        var code = 0, first = 0, index = 0
        for length in 1...15 {
            code |= try bits(1)
            let count = table.counts[length]
            if code - count < first { return table.symbols[index + (code - first)] }
            index += count
            first += count
            first <<= 1
            code <<= 1
        }
        throw failure("invalid Huffman code")
    }

    static func build(_ lengths: [Int]) -> Huffman? {
        var counts = [Int](repeating: 0, count: 16)
        for length in lengths { counts[length] += 1 }
        var left = 1
        for length in 1...15 {
            left <<= 1
            left -= counts[length]
            if left < 0 { return nil }  // over-subscribed
        }
        var offsets = [Int](repeating: 0, count: 16)
        for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
        var symbols = [Int](repeating: 0, count: lengths.count)
        for (symbol, length) in lengths.enumerated() where length != 0 {
            symbols[offsets[length]] = symbol
            offsets[length] += 1
        }
        return Huffman(counts: counts, symbols: symbols)
    }

    static let fixedLengths: Huffman = build((0..<288).map { $0 < 144 ? 8 : $0 < 256 ? 9 : $0 < 280 ? 7 : 8 })!
    static let fixedDistances: Huffman = build([Int](repeating: 5, count: 30))!
    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
                             131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
                               2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12,
                                13, 13]

    mutating func codes(_ lengths: Huffman, _ distances: Huffman) throws {
        while true {
            let symbol = try decode(lengths)
            if symbol < 256 {
                guard output.count < outputLimit else { throw failure("more output than declared") }
                output.append(UInt8(symbol))
            } else if symbol == 256 {
                return
            } else {
                let lengthIndex = symbol - 257
                guard lengthIndex < 29 else { throw failure("invalid length symbol") }
                let length = Inflater.lengthBase[lengthIndex] + (try bits(Inflater.lengthExtra[lengthIndex]))
                let distanceSymbol = try decode(distances)
                guard distanceSymbol < 30 else { throw failure("invalid distance symbol") }
                let distance = Inflater.distanceBase[distanceSymbol] + (try bits(Inflater.distanceExtra[distanceSymbol]))
                guard distance <= output.count else { throw failure("distance reaches before the start") }
                guard output.count + length <= outputLimit else { throw failure("more output than declared") }
                for _ in 0..<length { output.append(output[output.count - distance]) }
            }
        }
    }

    mutating func dynamic() throws {
        let literalCount = try bits(5) + 257, distanceCount = try bits(5) + 1, codeCount = try bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else { throw failure("too many codes") }
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
        var codeLengths = [Int](repeating: 0, count: 19)
        for index in 0..<codeCount { codeLengths[order[index]] = try bits(3) }
        guard let lengthCode = Inflater.build(codeLengths) else { throw failure("bad code-length code") }
        var lengths: [Int] = []
        while lengths.count < literalCount + distanceCount {
            let symbol = try decode(lengthCode)
            if symbol < 16 {
                lengths.append(symbol)
            } else {
                var repeated = 0
                var times: Int
                switch symbol {
                case 16:
                    guard let previous = lengths.last else { throw failure("repeat with no previous length") }
                    repeated = previous
                    times = 3 + (try bits(2))
                case 17: times = 3 + (try bits(3))
                default: times = 11 + (try bits(7))
                }
                guard lengths.count + times <= literalCount + distanceCount else { throw failure("too many lengths") }
                lengths.append(contentsOf: [Int](repeating: repeated, count: times))
            }
        }
        guard lengths[256] != 0 else { throw failure("no end-of-block code") }
        guard let literals = Inflater.build(Array(lengths[0..<literalCount])),
              let distances = Inflater.build(Array(lengths[literalCount...])) else {
            throw failure("over-subscribed Huffman code")
        }
        try codes(literals, distances)
    }
}
