import EffCharts
import EffLanguage

/// `line` and `scatter`: framed x–y charts from lists or from the columns of a table.
///
/// Both read data the same way: a list of numbers is y against 1, 2, 3 … (for `line`), or the x values
/// when `y` is a list too; a table, a list of records or a record of lists gives columns named by
/// `x:` and `y:`.
enum PlotBuiltins {
    /// Axis options both charts take.
    private static let axisParameters: [Builtin.Parameter] = [
        ChartArguments.title, .optional("xlabel"), .optional("ylabel"), .optional("xunit"), .optional("yunit"),
        .optional("log_x", .bool(false)), .optional("log_y", .bool(false)),
    ]

    static let list: [Builtin] = [
        Builtin(
            "line",
            [.required("data"), .optional("y"), .optional("x")] + axisParameters
                + [ChartArguments.width, ChartArguments.height, ChartArguments.canvas],
            category: "charts",
            summary: "Lines through points: a list of y values, two lists (x, y), or a table with x: and y: column(s) (default: every numeric column).",
            example: "line([{epoch: 1, loss: 2.3}, {epoch: 2, loss: 1.4}, {epoch: 3, loss: 0.9}], x: \"epoch\", y: \"loss\", title: \"Loss\")",
            body: line),
        Builtin(
            "scatter",
            [.required("data"), .optional("y"), .optional("x"), .optional("label"), .optional("group")]
                + axisParameters
                + [.optional("pareto", .bool(false)), .optional("better_x", .string("lower")),
                   .optional("better_y", .string("higher")), ChartArguments.width, ChartArguments.height,
                   ChartArguments.canvas],
            category: "charts",
            summary: "Points from two lists or a table's x: and y: columns, labelled by label: (default: the first text column); pareto: true marks the frontier.",
            example: "scatter([{m: \"fp32\", e: 12.5 mJ, acc: 97.8}, {m: \"int8\", e: 3.1 mJ, acc: 97.5}, {m: \"int4\", e: 1.9 mJ, acc: 94.1}], x: \"e\", y: \"acc\", yunit: \"%\", pareto: true)",
            body: scatter),
    ]

    /// The data as a table, with an error that lists the accepted shapes.
    static func table(_ data: Value, function: String) throws -> Table {
        if case .list(let elements) = data, !elements.allSatisfy(ChartData.isNumeric),
            let index = elements.firstIndex(where: { !isRecord($0) && !ChartData.isNumeric($0) })
                ?? elements.firstIndex(where: { !isRecord($0) })
        {
            throw RuntimeError(
                "\(function): 'data' must be a list of numbers or quantities, or a table / list of records; the element at index \(index) is a \(elements[index].typeName) (\(ChartData.shortText(elements[index])))",
                argument: "data")
        }
        return try Table.from(data, function: function, argument: "data")
    }

    private static func isRecord(_ value: Value) -> Bool {
        if case .record = value { return true }
        return false
    }

    /// Columns chosen from the data: x values (nil for 1, 2, 3 …) and named y series.
    private struct Columns {
        var x: [Value]?
        var xName = ""
        var y: [(name: String, values: [Value])] = []
        var labels: [String]?
        var groups: [String]?
        var table: Table?
    }

    /// Reads `data`, `x` and `y` the same way for both charts.
    private static func columns(_ arguments: Arguments, function: String, yRequired: Bool) throws -> Columns {
        let data = arguments.value("data")
        var result = Columns()
        if let values = try ChartData.list(data), values.allSatisfy(ChartData.isNumeric) {
            if arguments.isGiven("y") {
                guard let ys = try ChartData.list(arguments.value("y")), ys.allSatisfy(ChartData.isNumeric) else {
                    throw RuntimeError(
                        "\(function): when 'data' is a list of numbers, 'y' must be a list of numbers too (then 'data' holds the x values)",
                        argument: "y")
                }
                if arguments.isGiven("x") {
                    throw RuntimeError(
                        "\(function): 'data' already holds the x values; leave out 'x'", argument: "x")
                }
                result.x = values
                result.y = [("", ys)]
            } else {
                if yRequired {
                    throw RuntimeError(
                        "\(function): give the y values too: \(function)(xs, ys), or a table with x: and y: columns",
                        argument: "data")
                }
                result.y = [("", values)]
                if arguments.isGiven("x") {
                    guard let xs = try ChartData.list(arguments.value("x")) else {
                        throw RuntimeError(
                            "\(function): 'x' must be a list of numbers, got \(arguments.value("x").typeName)",
                            argument: "x")
                    }
                    result.x = xs
                }
            }
        } else {
            let table = try table(data, function: function)
            result.table = table
            if arguments.isGiven("x") {
                result.xName = try ChartData.columnName(arguments.value("x"), function: function, argument: "x")
                result.x = try ChartData.column(table, result.xName, function: function, argument: "x")
            } else if yRequired {
                throw RuntimeError(
                    "\(function): name the x column with x:", hint: numericHint(table), argument: "data")
            }
            let names: [String]
            if arguments.isGiven("y") {
                names = try ChartData.columnNames(arguments.value("y"), function: function, argument: "y")
            } else if yRequired {
                throw RuntimeError(
                    "\(function): name the y column with y:", hint: numericHint(table), argument: "data")
            } else {
                names = ChartData.numericColumns(table).filter { $0 != result.xName }
                guard !names.isEmpty else {
                    throw RuntimeError(
                        "\(function): 'data' has no column of numbers to draw; name one with y:",
                        hint: columnsHint(table), argument: "data")
                }
            }
            result.y = try names.map { ($0, try ChartData.column(table, $0, function: function, argument: "y")) }
        }
        if let x = result.x {
            for series in result.y where series.values.count != x.count {
                throw RuntimeError(
                    "\(function): 'x' has \(x.count) values but 'y' has \(series.values.count)",
                    argument: arguments.isGiven("y") ? "y" : "x")
            }
        }
        return result
    }

    private static func numericHint(_ table: Table) -> String {
        let numeric = ChartData.numericColumns(table)
        return numeric.isEmpty ? columnsHint(table) : "numeric columns: " + numeric.joined(separator: ", ")
    }

    /// "columns: a, b" or "the data have no columns".
    static func columnsHint(_ table: Table) -> String {
        table.columns.isEmpty ? "the data have no columns" : "columns: " + table.columns.joined(separator: ", ")
    }

    /// The two axes, scaled: x (from values or 1, 2, 3 …) and all y series sharing one unit.
    private static func axes(
        _ columns: Columns, _ arguments: Arguments, function: String
    ) throws -> (x: [Double], y: [[Double]], xAxis: Axis, yAxis: Axis) {
        let xArgument = columns.table == nil && arguments.isGiven("y") ? "data" : "x"
        let count = columns.y.first?.values.count ?? 0
        let xScaled = try ChartData.scaled(
            [columns.x ?? (0..<count).map { .number(Double($0 + 1)) }],
            unit: try ChartArguments.optionalString(arguments, "xunit"), function: function, argument: xArgument,
            unitArgument: "xunit")
        let yScaled = try ChartData.scaled(
            columns.y.map(\.values), unit: try ChartArguments.optionalString(arguments, "yunit"),
            function: function, argument: columns.table == nil && !arguments.isGiven("y") ? "data" : "y",
            unitArgument: "yunit")
        let xLabel = try ChartArguments.optionalString(arguments, "xlabel") ?? columns.xName
        let yLabel = try ChartArguments.optionalString(arguments, "ylabel")
            ?? (columns.y.count == 1 ? columns.y[0].name : "")
        return (
            xScaled.groups[0], yScaled.groups,
            Axis(label: xLabel, scale: try ChartArguments.scale(arguments, "log_x"), unit: xScaled.unit),
            Axis(label: yLabel, scale: try ChartArguments.scale(arguments, "log_y"), unit: yScaled.unit)
        )
    }

    // MARK: line

    static func line(_ arguments: Arguments) throws -> Value {
        let layout = try ChartArguments.layout(arguments, function: "line")
        let title = try arguments.string("title")
        let columns = try columns(arguments, function: "line", yRequired: false)
        let (x, ys, xAxis, yAxis) = try axes(columns, arguments, function: "line")
        let named = columns.y.count > 1
        let series = zip(columns.y, ys).map { column, y in Series(name: named ? column.name : "", x: x, y: y) }
        let chart = LineChart(series: series, title: title, xAxis: xAxis, yAxis: yAxis)
        return try ChartArguments.value(kind: "line", chart: chart, layout: layout, title: title, arguments: arguments)
    }

    // MARK: scatter

    static func scatter(_ arguments: Arguments) throws -> Value {
        let layout = try ChartArguments.layout(arguments, function: "scatter")
        let title = try arguments.string("title")
        let columns = try columns(arguments, function: "scatter", yRequired: true)
        let (x, ys, xAxis, yAxis) = try axes(columns, arguments, function: "scatter")
        guard ys.count == 1 else {
            throw RuntimeError("scatter: 'y' must name one column; use group: to split points into series", argument: "y")
        }
        let y = ys[0]
        let labels = try pointLabels(columns, arguments, count: x.count)
        var series: [Series] = []
        if arguments.isGiven("group") {
            guard let table = columns.table else {
                throw RuntimeError("scatter: group: names a column, so 'data' must be a table or a list of records",
                                   argument: "group")
            }
            let name = try ChartData.columnName(arguments.value("group"), function: "scatter", argument: "group")
            let keys = try ChartData.column(table, name, function: "scatter", argument: "group").map(ChartData.label)
            var order: [String] = []
            var members: [String: [Int]] = [:]
            for (index, key) in keys.enumerated() {
                if members[key] == nil { order.append(key) }
                members[key, default: []].append(index)
            }
            series = order.map { key in
                let indices = members[key] ?? []
                return Series(
                    name: key, x: indices.map { x[$0] }, y: indices.map { y[$0] },
                    labels: labels.map { all in indices.map { all[$0] } } ?? [])
            }
        } else {
            series = [Series(x: x, y: y, labels: labels ?? [])]
        }
        var frontier: ParetoFrontier?
        if try arguments.bool("pareto") {
            frontier = ParetoFrontier(
                x: try ChartArguments.preference(arguments, "better_x", function: "scatter"),
                y: try ChartArguments.preference(arguments, "better_y", function: "scatter"))
        }
        let chart = ScatterChart(series: series, title: title, xAxis: xAxis, yAxis: yAxis, frontier: frontier)
        return try ChartArguments.value(kind: "scatter", chart: chart, layout: layout, title: title, arguments: arguments)
    }

    /// Point labels: `label:` as a column name or a list, false for none, else the first text column.
    private static func pointLabels(_ columns: Columns, _ arguments: Arguments, count: Int) throws -> [String]? {
        let label = arguments.value("label")
        switch label {
        case .bool(false):
            return nil
        case .nilValue:
            guard let table = columns.table else { return nil }
            let excluded: Set<String> = arguments.isGiven("group")
                ? [(try? ChartData.columnName(arguments.value("group"), function: "scatter", argument: "group")) ?? ""]
                : []
            return ChartData.firstTextColumn(table, excluding: excluded)
                .flatMap { table.column($0) }?.map(ChartData.label)
        case .string(let name):
            guard let table = columns.table else {
                throw RuntimeError(
                    "scatter: label: \"\(name)\" names a column, but 'data' is a list; give the labels as a list",
                    argument: "label")
            }
            return try ChartData.column(table, name, function: "scatter", argument: "label").map(ChartData.label)
        default:
            guard let list = try ChartData.list(label) else {
                throw RuntimeError(
                    "scatter: label must be a column name, a list of labels or false, got \(label.typeName)",
                    argument: "label")
            }
            guard list.count == count else {
                throw RuntimeError("scatter: 'label' has \(list.count) labels but there are \(count) points", argument: "label")
            }
            return list.map(ChartData.label)
        }
    }
}
