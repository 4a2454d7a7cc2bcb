import EffKernels
import Foundation

/// Reads NumPy `.npy` arrays and `.npz` archives (a zip of `.npy` files, stored or deflated), and writes `.npy`.
///
/// The `.npy` header is a Python dict literal such as `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`;
/// it is parsed without evaluating anything, and the data size it implies is checked against the real file.
public enum NumPyFormat {
    /// Parses one `.npy` file held in memory.
    public static func parseArray(_ bytes: [UInt8], name: String, file: String) throws -> NamedTensor {
        func failure(_ message: String) -> ModelsError { ModelsError(.weightFile, "\(file): \(message)") }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw failure("not a NumPy .npy file (bad magic)") }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw failure("truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw failure(".npy format version \(major) is not supported (1, 2 and 3 are)")
        }
        guard headerLength <= bytes.count - headerStart else {
            throw failure("header length \(headerLength) runs past the end of the file (\(bytes.count) bytes)")
        }
        let headerEnd = headerStart + headerLength
        guard let header = String(bytes: bytes[headerStart..<headerEnd], encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw failure("header is not text")
        }
        let fields = try parseHeaderDictionary(header, file: file)
        guard let descriptor = fields.descriptor else { throw failure("header has no 'descr'") }
        guard let shape = fields.shape else { throw failure("header has no 'shape'") }
        let (type, bigEndian) = try dataType(descriptor, file: file)
        guard let count = elementCount(shape) else { throw failure("shape \(shape) has more elements than can be addressed") }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: type.byteCount)
        let available = bytes.count - headerEnd
        guard !overflow, byteCount <= available else {
            throw failure("shape \(shape) of \(descriptor) needs \(overflow ? "too many" : "\(byteCount)") bytes, "
                + "the file holds \(available) (truncated?)")
        }
        var values = bytes.withUnsafeBytes { type.decode($0, offset: headerEnd, count: count, bigEndian: bigEndian) }
        if fields.fortranOrder && shape.count > 1 { values = columnMajorToRowMajor(values, shape: shape) }
        return NamedTensor(name: name, dataType: type, shape: shape, values: values)
    }

    /// Serializes a tensor as a version 1.0 `.npy` file of little-endian f32.
    public static func serializeArray(_ values: [Float], shape: [Int]) throws -> [UInt8] {
        guard elementCount(shape) == values.count else {
            throw ModelsError(.weightFile, "npy: shape \(shape) does not hold \(values.count) values")
        }
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]
        bytes.append(UInt8(header.utf8.count & 0xFF))
        bytes.append(UInt8(header.utf8.count >> 8))
        bytes.append(contentsOf: header.utf8)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        return bytes
    }

    /// Parses an `.npz` archive: each `name.npy` member becomes a tensor called `name`.
    public static func parseArchive(_ bytes: [UInt8], file: String) throws -> TensorFile {
        let members = try ZipArchive.members(of: bytes, file: file)
        var tensors: [NamedTensor] = []
        for member in members where !member.name.hasSuffix("/") {
            let data = try ZipArchive.extract(member, from: bytes, file: file)
            let name = member.name.hasSuffix(".npy") ? String(member.name.dropLast(4)) : member.name
            tensors.append(try parseArray(data, name: name, file: "\(file)[\(member.name)]"))
        }
        return TensorFile(tensors: tensors)
    }

    /// The element type for a NumPy descriptor such as `<f4`, `|i1`, `>f8`.
    static func dataType(_ descriptor: String, file: String) throws -> (TensorDataType, bigEndian: Bool) {
        let table: [String: TensorDataType] = [
            "f8": .F64, "f4": .F32, "f2": .F16, "i8": .I64, "i4": .I32, "i2": .I16, "i1": .I8,
            "u8": .U64, "u4": .U32, "u2": .U16, "u1": .U8, "b1": .BOOL,
        ]
        guard descriptor.count == 3, let order = descriptor.first, "<>|=".contains(order),
              let type = table[String(descriptor.dropFirst())] else {
            throw ModelsError(.weightFile, "\(file): unsupported NumPy dtype '\(descriptor)' (supported: float64/32/16, "
                + "int64/32/16/8, uint64/32/16/8, bool)")
        }
        return (type, order == ">")
    }

    /// The fields of a `.npy` header dict literal.
    struct HeaderFields {
        var descriptor: String?
        var fortranOrder = false
        var shape: [Int]?
    }

    static func parseHeaderDictionary(_ text: String, file: String) throws -> HeaderFields {
        func failure(_ message: String) -> ModelsError { ModelsError(.weightFile, "\(file): .npy header: \(message)") }
        var characters = Array(text.unicodeScalars)
        while let last = characters.last, last == " " || last == "\n" || last == "\0" { characters.removeLast() }
        var position = 0
        func skipSpaces() { while position < characters.count, characters[position] == " " { position += 1 } }
        func expect(_ scalar: Unicode.Scalar) throws {
            skipSpaces()
            guard position < characters.count, characters[position] == scalar else { throw failure("expected '\(scalar)'") }
            position += 1
        }
        func quoted() throws -> String {
            skipSpaces()
            guard position < characters.count, characters[position] == "'" || characters[position] == "\"" else {
                throw failure("expected a quoted string")
            }
            let quote = characters[position]
            position += 1
            var result = String.UnicodeScalarView()
            while position < characters.count, characters[position] != quote {
                result.append(characters[position])
                position += 1
            }
            guard position < characters.count else { throw failure("unterminated string") }
            position += 1
            return String(result)
        }
        var fields = HeaderFields()
        try expect("{")
        while true {
            skipSpaces()
            if position < characters.count, characters[position] == "}" { position += 1; break }
            let key = try quoted()
            try expect(":")
            skipSpaces()
            switch key {
            case "descr": fields.descriptor = try quoted()
            case "fortran_order":
                let rest = String(String.UnicodeScalarView(characters[position...]))
                if rest.hasPrefix("True") { fields.fortranOrder = true; position += 4 } else if rest.hasPrefix("False") {
                    position += 5
                } else { throw failure("fortran_order must be True or False") }
            case "shape":
                try expect("(")
                var shape: [Int] = []
                while true {
                    skipSpaces()
                    if position < characters.count, characters[position] == ")" { position += 1; break }
                    var digits = ""
                    while position < characters.count, ("0"..."9").contains(characters[position]) {
                        digits.unicodeScalars.append(characters[position])
                        position += 1
                    }
                    guard let dimension = Int(digits), digits.count <= 18 else {
                        throw failure("shape entries must be non-negative integers")
                    }
                    shape.append(dimension)
                    skipSpaces()
                    if position < characters.count, characters[position] == "," { position += 1 }
                }
                fields.shape = shape
            default:
                throw failure("unexpected key '\(key)'")
            }
            skipSpaces()
            if position < characters.count, characters[position] == "," { position += 1; continue }
            try expect("}")
            break
        }
        return fields
    }

    /// Reorders Fortran (column-major) values to C (row-major) order for the same shape.
    static func columnMajorToRowMajor(_ values: [Float], shape: [Int]) -> [Float] {
        var result = [Float](repeating: 0, count: values.count)
        var strides = [Int](repeating: 1, count: shape.count)  // column-major strides
        for axis in 1..<shape.count { strides[axis] = strides[axis - 1] * shape[axis - 1] }
        var index = [Int](repeating: 0, count: shape.count)
        for position in 0..<values.count {
            var source = 0
            for axis in 0..<shape.count { source += index[axis] * strides[axis] }
            result[position] = values[source]
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }
}
