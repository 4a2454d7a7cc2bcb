import EffKernels

/// A GGUF file (versions 2 and 3, little-endian), memory-mapped: metadata parsed, tensors described and
/// checked, tensor data left in the mapping.
///
/// The file is untrusted input. Every count, length and offset is checked against the bytes that remain before
/// it is used, so no allocation is sized by a header value alone; errors name the field and its byte offset.
///
///     let file = try GGUFFile(path: "SmolLM2-135M-Instruct.Q4_1.gguf")
///     file.metadata["llama.block_count"]?.int      // 30
///     file.tensor("token_embd.weight")?.type        // .q8_0
public final class GGUFFile: @unchecked Sendable {
    /// A tensor's description and where its data lies in the mapping.
    public struct Tensor: Sendable {
        public let name: String
        /// Dimensions, fastest first (ggml's ne[]: `shape[0]` is the number of columns).
        public let shape: [Int]
        public let type: GGMLType
        /// Offset of the data from the file's start, in bytes.
        public let fileOffset: Int
        /// Bytes of data.
        public let byteCount: Int
        /// Number of elements (product of `shape`).
        public let elementCount: Int
        /// Offset of this tensor's info (its name's length field) in the header, for messages.
        public let infoOffset: Int
    }

    /// The most dimensions a ggml tensor has.
    public static let maximumDimensions = 4
    /// The version numbers read (v1 used 32-bit counts and is long obsolete).
    public static let supportedVersions: ClosedRange<UInt32> = 2...3

    /// The mapping the tensors point into (kept alive by this object).
    public let mapping: MappedFile
    public let version: UInt32
    /// Metadata in file order, and by key.
    public let metadataKeys: [String]
    public let metadata: [String: GGUFValue]
    /// Tensors in file order.
    public let tensors: [Tensor]
    /// `general.alignment` (32 when absent).
    public let alignment: Int
    /// Offset of the tensor data section from the file's start.
    public let dataOffset: Int
    private let tensorIndex: [String: Int]

    /// Opens and maps `path`, then parses it.
    public convenience init(path: String) throws {
        try self.init(mapping: MappedFile(path: path))
    }

    /// Parses a mapping (a file, or bytes in memory for tests and fuzzing).
    public init(mapping: MappedFile) throws {
        self.mapping = mapping
        var reader = GGUFReader(mapping)
        let magic = try reader.uint32("magic")
        guard magic == 0x4655_4747 else {  // "GGUF" read little-endian
            throw LLMError(.malformed, "\(mapping.path): not a GGUF file (the first 4 bytes are not \"GGUF\")")
        }
        let versionOffset = reader.offset
        version = try reader.uint32("version")
        if version & 0xFFFF == 0 && version != 0 {
            throw LLMError(.unsupported, "\(mapping.path): big-endian GGUF files are not supported (version field at offset \(versionOffset) reads \(version.byteSwapped) byte-swapped)")
        }
        guard Self.supportedVersions.contains(version) else {
            throw LLMError(.unsupported, "\(mapping.path): GGUF version \(version) at offset \(versionOffset) is not supported (eff reads versions 2 and 3)")
        }
        let tensorCount = try reader.count("tensor_count", minimumElementSize: 24)
        let keyCount = try reader.count("metadata_kv_count", minimumElementSize: 13)

        var keys: [String] = []
        var values: [String: GGUFValue] = [:]
        keys.reserveCapacity(keyCount)
        for index in 0..<keyCount {
            let keyOffset = reader.offset
            let key = try reader.string("metadata key \(index)")
            guard values[key] == nil else {
                throw LLMError(.malformed, "\(mapping.path): metadata key '\(key)' appears twice (second at offset \(keyOffset))")
            }
            values[key] = try reader.value(field: key)
            keys.append(key)
        }
        metadataKeys = keys
        metadata = values

        var alignment = 32
        if let value = values["general.alignment"] {
            guard let a = value.int, a > 0, a <= 1 << 20, a & (a - 1) == 0 else {
                throw LLMError(.malformed, "\(mapping.path): general.alignment must be a power of two up to 1 MiB, got \(value.summary)")
            }
            alignment = a
        }
        self.alignment = alignment

        struct Info { let name: String; let shape: [Int]; let type: GGMLType; let offset: Int; let bytes: Int; let elements: Int; let at: Int }
        var infos: [Info] = []
        infos.reserveCapacity(tensorCount)
        var index: [String: Int] = [:]
        for number in 0..<tensorCount {
            let at = reader.offset
            let name = try reader.string("tensor \(number) name")
            let field = "tensor '\(name)'"
            guard index[name] == nil else {
                throw LLMError(.malformed, "\(mapping.path): \(field) appears twice (second at offset \(at))")
            }
            let dimensionCount = try reader.uint32("\(field) n_dims")
            guard dimensionCount >= 1, dimensionCount <= Self.maximumDimensions else {
                throw LLMError(.malformed, "\(mapping.path): \(field) has \(dimensionCount) dimensions at offset \(at) (1…\(Self.maximumDimensions) allowed)")
            }
            var shape: [Int] = []
            var elements = 1
            for d in 0..<Int(dimensionCount) {
                let sizeOffset = reader.offset
                let size = try reader.uint64("\(field) dimension \(d)")
                guard size > 0, size <= UInt64(Int32.max) else {
                    throw LLMError(.malformed, "\(mapping.path): \(field) dimension \(d) at offset \(sizeOffset) is \(size) (1…\(Int32.max) allowed)")
                }
                let (product, overflow) = elements.multipliedReportingOverflow(by: Int(size))
                guard !overflow, product <= mapping.count * 8 else {  // ≥ 1 bit per element must fit in the file
                    throw LLMError(.malformed, "\(mapping.path): \(field) (tensor info at offset \(at)) has more elements than the \(mapping.count)-byte file can hold")
                }
                elements = product
                shape.append(Int(size))
            }
            let typeOffset = reader.offset
            let typeID = try reader.uint32("\(field) type")
            guard let type = GGMLType(rawValue: typeID) else {
                throw LLMError(.unsupported, "\(mapping.path): \(field) has unknown tensor type id \(typeID) at offset \(typeOffset)")
            }
            guard shape[0] % type.traits.blockSize == 0, let rowBytes = type.rowBytes(columns: shape[0]) else {
                throw LLMError(.malformed, "\(mapping.path): \(field) (tensor info at offset \(at)) of type \(type.name) has \(shape[0]) columns, not a multiple of its block of \(type.traits.blockSize)")
            }
            let (bytes, overflow) = rowBytes.multipliedReportingOverflow(by: elements / shape[0])
            guard !overflow else { throw LLMError(.malformed, "\(mapping.path): \(field) (tensor info at offset \(at)) is too large") }
            let offsetOffset = reader.offset
            let offset = try reader.uint64("\(field) offset")
            guard offset <= UInt64(mapping.count) else {
                throw LLMError(.malformed, "\(mapping.path): \(field) data offset \(offset) (field at offset \(offsetOffset)) is past the end of the file (\(mapping.count) bytes)")
            }
            guard Int(offset) % alignment == 0 else {
                throw LLMError(.malformed, "\(mapping.path): \(field) data offset \(offset) (field at offset \(offsetOffset)) is not a multiple of the alignment \(alignment)")
            }
            index[name] = infos.count
            infos.append(Info(name: name, shape: shape, type: type, offset: Int(offset), bytes: bytes, elements: elements, at: at))
        }

        let dataStart = (reader.offset + alignment - 1) / alignment * alignment
        dataOffset = dataStart
        // Data ranges: inside the file, and no two overlapping.
        var tensors: [Tensor] = []
        tensors.reserveCapacity(infos.count)
        for info in infos {
            let (start, overflow) = dataStart.addingReportingOverflow(info.offset)
            guard !overflow, start <= mapping.count, info.bytes <= mapping.count - start else {
                throw LLMError(.malformed, "\(mapping.path): tensor '\(info.name)' (tensor info at offset \(info.at); \(info.type.name) \(info.shape), \(info.bytes) bytes at data offset \(info.offset)) runs past the end of the file (\(mapping.count) bytes); the file is truncated or the tensor info is wrong")
            }
            tensors.append(Tensor(name: info.name, shape: info.shape, type: info.type, fileOffset: start,
                                  byteCount: info.bytes, elementCount: info.elements, infoOffset: info.at))
        }
        let byStart = tensors.sorted { $0.fileOffset < $1.fileOffset }
        for (a, b) in zip(byStart, byStart.dropFirst()) where a.fileOffset + a.byteCount > b.fileOffset {
            throw LLMError(.malformed, "\(mapping.path): tensors '\(a.name)' and '\(b.name)' overlap (bytes \(a.fileOffset)…\(a.fileOffset + a.byteCount) and from \(b.fileOffset))")
        }
        self.tensors = tensors
        tensorIndex = index
    }

    /// The tensor named `name`, if the file has one.
    public func tensor(_ name: String) -> Tensor? { tensorIndex[name].map { tensors[$0] } }

    /// The first byte of a tensor's data in the mapping (valid while this file lives).
    public func data(_ tensor: Tensor) -> UnsafeRawPointer {
        mapping.base!.advanced(by: tensor.fileOffset)
    }

    /// The file's path.
    public var path: String { mapping.path }
    /// The file's size in bytes.
    public var byteCount: Int { mapping.count }
}

/// A bounds-checked little-endian cursor over a mapping.
struct GGUFReader {
    let mapping: MappedFile
    private(set) var offset = 0

    init(_ mapping: MappedFile) { self.mapping = mapping }

    var remaining: Int { mapping.count - offset }

    private mutating func take(_ size: Int, _ field: String) throws -> UnsafeRawPointer {
        guard size >= 0, size <= remaining, let base = mapping.base else {
            throw LLMError(.malformed, "\(mapping.path): truncated at offset \(offset) reading \(field) (\(size) bytes needed, \(max(remaining, 0)) left)")
        }
        defer { offset += size }
        return base.advanced(by: offset)
    }

    mutating func uint8(_ field: String) throws -> UInt8 { try take(1, field).load(as: UInt8.self) }
    mutating func uint16(_ field: String) throws -> UInt16 { UInt16(littleEndian: try take(2, field).loadUnaligned(as: UInt16.self)) }
    mutating func uint32(_ field: String) throws -> UInt32 { UInt32(littleEndian: try take(4, field).loadUnaligned(as: UInt32.self)) }
    mutating func uint64(_ field: String) throws -> UInt64 { UInt64(littleEndian: try take(8, field).loadUnaligned(as: UInt64.self)) }

    /// A 64-bit count, bounded by how many elements of at least `minimumElementSize` bytes the rest of the file holds.
    mutating func count(_ field: String, minimumElementSize: Int) throws -> Int {
        let at = offset
        let value = try uint64(field)
        guard value <= UInt64(remaining / max(minimumElementSize, 1)) else {
            throw LLMError(.malformed, "\(mapping.path): \(field) = \(value) at offset \(at) is more than the remaining \(remaining) bytes can hold")
        }
        return Int(value)
    }

    /// A GGUF string: a 64-bit byte length, then UTF-8 bytes (invalid UTF-8 is an error).
    mutating func string(_ field: String) throws -> String {
        let at = offset
        let length = try count("length of \(field)", minimumElementSize: 1)
        let bytes = UnsafeRawBufferPointer(start: try take(length, field), count: length)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw LLMError(.malformed, "\(mapping.path): \(field) at offset \(at) is not valid UTF-8")
        }
        return text
    }

    /// A typed metadata value (type id, then the value).
    mutating func value(field: String, depth: Int = 0) throws -> GGUFValue {
        let at = offset
        let typeID = try uint32("type of '\(field)'")
        guard let type = GGUFValueType(rawValue: typeID) else {
            throw LLMError(.malformed, "\(mapping.path): metadata '\(field)' has unknown value type \(typeID) at offset \(at)")
        }
        return try value(of: type, field: field, depth: depth)
    }

    mutating func value(of type: GGUFValueType, field: String, depth: Int) throws -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try uint8(field))
        case .int8: return .int8(Int8(bitPattern: try uint8(field)))
        case .uint16: return .uint16(try uint16(field))
        case .int16: return .int16(Int16(bitPattern: try uint16(field)))
        case .uint32: return .uint32(try uint32(field))
        case .int32: return .int32(Int32(bitPattern: try uint32(field)))
        case .float32: return .float32(Float(bitPattern: try uint32(field)))
        case .uint64: return .uint64(try uint64(field))
        case .int64: return .int64(Int64(bitPattern: try uint64(field)))
        case .float64: return .float64(Double(bitPattern: try uint64(field)))
        case .bool:
            let at = offset
            let byte = try uint8(field)
            guard byte <= 1 else {
                throw LLMError(.malformed, "\(mapping.path): metadata '\(field)' bool at offset \(at) is \(byte) (0 or 1 allowed)")
            }
            return .bool(byte == 1)
        case .string: return .string(try string(field))
        case .array:
            let at = offset
            guard depth < 4 else {
                throw LLMError(.malformed, "\(mapping.path): metadata '\(field)' nests arrays more than 4 deep (offset \(at))")
            }
            let elementID = try uint32("element type of '\(field)'")
            guard let elementType = GGUFValueType(rawValue: elementID) else {
                throw LLMError(.malformed, "\(mapping.path): metadata '\(field)' array has unknown element type \(elementID) at offset \(at)")
            }
            let count = try self.count("length of '\(field)'", minimumElementSize: elementType.minimumSize)
            var elements: [GGUFValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count { elements.append(try value(of: elementType, field: field, depth: depth + 1)) }
            return .array(elementType, elements)
        }
    }
}
