import EffCharts
import EffLanguage

/// `heatmap` and `spy`: charts of a matrix given as a list of rows.
enum MatrixBuiltins {
    static let list: [Builtin] = [
        Builtin(
            "heatmap",
            [.required("matrix"), ChartArguments.title, .optional("xlabel"), .optional("ylabel"),
             .optional("row_labels"), .optional("column_labels"), .optional("unit"), ChartArguments.width,
             ChartArguments.height, ChartArguments.canvas],
            category: "charts",
            summary: "A matrix (a list of equal-length rows of numbers) as shades, first row at the top, with a scale legend.",
            example: "heatmap([[50, 2, 1], [3, 41, 6], [0, 7, 45]], row_labels: [\"cat\", \"dog\", \"fox\"], column_labels: [\"cat\", \"dog\", \"fox\"], title: \"Confusion\")",
            body: heatmap),
        Builtin(
            "spy",
            [.required("matrix"), ChartArguments.title, .optional("tolerance", .number(0)), ChartArguments.width,
             ChartArguments.height, ChartArguments.canvas],
            category: "charts",
            summary: "The sparsity pattern of a matrix: a dot for each entry whose magnitude exceeds tolerance.",
            example: "spy(map(0..7, fn(i) => map(0..7, fn(j) => if i == j or j == 0 { 1 } else { 0 })), title: \"Pattern\")",
            body: spy),
    ]

    static func heatmap(_ arguments: Arguments) throws -> Value {
        let layout = try ChartArguments.layout(arguments, function: "heatmap")
        let title = try arguments.string("title")
        let (matrix, scaled) = try ChartData.matrix(
            arguments.value("matrix"), unit: try ChartArguments.optionalString(arguments, "unit"),
            function: "heatmap", argument: "matrix")
        let rowLabels = try labels(arguments, "row_labels", count: matrix.rows, what: "rows")
        let columnLabels = try labels(arguments, "column_labels", count: matrix.columns, what: "columns")
        let chart = Heatmap(
            matrix: matrix, title: title, xLabel: try ChartArguments.optionalString(arguments, "xlabel") ?? "",
            yLabel: try ChartArguments.optionalString(arguments, "ylabel") ?? "", rowLabels: rowLabels,
            columnLabels: columnLabels, unit: scaled.unit)
        return try ChartArguments.value(kind: "heatmap", chart: chart, layout: layout, title: title, arguments: arguments)
    }

    /// Row or column names: a list with one label per row (column), or empty for indices.
    private static func labels(_ arguments: Arguments, _ name: String, count: Int, what: String) throws -> [String] {
        guard arguments.isGiven(name) else { return [] }
        guard let list = try ChartData.list(arguments.value(name)) else {
            throw RuntimeError(
                "heatmap: '\(name)' must be a list of labels, got \(arguments.value(name).typeName)", argument: name)
        }
        guard list.count == count else {
            throw RuntimeError(
                "heatmap: '\(name)' has \(list.count) labels but the matrix has \(count) \(what)", argument: name)
        }
        return list.map(ChartData.label)
    }

    static func spy(_ arguments: Arguments) throws -> Value {
        let layout = try ChartArguments.layout(arguments, function: "spy")
        let title = try arguments.string("title")
        let (matrix, scaled) = try ChartData.matrix(arguments.value("matrix"), function: "spy", argument: "matrix")
        var tolerance = 0.0
        if case .number(0) = arguments.value("tolerance") {
            // The default: exact zeros only, whatever the matrix's unit.
        } else {
            tolerance = try scaled.scale(arguments.value("tolerance"), function: "spy", argument: "tolerance")
        }
        guard tolerance >= 0, !tolerance.isNaN else {
            throw RuntimeError("spy: tolerance must be 0 or more", argument: "tolerance")
        }
        let chart = SpyPlot(matrix: matrix, title: title, tolerance: tolerance)
        return try ChartArguments.value(kind: "spy", chart: chart, layout: layout, title: title, arguments: arguments)
    }
}
