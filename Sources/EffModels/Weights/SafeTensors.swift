import EffKernels
import Foundation

/// Reads and writes the safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON
/// header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`, then the raw bytes.
///
/// Every header field is checked against the real file size before anything is allocated: header length,
/// offsets in bounds, no overlaps or gaps, shape products without overflow, sizes matching the dtype.
public enum SafeTensorsFormat {
    /// The largest header accepted (the reference implementation's limit). // bytes
    public static let maximumHeaderBytes = 100_000_000

    /// Parses a whole safetensors file held in memory; `file` names it in errors.
    public static func parse(_ bytes: [UInt8], file: String) throws -> TensorFile {
        func failure(_ message: String) -> ModelsError { ModelsError(.weightFile, "\(file): \(message)") }
        guard bytes.count >= 8 else {
            throw failure("truncated: \(bytes.count) bytes, a safetensors file starts with an 8-byte header length")
        }
        var headerLength: UInt64 = 0
        for index in 0..<8 { headerLength |= UInt64(bytes[index]) << (8 * UInt64(index)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw failure("header length \(headerLength) runs past the end of the file (\(bytes.count) bytes)")
        }
        guard headerLength <= UInt64(maximumHeaderBytes) else {
            throw failure("header length \(headerLength) exceeds the \(maximumHeaderBytes)-byte limit")
        }
        guard headerLength >= 2 else { throw failure("header of \(headerLength) bytes is too short for JSON") }
        let headerEnd = 8 + Int(headerLength)
        let header = try JSONValue.parse(Array(bytes[8..<headerEnd]), context: file)
        guard case .object(let members) = header else { throw failure("header is not a JSON object") }
        let dataSize = bytes.count - headerEnd

        var metadata: [String: String] = [:]
        var entries: [(name: String, type: TensorDataType, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in members {
            if name == "__metadata__" {
                guard case .object(let pairs) = value else { throw failure("__metadata__ is not an object") }
                for (key, item) in pairs {
                    guard case .string(let text) = item else { throw failure("__metadata__ value '\(key)' is not a string") }
                    metadata[key] = text
                }
                continue
            }
            guard case .object(let fields) = value else { throw failure("tensor '\(name)': entry is not an object") }
            func field(_ key: String) -> JSONValue? { fields.first { $0.key == key }?.value }
            guard case .string(let typeName)? = field("dtype") else { throw failure("tensor '\(name)': missing dtype") }
            guard let type = TensorDataType(rawValue: typeName) else {
                throw failure("tensor '\(name)': unsupported dtype '\(typeName)' (supported: "
                    + TensorDataType.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            guard case .array(let dimensions)? = field("shape") else { throw failure("tensor '\(name)': missing shape") }
            let shape = dimensions.map { $0.integer ?? -1 }
            guard shape.allSatisfy({ $0 >= 0 }) else {
                throw failure("tensor '\(name)': shape must be a list of non-negative integers")
            }
            guard let count = elementCount(shape) else {
                throw failure("tensor '\(name)': shape \(shape) has more elements than can be addressed")
            }
            guard case .array(let offsets)? = field("data_offsets"), offsets.count == 2,
                  let begin = offsets[0].integer, let end = offsets[1].integer, begin >= 0, end >= begin else {
                throw failure("tensor '\(name)': data_offsets must be [begin, end] with 0 ≤ begin ≤ end")
            }
            guard end <= dataSize else {
                throw failure("tensor '\(name)': data_offsets [\(begin), \(end)] exceed the \(dataSize) data bytes "
                    + "(file truncated?)")
            }
            let (byteCount, overflow) = count.multipliedReportingOverflow(by: type.byteCount)
            guard !overflow, byteCount == end - begin else {
                throw failure("tensor '\(name)': \(type.rawValue) \(shape) needs \(overflow ? "too many" : "\(byteCount)") "
                    + "bytes but data_offsets span \(end - begin)")
            }
            entries.append((name, type, shape, begin, end))
        }
        // The buffer must be covered exactly once: sorted by offset, each tensor starts where the last ended.
        var cursor = 0
        for entry in entries.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            if entry.begin < cursor { throw failure("tensor '\(entry.name)' overlaps the previous tensor's bytes") }
            if entry.begin > cursor { throw failure("unused bytes \(cursor)..<\(entry.begin) before tensor '\(entry.name)'") }
            cursor = entry.end
        }
        guard cursor == dataSize else {
            throw failure("\(dataSize - cursor) trailing bytes after the last tensor (file corrupt?)")
        }
        let tensors = bytes.withUnsafeBytes { raw in
            entries.map { entry in
                NamedTensor(name: entry.name, dataType: entry.type, shape: entry.shape,
                            values: entry.type.decode(raw, offset: headerEnd + entry.begin,
                                                      count: (entry.end - entry.begin) / entry.type.byteCount))
            }
        }
        return TensorFile(tensors: tensors, metadata: metadata)
    }

    /// Serializes tensors (values encoded in each tensor's `dataType`) with string metadata.
    /// Keys are written in the given order; the header is padded with spaces to 8-byte alignment.
    public static func serialize(_ tensors: [NamedTensor], metadata: [String: String] = [:]) throws -> [UInt8] {
        var names = Set<String>()
        var data: [UInt8] = []
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(JSONValue.quoted($0)):\(JSONValue.quoted(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        for tensor in tensors {
            guard names.insert(tensor.name).inserted, tensor.name != "__metadata__" else {
                throw ModelsError(.weightFile, "duplicate or reserved tensor name '\(tensor.name)'")
            }
            guard elementCount(tensor.shape) == tensor.values.count else {
                throw ModelsError(.weightFile, "tensor '\(tensor.name)': shape \(tensor.shape) does not hold "
                    + "\(tensor.values.count) values")
            }
            let begin = data.count
            data.append(contentsOf: try tensor.dataType.encode(tensor.values, name: tensor.name))
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(JSONValue.quoted(tensor.name)):{\"dtype\":\"\(tensor.dataType.rawValue)\","
                + "\"shape\":[\(shape)],\"data_offsets\":[\(begin),\(data.count)]}")
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + data.count)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header)
        bytes.append(contentsOf: data)
        return bytes
    }

    /// Writes tensors to a safetensors file.
    public static func write(_ tensors: [NamedTensor], metadata: [String: String] = [:], to path: String) throws {
        let bytes = try serialize(tensors, metadata: metadata)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ModelsError(.weightFile, "\(path): cannot write file (\(error.localizedDescription))")
        }
    }
}
