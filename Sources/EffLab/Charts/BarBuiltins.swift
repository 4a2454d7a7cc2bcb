import EffCharts
import EffLanguage

/// `bar`, `hist` and `sparkline`: charts of one value per label, per bin, per point.
enum BarBuiltins {
    static let list: [Builtin] = [
        Builtin(
            "bar",
            [.required("data"), .optional("y"), .optional("x"), ChartArguments.title, .optional("sort"),
             .optional("unit"), ChartArguments.width, ChartArguments.canvas],
            category: "charts",
            summary: "Horizontal bars from a list of values, a record {label: value}, or a table with y: value column(s) and x: label column; y: [a, b] groups bars.",
            example: "bar({fp32: 12.5 mJ, int8: 3.1 mJ, ternary: 0.6 mJ}, title: \"Energy per inference\", sort: \"descending\")",
            body: bar),
        Builtin(
            "hist",
            [.required("values"), .optional("bins"), .optional("bin_width"), ChartArguments.title, .optional("unit"),
             ChartArguments.width, ChartArguments.canvas],
            category: "charts",
            summary: "A histogram of numbers or quantities; bins: a count or a list of edges, or bin_width: a width.",
            example: "hist([0.1, 0.4, 0.35, 0.8, 0.5, 0.45, 0.6, 0.2], bins: 4, title: \"Weights\")",
            body: hist),
        Builtin(
            "sparkline",
            [.required("values"), ChartArguments.width, ChartArguments.canvas],
            category: "charts",
            summary: "A one-line chart of values (▁▂▃▅▇█); prints inline and inside strings.",
            example: "print(\"loss \\(sparkline([2.3, 1.7, 1.2, 0.9, 0.7, 0.6]))\")",
            body: sparkline),
    ]

    // MARK: bar

    static func bar(_ arguments: Arguments) throws -> Value {
        let data = arguments.value("data")
        let layout = try ChartArguments.layout(arguments, function: "bar", hasHeight: false)
        let title = try arguments.string("title")
        let unit = try ChartArguments.optionalString(arguments, "unit")
        var sort = BarSort.none
        if let name = try ChartArguments.optionalString(arguments, "sort") {
            guard let order = BarSort(rawValue: name) else {
                throw RuntimeError(
                    "bar: sort must be \"ascending\", \"descending\" or \"none\", got \"\(name)\"", argument: "sort")
            }
            sort = order
        }

        var labels: [String]
        var groups: [[Value]]
        var names: [String] = []
        var valueArgument = "data"
        if let values = try ChartData.list(data), values.allSatisfy(ChartData.isNumeric) {
            guard !arguments.isGiven("y") else {
                throw RuntimeError(
                    "bar: 'y' names columns of a table, but 'data' is a list of values", argument: "y")
            }
            labels = try labelList(arguments, count: values.count, function: "bar")
            groups = [values]
        } else if case .record(let record) = data, !record.fields.contains(where: { isList($0.value) }) {
            for name in ["x", "y"] where arguments.isGiven(name) {
                throw RuntimeError(
                    "bar: '\(name)' names a column of a table, but 'data' is a record {label: value}", argument: name)
            }
            labels = record.names
            groups = [record.fields.map(\.value)]
        } else {
            let table = try PlotBuiltins.table(data, function: "bar")
            let xName = arguments.isGiven("x")
                ? try ChartData.columnName(arguments.value("x"), function: "bar", argument: "x")
                : ChartData.firstTextColumn(table)
            if arguments.isGiven("y") {
                names = try ChartData.columnNames(arguments.value("y"), function: "bar", argument: "y")
                valueArgument = "y"
            } else {
                guard let first = ChartData.numericColumns(table).first(where: { $0 != xName }) else {
                    throw RuntimeError(
                        "bar: 'data' has no column of numbers to draw; name one with y:",
                        hint: PlotBuiltins.columnsHint(table), argument: "data")
                }
                names = [first]
            }
            labels = try xName.map { try ChartData.column(table, $0, function: "bar", argument: "x").map(ChartData.label) }
                ?? table.rows.indices.map { String($0 + 1) }
            groups = try names.map { try ChartData.column(table, $0, function: "bar", argument: valueArgument) }
        }

        let scaled = try ChartData.scaled(groups, unit: unit, function: "bar", argument: valueArgument)
        let chart: any Chart
        if scaled.groups.count == 1 {
            chart = BarChart(labels: labels, values: scaled.groups[0], title: title, unit: scaled.unit, sort: sort)
        } else {
            // Grouped bars keep categories together; sorting orders the categories by the first series.
            var order = Array(labels.indices)
            let key = scaled.groups[0]
            switch sort {
            case .none: break
            case .ascending: order.sort { (key[$0].isNaN ? 1 : 0, key[$0]) < (key[$1].isNaN ? 1 : 0, key[$1]) }
            case .descending: order.sort { (key[$0].isNaN ? 1 : 0, -key[$0]) < (key[$1].isNaN ? 1 : 0, -key[$1]) }
            }
            chart = GroupedBarChart(
                categories: order.map { labels[$0] },
                series: zip(names, scaled.groups).map { name, values in BarSeries(name: name, values: order.map { values[$0] }) },
                title: title, unit: scaled.unit)
        }
        return try ChartArguments.value(kind: "bar", chart: chart, layout: layout, title: title, arguments: arguments)
    }

    /// Labels for a list of values: `x:` as a list of labels, else 1, 2, 3 ….
    private static func labelList(_ arguments: Arguments, count: Int, function: String) throws -> [String] {
        guard arguments.isGiven("x") else { return (0..<count).map { String($0 + 1) } }
        guard let labels = try ChartData.list(arguments.value("x")) else {
            throw RuntimeError(
                "\(function): when 'data' is a list of values, 'x' must be a list of labels, got \(arguments.value("x").typeName)",
                argument: "x")
        }
        guard labels.count == count else {
            throw RuntimeError(
                "\(function): 'x' has \(labels.count) labels but 'data' has \(count) values", argument: "x")
        }
        return labels.map(ChartData.label)
    }

    /// The `values` argument: a list, or a range of at most `Value.maximumRangeCount` numbers.
    private static func valueList(_ arguments: Arguments, function: String) throws -> [Value] {
        guard let values = try ChartData.list(arguments.value("values")) else {
            throw RuntimeError("\(function): 'values' must be a list of numbers, got \(arguments.value("values").typeName)",
                               argument: "values")
        }
        return values
    }

    private static func isList(_ value: Value) -> Bool {
        switch value {
        case .list, .range: return true
        default: return false
        }
    }

    // MARK: hist

    static func hist(_ arguments: Arguments) throws -> Value {
        let layout = try ChartArguments.layout(arguments, function: "hist", hasHeight: false)
        let title = try arguments.string("title")
        let values = try valueList(arguments, function: "hist")
        var edges: [Value]?
        if arguments.isGiven("bins"), arguments.isGiven("bin_width") {
            throw RuntimeError("hist: give either bins or bin_width, not both", argument: "bin_width")
        }
        if arguments.isGiven("bins"), let list = try ChartData.list(arguments.value("bins")) {
            _ = try ChartData.scaled([list], unit: nil, function: "hist", argument: "bins")  // numbers, one dimension
            edges = list
        }
        let scaled = try ChartData.scaled(
            [values, edges ?? []], unit: try ChartArguments.optionalString(arguments, "unit"), function: "hist",
            argument: "values")
        var binning = Binning.automatic
        if arguments.isGiven("bins") {
            if edges != nil {
                binning = .edges(scaled.groups[1])
            } else {
                let count = try arguments.integer("bins")
                guard (1...Histogram.maximumBins).contains(count) else {
                    throw RuntimeError(
                        "hist: bins must be 1 ... \(Histogram.maximumBins), got \(count)", argument: "bins")
                }
                binning = .count(count)
            }
        } else if arguments.isGiven("bin_width") {
            let width = try scaled.scale(arguments.value("bin_width"), function: "hist", argument: "bin_width")
            guard width > 0, width.isFinite else {
                throw RuntimeError("hist: bin_width must be positive", argument: "bin_width")
            }
            binning = .width(width)
        }
        let chart = Histogram(values: scaled.groups[0], bins: binning, title: title, unit: scaled.unit)
        return try ChartArguments.value(kind: "hist", chart: chart, layout: layout, title: title, arguments: arguments)
    }

    // MARK: sparkline

    static func sparkline(_ arguments: Arguments) throws -> Value {
        let layout = try ChartArguments.layout(arguments, function: "sparkline", hasHeight: false)
        let values = try valueList(arguments, function: "sparkline")
        let scaled = try ChartData.scaled([values], unit: nil, function: "sparkline", argument: "values")
        return try ChartArguments.value(
            kind: "sparkline", chart: Sparkline(values: scaled.groups[0]), layout: layout, title: "",
            arguments: arguments)
    }
}
