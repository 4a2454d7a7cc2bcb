import Foundation

/// The data sets that ship with eff: the one list of names, files and descriptions.
public struct BuiltinDataset: Sendable, Equatable {
    /// The name users type, e.g. "digits".
    public let name: String
    /// The resource file name.
    public let fileName: String
    /// A one-line description for help and listings.
    public let summary: String
    /// The attribution shown with the data (see SOURCES.md in the resources).
    public let origin: String
    /// Feature names, one per column.
    public let featureNames: [String]
    /// Whether the file starts with the `n_rows,n_features,class names...` line (otherwise class names are
    /// `classNames` and there is no header).
    let hasCountsHeader: Bool
    /// Class names for files without a counts header.
    let classNames: [String]

    /// All built-in data sets.
    public static let all: [BuiltinDataset] = [
        BuiltinDataset(
            name: "digits", fileName: "digits.csv",
            summary: "1797 handwritten digits, 8×8 pixels valued 0..16, 10 classes",
            origin: "UCI Optical Recognition of Handwritten Digits (E. Alpaydin, C. Kaynak 1998), CC BY 4.0, via scikit-learn",
            featureNames: (0..<8).flatMap { row in (0..<8).map { "pixel_\(row)_\($0)" } },
            hasCountsHeader: false, classNames: (0..<10).map(String.init)),
        BuiltinDataset(
            name: "iris", fileName: "iris.csv",
            summary: "150 iris flowers, 4 measurements in cm, 3 species",
            origin: "R. A. Fisher 1936, UCI Iris, CC BY 4.0, via scikit-learn",
            featureNames: ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"],
            hasCountsHeader: true, classNames: []),
        BuiltinDataset(
            name: "wine", fileName: "wine_data.csv",
            summary: "178 wines, 13 chemical measurements, 3 cultivars",
            origin: "UCI Wine, CC BY 4.0, via scikit-learn",
            featureNames: ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols",
                           "flavanoids", "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue",
                           "od280/od315_of_diluted_wines", "proline"],
            hasCountsHeader: true, classNames: []),
        BuiltinDataset(
            name: "breast_cancer", fileName: "breast_cancer.csv",
            summary: "569 breast mass images, 30 cell-nucleus features, malignant or benign",
            origin: "UCI Breast Cancer Wisconsin (Diagnostic), CC BY 4.0, via scikit-learn",
            featureNames: {
                let bases = ["radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity",
                             "concave points", "symmetry", "fractal dimension"]
                return bases.map { "mean \($0)" } + bases.map { "\($0) error" } + bases.map { "worst \($0)" }
            }(),
            hasCountsHeader: true, classNames: []),
    ]

    /// The names of all built-in data sets, in listing order.
    public static var names: [String] { all.map(\.name) }
}

extension Dataset {
    /// Loads a built-in data set by name ("digits", "iris", "wine", "breast_cancer").
    public static func builtin(_ name: String) throws -> Dataset {
        guard let entry = BuiltinDataset.all.first(where: { $0.name == name }) else {
            throw ModelsError(.data, "unknown data set '\(name)'; built-in data sets: "
                + BuiltinDataset.names.joined(separator: ", "))
        }
        let url = try ResourceLocator.datasetsDirectory().appendingPathComponent(entry.fileName)
        guard let data = try? Data(contentsOf: url), let text = String(data: data, encoding: .utf8) else {
            throw ModelsError(.resources, "cannot read the built-in data set file \(url.path)")
        }
        return try parseBuiltin(text: text, entry: entry, file: url.path)
    }

    /// Parses a built-in file: numeric rows with the label last, after an optional counts header line.
    static func parseBuiltin(text: String, entry: BuiltinDataset, file: String) throws -> Dataset {
        var body = Substring(text)
        var classNames = entry.classNames
        var expectedRows: Int?
        var firstLine = 1
        if entry.hasCountsHeader {
            let headerLine = body.prefix { $0 != "\n" && $0 != "\r\n" }
            let header = headerLine.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard header.count >= 3, let rows = Int(header[0]), let columns = Int(header[1]),
                  columns == entry.featureNames.count else {
                throw ModelsError(.data, "\(file):1: expected 'n_rows,n_features,class names...' with "
                    + "\(entry.featureNames.count) features")
            }
            expectedRows = rows
            classNames = Array(header[2...])
            body = body.dropFirst(headerLine.count + 1)
            firstLine = 2
        }
        let width = entry.featureNames.count + 1
        let values = try parseNumbers(String(body), file: file, firstLine: firstLine, width: width)
        let rowCount = values.count / width
        var features: [Float] = []
        features.reserveCapacity(rowCount * (width - 1))
        var labels: [Int] = []
        labels.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            features.append(contentsOf: values[(row * width)..<((row + 1) * width - 1)])
            let label = values[(row + 1) * width - 1]
            guard label >= 0, label < Float(classNames.count), label.rounded() == label else {
                throw ModelsError(.data, "\(file):\(row + firstLine):\(width): bad label \(label)")
            }
            labels.append(Int(label))
        }
        if let expectedRows, expectedRows != labels.count {
            throw ModelsError(.data, "\(file): header says \(expectedRows) rows, found \(labels.count)")
        }
        return try Dataset(name: entry.name, source: entry.origin, features: features, labels: labels,
                           featureCount: width - 1, classNames: classNames, featureNames: entry.featureNames)
    }

    /// Reads comma-separated numbers, `width` per line, scanning bytes (much faster than per-Character CSV
    /// parsing) and converting each token with Swift's locale-independent `Float(_:)`.
    /// Blank lines are skipped; errors name the line and column.
    static func parseNumbers(_ text: String, file: String, firstLine: Int, width: Int) throws -> [Float] {
        let bytes = Array(text.utf8)
        var values: [Float] = []
        values.reserveCapacity(bytes.count / 2)
        var line = firstLine
        var column = 1
        var index = 0
        func endLine() throws {
            if column != 1 && column != width + 1 {
                throw ModelsError(.data, "\(file):\(line): \(column - 1) columns, expected \(width)")
            }
            line += 1
            column = 1
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") { try endLine(); index += 1; continue }
            if byte == UInt8(ascii: "\r") || byte == UInt8(ascii: " ") { index += 1; continue }
            var end = index
            while end < bytes.count, bytes[end] != UInt8(ascii: ","), bytes[end] != UInt8(ascii: "\n"),
                  bytes[end] != UInt8(ascii: "\r") { end += 1 }
            guard column <= width else { throw ModelsError(.data, "\(file):\(line): more than \(width) columns") }
            var tokenEnd = end
            while tokenEnd > index, bytes[tokenEnd - 1] == UInt8(ascii: " ") { tokenEnd -= 1 }
            if let integer = smallInteger(bytes[index..<tokenEnd]) {
                values.append(Float(integer))  // exact: most cells (all of digits) are small integers
            } else {
                let token = String(decoding: bytes[index..<tokenEnd], as: UTF8.self)
                guard let value = Float(token), value.isFinite else {
                    throw ModelsError(.data, "\(file):\(line):\(column): '\(token)' is not a number")
                }
                values.append(value)
            }
            column += 1
            index = end < bytes.count && bytes[end] == UInt8(ascii: ",") ? end + 1 : end
        }
        if column != 1 { try endLine() }
        return values
    }

    /// The value of a token of at most 7 decimal digits with an optional minus sign (exact in Float), else nil.
    static func smallInteger(_ token: ArraySlice<UInt8>) -> Int? {
        var digits = token[...]
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= 7 else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return negative ? -value : value
    }
}
