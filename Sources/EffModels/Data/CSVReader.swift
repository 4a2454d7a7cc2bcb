import Foundation

/// How to read a user's CSV file into a `Dataset`.
public struct CSVOptions: Sendable, Equatable {
    /// Which column holds the class label.
    public enum LabelColumn: Sendable, Equatable {
        /// The last column (the default, as in the built-in data sets).
        case last
        /// The first column.
        case first
        /// The column at this 0-based index.
        case index(Int)
        /// The column with this header name (the file must have a header row).
        case name(String)
    }

    /// Whether the first row holds column names.
    public enum Header: Sendable, Equatable {
        /// A header when the first row has a feature cell that is not a number.
        case automatic
        /// The first row is a header.
        case present
        /// Every row is data.
        case absent
    }

    public var label: LabelColumn
    public var header: Header
    /// The field separator (one character, e.g. "," or ";" or "\t").
    public var delimiter: Character

    public init(label: LabelColumn = .last, header: Header = .automatic, delimiter: Character = ",") {
        self.label = label
        self.header = header
        self.delimiter = delimiter
    }
}

/// A parsed CSV line: its fields and its 1-based line number in the file.
struct CSVRecord {
    var fields: [String]
    var line: Int
}

/// Splits CSV text into records (RFC 4180 quoting within a line; blank lines skipped).
enum CSVParser {
    static func records(of text: String, file: String, delimiter: Character) throws -> [CSVRecord] {
        var records: [CSVRecord] = []
        var lineNumber = 0
        // "\r\n" is one Character in Swift, so split on each newline form explicitly.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            lineNumber += 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            records.append(CSVRecord(fields: try fields(of: line, file: file, line: lineNumber, delimiter: delimiter),
                                     line: lineNumber))
        }
        return records
    }

    private static func fields(of line: Substring, file: String, line lineNumber: Int,
                               delimiter: Character) throws -> [String] {
        if !line.contains("\"") {
            // Fast path for the common unquoted line.
            return line.split(separator: delimiter, omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        var fields: [String] = []
        var current = ""
        var inQuotes = false
        var characters = line.makeIterator()
        var column = 1
        var pending = characters.next()
        while let character = pending {
            pending = characters.next()
            if inQuotes {
                if character == "\"" {
                    if pending == "\"" { current.append("\""); pending = characters.next() } else { inQuotes = false }
                } else {
                    current.append(character)
                }
            } else if character == "\"" && current.allSatisfy({ $0 == " " }) {
                current = ""
                inQuotes = true
            } else if character == delimiter {
                fields.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
                column += 1
            } else {
                current.append(character)
            }
        }
        if inQuotes {
            throw ModelsError(.csv, "\(file):\(lineNumber):\(column): unterminated quoted field")
        }
        fields.append(current.trimmingCharacters(in: .whitespaces))
        return fields
    }
}

extension Dataset {
    /// Reads a CSV file of numeric features and one label column.
    ///
    /// Labels may be integers or names; class names are the distinct label values in sorted order
    /// (integers `0..<k` are kept as they are). Errors name the file, line and column:
    /// ragged rows, cells that are not numbers, missing labels.
    public static func readCSV(path: String, options: CSVOptions = CSVOptions()) throws -> Dataset {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelsError(.csv, "\(path): cannot read file (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ModelsError(.csv, "\(path): file is not UTF-8 text")
        }
        return try parseCSV(text: text, file: path, name: url.deletingPathExtension().lastPathComponent, options: options)
    }

    /// Parses CSV text (see `readCSV(path:options:)`); `file` is used in error messages.
    public static func parseCSV(text: String, file: String, name: String,
                                options: CSVOptions = CSVOptions()) throws -> Dataset {
        var records = try CSVParser.records(of: text, file: file, delimiter: options.delimiter)
        guard let first = records.first else { throw ModelsError(.csv, "\(file): no rows") }
        let width = first.fields.count
        guard width >= 2 else {
            throw ModelsError(.csv, "\(file):\(first.line): need at least one feature column and one label column, "
                + "found \(width) column")
        }
        func labelIndex(header: [String]?) throws -> Int {
            switch options.label {
            case .last: return width - 1
            case .first: return 0
            case .index(let index):
                guard index >= 0 && index < width else {
                    throw ModelsError(.csv, "\(file): label column index \(index) is outside 0..<\(width)")
                }
                return index
            case .name(let wanted):
                guard let header else {
                    throw ModelsError(.csv, "\(file): label column '\(wanted)' named, but the file has no header row")
                }
                guard let index = header.firstIndex(of: wanted) else {
                    throw ModelsError(.csv, "\(file):\(first.line): no column named '\(wanted)' (columns: "
                        + header.joined(separator: ", ") + ")")
                }
                return index
            }
        }
        var hasHeader: Bool
        switch options.header {
        case .present: hasHeader = true
        case .absent: hasHeader = false
        case .automatic:
            if case .name = options.label { hasHeader = true } else {
                let label = try labelIndex(header: nil)
                hasHeader = first.fields.enumerated().contains { $0.offset != label && Float($0.element) == nil }
            }
        }
        let header = hasHeader ? first.fields : nil
        if hasHeader { records.removeFirst() }
        let label = try labelIndex(header: header)
        guard !records.isEmpty else { throw ModelsError(.csv, "\(file): header but no data rows") }

        var features: [Float] = []
        features.reserveCapacity(records.count * (width - 1))
        var rawLabels: [String] = []
        rawLabels.reserveCapacity(records.count)
        for record in records {
            guard record.fields.count == width else {
                throw ModelsError(.csv, "\(file):\(record.line): row has \(record.fields.count) columns, expected \(width) "
                    + "(as on line \(first.line))")
            }
            for (column, cell) in record.fields.enumerated() {
                if column == label {
                    guard !cell.isEmpty else {
                        throw ModelsError(.csv, "\(file):\(record.line):\(column + 1): missing label")
                    }
                    rawLabels.append(cell)
                } else {
                    guard let value = Float(cell), value.isFinite else {
                        let what = cell.isEmpty ? "empty cell" : "cell '\(cell)' is not a finite number"
                        let columnName = header.map { " (column '\($0[column])')" } ?? ""
                        throw ModelsError(.csv, "\(file):\(record.line):\(column + 1): \(what)\(columnName)")
                    }
                    features.append(value)
                }
            }
        }
        let (labels, classNames) = encodeLabels(rawLabels)
        var featureNames = header
        featureNames?.remove(at: label)
        return try Dataset(name: name, source: file, features: features, labels: labels, featureCount: width - 1,
                           classNames: classNames, featureNames: featureNames)
    }

    /// Maps label strings to class indices: integer labels in numeric order, other labels in string order.
    static func encodeLabels(_ raw: [String]) -> (labels: [Int], classNames: [String]) {
        let integers = raw.map { value -> Int? in
            guard let number = Double(value), number.rounded() == number, abs(number) < 1e9 else { return nil }
            return Int(number)
        }
        if integers.allSatisfy({ $0 != nil }) {
            let values = integers.map { $0! }
            let distinct = Array(Set(values)).sorted()
            if distinct.first == 0 && distinct.last == distinct.count - 1 {
                return (values, distinct.map(String.init))
            }
            let position = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($0.element, $0.offset) })
            return (values.map { position[$0]! }, distinct.map(String.init))
        }
        let distinct = Array(Set(raw)).sorted()
        let position = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($0.element, $0.offset) })
        return (raw.map { position[$0]! }, distinct)
    }
}
