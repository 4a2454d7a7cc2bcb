import EffNumerics
import Foundation

/// Element types found in weight files (safetensors names; NumPy descriptors map onto them).
public enum TensorDataType: String, CaseIterable, Sendable {
    case F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .F64, .I64, .U64: return 8
        case .F32, .I32, .U32: return 4
        case .F16, .BF16, .I16, .U16: return 2
        case .I8, .U8, .BOOL: return 1
        }
    }

    /// Decodes `count` little-endian elements starting at `offset` as Float (integers and f64 rounded to
    /// nearest). `bytes` must hold them (callers validate sizes against the file first).
    func decode(_ bytes: UnsafeRawBufferPointer, offset: Int, count: Int, bigEndian: Bool = false) -> [Float] {
        var values = [Float](repeating: 0, count: count)
        func load<T: FixedWidthInteger>(_ type: T.Type, _ index: Int) -> T {
            let raw = bytes.loadUnaligned(fromByteOffset: offset + index * MemoryLayout<T>.size, as: T.self)
            return bigEndian ? T(bigEndian: raw) : T(littleEndian: raw)
        }
        for index in 0..<count {
            switch self {
            case .F64: values[index] = Float(Double(bitPattern: load(UInt64.self, index)))
            case .F32: values[index] = Float(bitPattern: load(UInt32.self, index))
            case .F16: values[index] = HalfPrecision.float(fromHalf: load(UInt16.self, index))
            case .BF16: values[index] = HalfPrecision.float(fromBfloat: load(UInt16.self, index))
            case .I64: values[index] = Float(Int64(bitPattern: load(UInt64.self, index)))
            case .I32: values[index] = Float(Int32(bitPattern: load(UInt32.self, index)))
            case .I16: values[index] = Float(Int16(bitPattern: load(UInt16.self, index)))
            case .I8: values[index] = Float(Int8(bitPattern: load(UInt8.self, index)))
            case .U64: values[index] = Float(load(UInt64.self, index))
            case .U32: values[index] = Float(load(UInt32.self, index))
            case .U16: values[index] = Float(load(UInt16.self, index))
            case .U8: values[index] = Float(load(UInt8.self, index))
            case .BOOL: values[index] = load(UInt8.self, index) != 0 ? 1 : 0
            }
        }
        return values
    }

    /// Encodes values little-endian in this type. Integer and bool types need whole values in range.
    func encode(_ values: [Float], name: String = "tensor") throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * byteCount)
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        func integer<T: FixedWidthInteger>(_ value: Float, _ type: T.Type) throws -> T {
            guard value.rounded() == value, let result = T(exactly: value) else {
                throw ModelsError(.weightFile, "tensor '\(name)': value \(value) cannot be stored exactly as \(rawValue)")
            }
            return result
        }
        for value in values {
            switch self {
            case .F64: append(Double(value).bitPattern)
            case .F32: append(value.bitPattern)
            case .F16: append(HalfPrecision.halfBits(value))
            case .BF16: append(HalfPrecision.bfloatBits(value))
            case .I64: append(try integer(value, Int64.self))
            case .I32: append(try integer(value, Int32.self))
            case .I16: append(try integer(value, Int16.self))
            case .I8: append(try integer(value, Int8.self))
            case .U64: append(try integer(value, UInt64.self))
            case .U32: append(try integer(value, UInt32.self))
            case .U16: append(try integer(value, UInt16.self))
            case .U8: append(try integer(value, UInt8.self))
            case .BOOL:
                guard value == 0 || value == 1 else {
                    throw ModelsError(.weightFile, "tensor '\(name)': value \(value) is not a BOOL (0 or 1)")
                }
                bytes.append(value == 1 ? 1 : 0)
            }
        }
        return bytes
    }
}

/// One named tensor read from (or to be written to) a weight file, values widened to Float.
public struct NamedTensor: Sendable, Equatable {
    /// The tensor's name in the file, e.g. `0.weight` or `fc1.bias`.
    public let name: String
    /// The element type stored in the file.
    public let dataType: TensorDataType
    /// Dimensions, outermost first (PyTorch `nn.Linear.weight` is (out, in)).
    public let shape: [Int]
    /// The values in row-major (C) order. // product(shape)
    public let values: [Float]

    public init(name: String, dataType: TensorDataType, shape: [Int], values: [Float]) {
        self.name = name
        self.dataType = dataType
        self.shape = shape
        self.values = values
    }
}

/// The tensors of one weight file in file order, with its string metadata.
public struct TensorFile: Sendable, Equatable {
    /// Tensors in the order they appear in the file.
    public var tensors: [NamedTensor]
    /// String metadata (safetensors `__metadata__`); empty for NumPy files.
    public var metadata: [String: String]

    public init(tensors: [NamedTensor], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor with this name, if any.
    public subscript(name: String) -> NamedTensor? { tensors.first { $0.name == name } }

    /// Reads a `.safetensors`, `.npz` or `.npy` file, chosen by extension.
    public static func read(path: String) throws -> TensorFile {
        let bytes = try readFileBytes(path)
        switch (path as NSString).pathExtension.lowercased() {
        case "npz": return try NumPyFormat.parseArchive(bytes, file: path)
        case "npy":
            let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            return TensorFile(tensors: [try NumPyFormat.parseArray(bytes, name: name, file: path)])
        default: return try SafeTensorsFormat.parse(bytes, file: path)
        }
    }
}

/// Reads a whole file, with a clear error when it cannot be read.
func readFileBytes(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        var isDirectory: ObjCBool = false
        let reason = !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) ? "no such file"
            : isDirectory.boolValue ? "is a folder, not a file"
            : !FileManager.default.isReadableFile(atPath: path) ? "permission denied" : "cannot read file"
        throw ModelsError(.weightFile, "\(path): \(reason)")
    }
    return [UInt8](data)
}

/// The product of `shape`, or nil when a dimension is negative or the product overflows.
func elementCount(_ shape: [Int]) -> Int? {
    var product = 1
    for dimension in shape {
        guard dimension >= 0 else { return nil }
        let (result, overflow) = product.multipliedReportingOverflow(by: dimension)
        guard !overflow else { return nil }
        product = result
    }
    return product
}
