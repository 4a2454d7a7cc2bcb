import CZlib
/// A minimal zip reader for `.npz` archives: central directory (with zip64), stored and deflated members
/// (inflated by the system zlib), CRC-32 checked, deflated sizes bounded by DEFLATE's largest expansion. Every offset and size is validated against the real archive size before use.
enum ZipArchive {
    struct Member {
        var name: String
        var method: Int
        var crc: UInt32
        var compressedSize: Int, uncompressedSize: Int  // bytes
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
        let compressed = bytes[start..<(start + member.compressedSize)]
        let data: [UInt8]
        switch member.method {
        case 0:
            guard member.uncompressedSize == member.compressedSize else { throw failure("stored member sizes disagree") }
            data = Array(compressed)
        case 8:
            let (limit, overflow) = member.compressedSize.multipliedReportingOverflow(by: maximumExpansion)
            guard !overflow, member.uncompressedSize <= limit + 64 else {
                throw failure("claims \(member.uncompressedSize) bytes from \(member.compressedSize) compressed (corrupt)")
            }
            data = try inflate(compressed, size: member.uncompressedSize, failure: failure)
        default:
            throw failure("compression method \(member.method) is not supported (stored and deflate are)")
        }
        guard crc32(data) == member.crc else { throw failure("CRC-32 mismatch (archive corrupt)") }
        return data
    }

    /// Inflates raw DEFLATE data (zip method 8) with zlib into exactly `size` bytes: an error if the data is corrupt,
    /// ends early, or would produce more.
    static func inflate(_ compressed: ArraySlice<UInt8>, size: Int,
                        failure: (String) -> ModelsError) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: size)
        var stream = z_stream()
        // Negative window bits: raw DEFLATE, no zlib header (as zip stores it).
        guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw failure("zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        var status = Z_OK
        var produced = 0
        try compressed.withUnsafeBufferPointer { input in
            try output.withUnsafeMutableBufferPointer { out in
                var consumed = 0
                // avail_in and avail_out are 32-bit: feed and drain in chunks.
                let chunk = Int(UInt32.max)
                repeat {
                    if stream.avail_in == 0 && consumed < input.count {
                        let count = min(chunk, input.count - consumed)
                        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + consumed)
                        stream.avail_in = UInt32(count)
                        consumed += count
                    }
                    if stream.avail_out == 0 {
                        guard produced < size else { break }  // full: more data would exceed the declared size
                        let count = min(chunk, size - produced)
                        stream.next_out = out.baseAddress! + produced
                        stream.avail_out = UInt32(count)
                        produced += count
                    }
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    if status == Z_NEED_DICT || status == Z_DATA_ERROR || status == Z_MEM_ERROR || status == Z_STREAM_ERROR {
                        let reason = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                        throw failure("deflate data corrupt: \(reason)")
                    }
                    if status == Z_BUF_ERROR && stream.avail_in == 0 && consumed == input.count { break }  // input ran out
                } while status != Z_STREAM_END
            }
        }
        let total = Int(stream.total_out)
        guard status == Z_STREAM_END else {
            if total == size && stream.avail_out == 0 && produced == size {
                throw failure("inflates to more than the \(size) bytes the directory says")
            }
            throw failure("deflate data corrupt: ends early after \(total) of \(size) bytes")
        }
        guard total == size else { throw failure("inflated to \(total) bytes, directory says \(size)") }
        return output
    }

    /// CRC-32 (zip's, zlib's implementation). // bytes → checksum
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt = 0
        var offset = 0
        bytes.withUnsafeBufferPointer { buffer in
            while offset < buffer.count {
                let count = min(Int(UInt32.max), buffer.count - offset)
                crc = CZlib.crc32(crc, buffer.baseAddress! + offset, UInt32(count))
                offset += count
            }
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}
