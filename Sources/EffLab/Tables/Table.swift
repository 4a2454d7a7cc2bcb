import EffLanguage

/// Rows × named columns of eff values: what `table(...)` builds and what `compare`, sweeps and
/// datasets return; printable, chartable and savable to CSV or JSON.
///
///     let t = try Table(records: [Record([("model", .string("q8")), ("bits", .number(8))])])
///     t.column("bits")   // [.number(8)]
public final class Table: EffObject {
    /// Column names, in order; unique.
    public let columns: [String]
    /// The cells: (rowCount, columns.count), row-major; `.nilValue` marks a missing cell.
    public let rows: [[Value]]
    /// Significant digits its numbers and quantities show (nil: the display's, 3); exports keep every digit.
    public var digits: Int?

    /// Names of the fields every table has; they win over columns of the same name, which stay
    /// reachable through the row records (`for row in t`, `t.rows`).
    static let reservedFields = ["columns", "rows"]

    /// A table from column names and rows of cells; every row has one cell per column.
    public init(columns: [String], rows: [[Value]]) throws {
        var seen: Set<String> = []
        for name in columns {
            guard seen.insert(name).inserted else { throw RuntimeError("table: the column \"\(name)\" appears twice") }
        }
        for (index, row) in rows.enumerated() where row.count != columns.count {
            throw RuntimeError("table: row \(index) has \(row.count) cells but there are \(columns.count) columns")
        }
        self.columns = columns
        self.rows = rows
    }

    /// A table from records: the columns are the union of their fields in first-seen order, and a
    /// record without some field gets nil in that column.
    public init(records: [Record]) {
        var names: [String] = []
        var positions: [String: Int] = [:]
        for record in records {
            for field in record.fields where positions[field.name] == nil {
                positions[field.name] = names.count
                names.append(field.name)
            }
        }
        columns = names
        rows = records.map { record in
            var row = [Value](repeating: .nilValue, count: names.count)
            // The first occurrence of a field wins, as `record[name]` reads it.
            for field in record.fields.reversed() {
                if let position = positions[field.name] { row[position] = field.value }
            }
            return row
        }
    }

    /// The table a value stands for: a table, a list of records, or a record of equal-length lists.
    /// `function` and `argument` name the call and argument in error messages.
    public static func from(_ value: Value, function: String, argument: String) throws -> Table {
        switch value {
        case .object(let object):
            if let table = object as? Table { return table }
        case .list(let elements):
            var records: [Record] = []
            records.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                guard case .record(let record) = element else {
                    throw RuntimeError(
                        "\(function): '\(argument)' must be a list of records, but the element at index \(index) is a \(element.typeName)",
                        hint: "write rows as records, e.g. [{model: \"q8\", energy: 3.1 mJ}, …]", argument: argument)
                }
                records.append(record)
            }
            return Table(records: records)
        case .record(let record):
            var lists: [[Value]] = []
            for field in record.fields {
                guard let elements = try listElements(field.value) else {
                    throw RuntimeError(
                        "\(function): '\(argument)' is a record, so each field must be a list (a column), but '\(field.name)' is a \(field.value.typeName)",
                        hint: "write columns as lists, e.g. {model: [\"a\", \"b\"], energy: [1 mJ, 2 mJ]}", argument: argument)
                }
                if let first = lists.first, first.count != elements.count {
                    throw RuntimeError(
                        "\(function): the columns of '\(argument)' must have equal lengths, but '\(record.fields[0].name)' has \(first.count) values and '\(field.name)' has \(elements.count)",
                        argument: argument)
                }
                lists.append(elements)
            }
            let count = lists.first?.count ?? 0
            let rows = (0..<count).map { row in lists.map { $0[row] } }
            return try Table(columns: record.names, rows: rows)
        default:
            break
        }
        throw RuntimeError(
            "\(function): '\(argument)' must be a table, a list of records or a record of lists, got \(value.typeName)",
            argument: argument)
    }

    /// The elements of a list or range value, else nil.
    static func listElements(_ value: Value) throws -> [Value]? {
        switch value {
        case .list(let elements): return elements
        case .range: return try value.listElements()
        default: return nil
        }
    }

    /// The cells of one column, top to bottom, or nil when there is no such column.
    public func column(_ name: String) -> [Value]? {
        guard let index = columns.firstIndex(of: name) else { return nil }
        return rows.map { $0[index] }
    }

    /// Each row as a record with one field per column (missing cells are nil).
    public var records: [Record] {
        rows.map { row in Record(Array(zip(columns, row)).map { (name: $0.0, value: $0.1) }) }
    }

    // MARK: EffObject

    public var typeName: String { "table" }

    public func display(_ context: DisplayContext) -> String { TableText.render(self, context: context) }

    public func field(_ name: String) -> Value? {
        switch name {
        case "columns": return .list(columns.map { .string($0) })
        case "rows": return .list(records.map { .record($0) })
        default: return column(name).map { .list($0) }
        }
    }

    public var fieldNames: [String] { Table.reservedFields + columns.filter { !Table.reservedFields.contains($0) } }

    public var elements: [Value]? { records.map { .record($0) } }
}
