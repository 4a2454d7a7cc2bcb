import Foundation

/// Writes GGUF version 3 files: metadata key–values (any `GGUFValue`), then f32 tensors, each tensor's data aligned
/// to `alignment` (32, GGUF's default; written as `general.alignment` only when another value is asked for).
///
///     var writer = GGUFWriter()
///     writer.set("general.architecture", .string("llama"))
///     try writer.addTensor("token_embd.weight", rowMajorShape: [vocabulary, width], values: embedding)
///     try writer.write(to: "model.gguf")
///
/// Shapes are given row-major (outermost first, as PyTorch and safetensors write them) and stored in GGUF's order
/// (innermost first: ne[0] is the row length), so a (rows, columns) matrix reads back as `shape == [columns, rows]`.
public struct GGUFWriter: Sendable {
    public static let version: UInt32 = 3
    public let alignment: Int
    private(set) var keys: [String] = []
    private(set) var values: [String: GGUFValue] = [:]
    private(set) var tensors: [(name: String, shape: [Int], values: [Float])] = []

    public init(alignment: Int = 32) {
        precondition(alignment > 0 && alignment & (alignment - 1) == 0, "GGUF alignment must be a power of two")
        self.alignment = alignment
        if alignment != 32 { set("general.alignment", .uint32(UInt32(alignment))) }
    }

    /// Sets a metadata value (a key set twice keeps its first position and takes the new value).
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if values[key] == nil { keys.append(key) }
        values[key] = value
    }

    /// Adds an f32 tensor of `rowMajorShape` (1 to 4 dimensions, each ≥ 1).
    public mutating func addTensor(_ name: String, rowMajorShape shape: [Int], values: [Float]) throws {
        guard !name.isEmpty, name.utf8.count < 64 else {
            throw LLMError(.invalidArgument, "GGUF tensor name '\(name)' must have 1…63 bytes (llama.cpp's GGML_MAX_NAME)")
        }
        guard !tensors.contains(where: { $0.name == name }) else {
            throw LLMError(.invalidArgument, "GGUF tensor '\(name)' added twice")
        }
        guard (1...GGUFFile.maximumDimensions).contains(shape.count), shape.allSatisfy({ $0 >= 1 }) else {
            throw LLMError(.invalidArgument, "GGUF tensor '\(name)': shape \(shape) needs 1…\(GGUFFile.maximumDimensions) dimensions ≥ 1")
        }
        guard shape.reduce(1, *) == values.count else {
            throw LLMError(.invalidArgument, "GGUF tensor '\(name)': shape \(shape) does not hold \(values.count) values")
        }
        tensors.append((name, shape, values))
    }

    /// The file's bytes.
    public func serialize() throws -> [UInt8] {
        var bytes: [UInt8] = []
        func integer<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        func string(_ text: String) { integer(UInt64(text.utf8.count)); bytes.append(contentsOf: text.utf8) }
        func type(of value: GGUFValue) -> GGUFValueType {
            switch value {
            case .uint8: return .uint8
            case .int8: return .int8
            case .uint16: return .uint16
            case .int16: return .int16
            case .uint32: return .uint32
            case .int32: return .int32
            case .float32: return .float32
            case .bool: return .bool
            case .string: return .string
            case .array: return .array
            case .uint64: return .uint64
            case .int64: return .int64
            case .float64: return .float64
            }
        }
        func payload(_ value: GGUFValue) throws {
            switch value {
            case .uint8(let v): integer(v)
            case .int8(let v): integer(v)
            case .uint16(let v): integer(v)
            case .int16(let v): integer(v)
            case .uint32(let v): integer(v)
            case .int32(let v): integer(v)
            case .float32(let v): integer(v.bitPattern)
            case .bool(let v): integer(UInt8(v ? 1 : 0))
            case .string(let v): string(v)
            case .uint64(let v): integer(v)
            case .int64(let v): integer(v)
            case .float64(let v): integer(v.bitPattern)
            case .array(let elementType, let elements):
                integer(elementType.rawValue)
                integer(UInt64(elements.count))
                for element in elements {
                    guard type(of: element) == elementType else {
                        throw LLMError(.invalidArgument, "GGUF array of \(elementType) holds a \(type(of: element)) value")
                    }
                    try payload(element)
                }
            }
        }
        integer(UInt32(0x4655_4747))   // "GGUF"
        integer(Self.version)
        integer(UInt64(tensors.count))
        integer(UInt64(keys.count))
        for key in keys {
            let value = values[key]!
            string(key)
            integer(type(of: value).rawValue)
            do { try payload(value) } catch let error as LLMError {
                throw LLMError(.invalidArgument, "GGUF metadata '\(key)': \(error.message)")
            }
        }
        var offset = 0
        var offsets: [Int] = []
        for tensor in tensors {
            offsets.append(offset)
            offset = (offset + tensor.values.count * 4 + alignment - 1) / alignment * alignment
        }
        for (tensor, start) in zip(tensors, offsets) {
            string(tensor.name)
            integer(UInt32(tensor.shape.count))
            for size in tensor.shape.reversed() { integer(UInt64(size)) }
            integer(UInt32(0))           // GGML_TYPE_F32
            integer(UInt64(start))
        }
        while bytes.count % alignment != 0 { bytes.append(0) }
        let dataStart = bytes.count
        bytes.reserveCapacity(dataStart + offset)
        for (tensor, start) in zip(tensors, offsets) {
            while bytes.count < dataStart + start { bytes.append(0) }
            tensor.values.withUnsafeBufferPointer { values in
                for value in values { integer(value.bitPattern) }
            }
        }
        while bytes.count < dataStart + offset { bytes.append(0) }
        return bytes
    }

    /// Writes the file (atomically).
    public func write(to path: String) throws {
        let bytes = try serialize()
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw LLMError(.invalidArgument, "\(path): cannot write file (\(error.localizedDescription))")
        }
    }
}
