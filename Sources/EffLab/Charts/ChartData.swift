import EffNumerics
import EffCharts
import EffLanguage
import EffUnits

/// Numbers for charts in one display unit: the values of one or more series, scaled together.
struct ScaledValues {
    /// One list per input group, in the display unit; nil cells are NaN (not drawn).
    var groups: [[Double]]
    /// The unit the numbers are in (`mJ`), the label unit given for plain numbers (`%`), or "".
    var unit: String
    /// The dimension of the quantities, or nil for plain numbers.
    var dimension: Dimension?
    /// The size of `unit` in base units (1 for plain numbers).
    var factor: Double

    /// Converts an option that must match the data (a bin width, a tolerance) to this unit.
    func scale(_ value: Value, function: String, argument: String) throws -> Double {
        switch value {
        case .number(let number) where dimension == nil:
            return number
        case .quantity(let quantity) where quantity.dimension == dimension:
            return quantity.value / factor
        default:
            let wanted = dimension.map { "a quantity of \($0.name)" } ?? "a plain number"
            throw RuntimeError(
                "\(function): '\(argument)' must be \(wanted) like the data, got \(value.typeName)", argument: argument)
        }
    }
}

/// Turning eff values into chart data: numbers in one unit, labels, columns of tables, matrices.
enum ChartData {
    /// Scales groups of numbers or quantities to one unit.
    ///
    /// Plain numbers stay as they are and `unit` (e.g. "%") is only a label. Quantities must share one
    /// dimension; `unit` converts them (`"mJ"`), else the unit display would choose for the largest
    /// magnitude is used, so the largest value reads like `12.5 mJ`. `unitArgument` names the argument
    /// that gave `unit`, for errors.
    static func scaled(
        _ groups: [[Value]], unit: String?, function: String, argument: String, unitArgument: String = "unit"
    ) throws -> ScaledValues {
        var dimension: Dimension?
        var sawNumber = false
        var preferredUnits: Set<String?> = []
        var largest = 0.0
        for group in groups {
            for (index, value) in group.enumerated() {
                switch value {
                case .nilValue:
                    continue
                case .number(let number):
                    sawNumber = true
                    if number.isFinite { largest = max(largest, Swift.abs(number)) }
                case .quantity(let quantity):
                    if let known = dimension, known != quantity.dimension {
                        throw RuntimeError(
                            "\(function): '\(argument)' mixes \(known.name) and \(quantity.dimension.name) (\(quantity)); one axis shows one dimension",
                            argument: argument)
                    }
                    dimension = quantity.dimension
                    preferredUnits.insert(quantity.preferredUnit)
                    if quantity.value.isFinite { largest = max(largest, Swift.abs(quantity.value)) }
                default:
                    throw RuntimeError(
                        "\(function): '\(argument)' must hold numbers or quantities, but the value at index \(index) is a \(value.typeName) (\(shortText(value)))",
                        argument: argument)
                }
            }
        }
        if sawNumber, let dimension {
            throw RuntimeError(
                "\(function): '\(argument)' mixes plain numbers and \(dimension.name) quantities",
                hint: "give every value a unit, e.g. 3 mJ rather than 3", argument: argument)
        }
        guard let dimension else {
            return ScaledValues(
                groups: groups.map { $0.map(plainNumber) }, unit: unit ?? "", dimension: nil, factor: 1)
        }
        let (symbol, factor) = try displayUnit(
            for: dimension, largest: largest, requested: unit,
            preferred: preferredUnits.count == 1 ? preferredUnits.first ?? nil : nil, function: function,
            unitArgument: unitArgument)
        let converted = groups.map { group in
            group.map { value -> Double in
                if case .quantity(let quantity) = value { return quantity.value / factor }
                return .nan
            }
        }
        return ScaledValues(groups: converted, unit: symbol, dimension: dimension, factor: factor)
    }

    /// The unit symbol and its size in base units for showing quantities of `dimension`.
    private static func displayUnit(
        for dimension: Dimension, largest: Double, requested: String?, preferred: String?, function: String,
        unitArgument: String
    ) throws -> (String, Double) {
        if let requested {
            guard let (requestedDimension, factor) = UnitTable.parse(requested) else {
                throw RuntimeError("\(function): unknown unit \"\(requested)\"", argument: unitArgument)
            }
            guard requestedDimension == dimension else {
                throw RuntimeError(
                    "\(function): cannot show \(dimension.name) in \(requested) (\(requestedDimension.name))",
                    argument: unitArgument)
            }
            return (requested, factor)
        }
        let (amount, symbol) = QuantityFormatter.displayParts(Quantity(largest, dimension, preferredUnit: preferred))
        if let (_, factor) = UnitTable.parse(symbol) { return (symbol, factor) }
        // A compound unit display made up (e.g. "µB/s"): its size is what it divided by.
        return (symbol, amount != 0 && largest != 0 ? largest / amount : 1)
    }

    private static func plainNumber(_ value: Value) -> Double {
        if case .number(let number) = value { return number }
        return .nan
    }

    /// A value cut short for an error message.
    static func shortText(_ value: Value) -> String {
        TerminalWidth.truncate(TerminalWidth.singleLine(value.display()), to: 40, ascii: false)
    }

    /// Whether the value is a number, a quantity or nil (a missing number).
    static func isNumeric(_ value: Value) -> Bool {
        switch value {
        case .number, .quantity, .nilValue: return true
        default: return false
        }
    }

    /// Whether every element is numeric and at least one is not nil.
    static func isNumericList(_ values: [Value]) -> Bool {
        values.allSatisfy(isNumeric) && values.contains { if case .nilValue = $0 { return false } else { return true } }
    }

    /// The text of a label: strings as they are, numbers and quantities as eff prints them.
    static func label(_ value: Value) -> String {
        switch value {
        case .nilValue: return ""
        case .string(let text): return text
        default: return value.text()
        }
    }

    /// The elements of a list or range argument, else nil.
    static func list(_ value: Value) throws -> [Value]? { try Table.listElements(value) }

    /// A column of a table by name, with an error listing the columns when it is missing.
    static func column(_ table: Table, _ name: String, function: String, argument: String) throws -> [Value] {
        guard let values = table.column(name) else {
            let known = table.columns.isEmpty ? "the table has no columns" : "columns: " + table.columns.joined(separator: ", ")
            throw RuntimeError(
                "\(function): '\(argument)' names a column \"\(name)\" that the data do not have", hint: known,
                argument: argument)
        }
        return values
    }

    /// One column name: a string argument.
    static func columnName(_ value: Value, function: String, argument: String) throws -> String {
        guard case .string(let name) = value else {
            throw RuntimeError(
                "\(function): '\(argument)' must be a column name (a string), got \(value.typeName)", argument: argument)
        }
        return name
    }

    /// One or more column names: a string or a list of strings.
    static func columnNames(_ value: Value, function: String, argument: String) throws -> [String] {
        if case .string(let name) = value { return [name] }
        guard case .list(let elements) = value, !elements.isEmpty else {
            throw RuntimeError(
                "\(function): '\(argument)' must be a column name or a list of them, got \(value.typeName)",
                argument: argument)
        }
        return try elements.map { try columnName($0, function: function, argument: argument) }
    }

    /// Columns whose cells are all numbers or quantities (and not all missing), in order.
    static func numericColumns(_ table: Table) -> [String] {
        table.columns.filter { isNumericList(table.column($0) ?? []) }
    }

    /// The first column whose cells are all strings, for labels.
    static func firstTextColumn(_ table: Table, excluding: Set<String> = []) -> String? {
        table.columns.first { name in
            guard !excluding.contains(name), let cells = table.column(name), !cells.isEmpty else { return false }
            return cells.allSatisfy { if case .string = $0 { return true } else { return false } }
        }
    }

    /// A matrix from a list of equal-length lists of numbers (or quantities of one dimension).
    static func matrix(
        _ value: Value, unit: String? = nil, function: String, argument: String
    ) throws -> (Matrix, ScaledValues) {
        guard let rows = try list(value) else {
            throw RuntimeError(
                "\(function): '\(argument)' must be a list of rows (lists of numbers), got \(value.typeName)",
                hint: "e.g. [[1, 0], [0, 1]]", argument: argument)
        }
        var cells: [[Value]] = []
        cells.reserveCapacity(rows.count)
        for (index, row) in rows.enumerated() {
            guard let values = try list(row) else {
                throw RuntimeError(
                    "\(function): '\(argument)' must be a list of rows, but the row at index \(index) is a \(row.typeName)",
                    argument: argument)
            }
            if let first = cells.first, first.count != values.count {
                throw RuntimeError(
                    "\(function): the rows of '\(argument)' must have equal lengths, but row 0 has \(first.count) values and row \(index) has \(values.count)",
                    argument: argument)
            }
            cells.append(values)
        }
        let scaled = try scaled(cells, unit: unit, function: function, argument: argument)
        let matrix = try Matrix(rows: cells.count, columns: cells.first?.count ?? 0, values: scaled.groups.flatMap { $0 })
        return (matrix, scaled)
    }
}
