import EffNumerics
/// A matrix as a grid of shades (` ░▒▓█`, ASCII ` .:-=+*#%@`) with a scale legend; row 1 at the top.
///
/// Each matrix column takes two cells when there is room (cells are twice as tall as wide); larger
/// matrices are averaged over blocks to fit. NaN shows as `?`.
public struct Heatmap: Chart {
    /// The matrix drawn.
    public var matrix: Matrix
    /// Shown centred above the chart; empty for none.
    public var title: String
    /// Shown centred under the x axis.
    public var xLabel: String
    /// Shown above the y axis.
    public var yLabel: String
    /// Row names for the y axis (e.g. classes of a confusion matrix); empty for 1, 2, 3 ….
    public var rowLabels: [String]
    /// Column names for the x axis; empty for 1, 2, 3 …; names that would collide are skipped.
    public var columnLabels: [String]
    /// Fixed colour-scale limits; `nil` uses the smallest and largest finite values.
    public var limits: ClosedRange<Double>?
    /// Formats the scale legend (`.compact(unit:)` by default).
    public var formatter: TickFormatter

    /// Creates the value; the properties document each argument.
    /// `unit` is appended to compact labels unless `formatter` is given.
    public init(
        matrix: Matrix, title: String = "", xLabel: String = "", yLabel: String = "",
        rowLabels: [String] = [], columnLabels: [String] = [], limits: ClosedRange<Double>? = nil,
        unit: String = "", formatter: TickFormatter? = nil
    ) {
        self.matrix = matrix
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.limits = limits
        self.formatter = formatter ?? .compact(unit: unit)
    }

    /// Shade colours from low to high when colour is on.
    static let scaleColors: [ChartColor] = [.blue, .cyan, .green, .yellow, .red]

    /// Renders the chart as lines of equal display width; see `Chart.render(_:)`.
    public func render(_ options: RenderOptions) throws -> String {
        try options.validate()
        guard rowLabels.isEmpty || rowLabels.count == matrix.rows else {
            throw ChartError.lengthMismatch(what: "heatmap row labels", expected: matrix.rows, actual: rowLabels.count)
        }
        guard columnLabels.isEmpty || columnLabels.count == matrix.columns else {
            throw ChartError.lengthMismatch(
                what: "heatmap column labels", expected: matrix.columns,
                actual: columnLabels.count)
        }
        let glyphs = Glyphs.of(options.canvas)
        let shades = glyphs.shades
        let finite = matrix.values.filter { $0.isFinite }
        var low = limits?.lowerBound ?? finite.min() ?? 0
        var high = limits?.upperBound ?? finite.max() ?? 1
        if !(high > low) { (low, high) = (low - 0.5, low + 0.5) }
        // Scale legend: one entry per shade, highest first, with the value range it stands for.
        let levelEdges = (0...shades.count).map { low + (high / 2 - low / 2) * 2 * Double($0) / Double(shades.count) }
        let edgeLabels = formatter.labels(for: levelEdges)
        var legend = (0..<shades.count).reversed().map { level in
            LegendEntry(
                symbol: "[\(shades[level])]", name: edgeLabels[level] + glyphs.rangeSeparator + edgeLabels[level + 1],
                color: Heatmap.color(level: level, of: shades.count))
        }
        if matrix.values.contains(where: { $0.isNaN }) {
            legend.append(LegendEntry(symbol: "[\(glyphs.missing)]", name: "NaN", color: nil))
        }
        let maximumRows = options.height ?? RenderOptions.defaultHeight
        let plotRows = max(1, min(matrix.rows, maximumRows))
        let yLabels: [String] =
            rowLabels.isEmpty ? [] : rowLabels.map { TerminalWidth.truncate($0, to: 16, ascii: glyphs.isASCII) }
        let yTicks: [(Int, String)] =
            rowLabels.isEmpty || plotRows < matrix.rows
            // Small matrices drawn one row per line number every row.
            ? Matrix.indexTicks(count: matrix.rows, cells: plotRows, gap: matrix.rows <= min(plotRows, 12) ? 1 : 3) {
                $0 * plotRows / max(matrix.rows, 1)
            }
            : yLabels.enumerated().map { ($0, $1) }
        let plan = try Frame.plan(options: options, yTickLabels: yTicks.map(\.1), legend: legend, rows: plotRows)
        // Two cells per column look square; named columns get room for their names when it exists.
        let nameWidth = columnLabels.map { TerminalWidth.of($0) + 1 }.max() ?? 0
        let cellWidth =
            matrix.columns == 0 ? 1 : min(max(2, min(nameWidth, 12)), max(1, plan.plotColumns / matrix.columns))
        let plotColumns = max(
            Frame.minimumPlotColumns,
            min(plan.plotColumns, matrix.columns * cellWidth))
        let usedColumns = min(plotColumns, matrix.columns * cellWidth)
        var plot: [StyledLine] = []
        for row in 0..<plotRows {
            var line = StyledLine()
            for column in 0..<plotColumns {
                guard column < usedColumns, matrix.rows > 0 else {
                    line.append(" ")
                    continue
                }
                let rowRange = Matrix.bucket(row, of: plotRows, count: matrix.rows)
                let columnRange =
                    cellWidth > 1 || usedColumns >= matrix.columns
                    ? (column / cellWidth)..<(column / cellWidth + 1)
                    : Matrix.bucket(column, of: usedColumns, count: matrix.columns)
                var sum = 0.0
                var count = 0
                var sawNaN = false
                for matrixRow in rowRange {
                    for matrixColumn in columnRange {
                        let value = matrix[matrixRow, matrixColumn]
                        if value.isNaN {
                            sawNaN = true
                        } else {
                            sum += min(max(value, -Double.greatestFiniteMagnitude), .greatestFiniteMagnitude)
                            count += 1
                        }
                    }
                }
                if count == 0 {
                    line.append(sawNaN ? glyphs.missing : " ")
                    continue
                }
                let fraction = unitFraction(sum / Double(count), low: low, high: high)
                let level = clampedInt(fraction * Double(shades.count), 0...(shades.count - 1), rule: .down)
                line.append(shades[level], color: Heatmap.color(level: level, of: shades.count))
            }
            plot.append(line)
        }
        if matrix.rows == 0 || matrix.columns == 0 {
            plot[plotRows / 2] = StyledLine(String(repeating: " ", count: max(0, (plotColumns - 7) / 2)) + "no data")
            plot[plotRows / 2].pad(to: plotColumns)
        }
        var frame = Frame(title: title, xLabel: xLabel, yLabel: yLabel)
        frame.plot = plot
        frame.yTicks = yTicks.map { (row: $0.0, label: $0.1) }
        if !columnLabels.isEmpty && usedColumns >= matrix.columns {
            frame.xTicks = columnLabels.enumerated().map { (column: $0 * cellWidth + (cellWidth - 1) / 2, label: $1) }
        } else {
            frame.xTicks = Matrix.indexTicks(count: matrix.columns, cells: usedColumns, gap: 6) { index in
                usedColumns >= matrix.columns
                    ? index * cellWidth + (cellWidth - 1) / 2 : index * usedColumns / matrix.columns
            }.map { (column: $0.0, label: $0.1) }
        }
        frame.legend = legend
        return joinLines(frame.lines(plan: plan, glyphs: glyphs, width: options.width), color: options.color)
    }

    static func color(level: Int, of levels: Int) -> ChartColor {
        scaleColors[min(scaleColors.count - 1, level * scaleColors.count / max(levels, 1))]
    }
}
