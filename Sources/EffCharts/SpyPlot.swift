/// The sparsity pattern of a matrix: a dot for every entry whose magnitude exceeds `tolerance`.
///
/// Braille shows 2×4 entries per cell; larger matrices merge entries onto a dot. Positive entries are
/// blue and negative red when colour is on. The footer counts the nonzeros.
public struct SpyPlot: Chart {
    /// The matrix drawn.
    public var matrix: Matrix
    /// Shown centred above the chart; empty for none.
    public var title: String
    /// Entries with magnitude at most this count as zero.
    public var tolerance: Double

    /// Creates the value; the properties document each argument.
    public init(matrix: Matrix, title: String = "", tolerance: Double = 0) {
        self.matrix = matrix
        self.title = title
        self.tolerance = tolerance
    }

    /// Renders the chart as lines of equal display width; see `Chart.render(_:)`.
    public func render(_ options: RenderOptions) throws -> String {
        try options.validate()
        let glyphs = Glyphs.of(options.canvas)
        let probe = PixelCanvas(kind: options.canvas, columns: 1, rows: 1)
        let maximumRows = options.height ?? RenderOptions.defaultHeight
        let rowsNeeded = (matrix.rows + probe.pixelsPerRow - 1) / probe.pixelsPerRow
        let plotRows = max(2, min(maximumRows, rowsNeeded))
        let yTicks = Matrix.indexTicks(count: matrix.rows, cells: plotRows, gap: 3) { index in
            index * plotRows * probe.pixelsPerRow / max(matrix.rows, 1) / probe.pixelsPerRow
        }
        let plan = try Frame.plan(options: options, yTickLabels: yTicks.map(\.1), legend: [], rows: plotRows)
        // Keep entries square: as many pixels across per matrix column as down per matrix row.
        let pixelHeight = plotRows * probe.pixelsPerRow
        let wantedPixels =
            matrix.rows == 0
            ? 0
            : Int((Double(pixelHeight) * Double(matrix.columns) / Double(matrix.rows)).rounded(.up))
        let wantedColumns = (min(wantedPixels, matrix.columns) + probe.pixelsPerColumn - 1) / probe.pixelsPerColumn
        let plotColumns = max(Frame.minimumPlotColumns, min(plan.plotColumns, wantedColumns))
        var canvas = PixelCanvas(kind: options.canvas, columns: plotColumns, rows: plotRows)
        var overlay = Overlay(columns: plotColumns, rows: plotRows)
        let usedPixelWidth = min(canvas.pixelWidth, max(1, wantedPixels))
        let usedPixelHeight = min(pixelHeight, max(1, matrix.rows))
        var nonzeros = 0
        for row in 0..<matrix.rows {
            for column in 0..<matrix.columns {
                let value = matrix[row, column]
                guard value.isNaN || Swift.abs(value) > tolerance else { continue }
                nonzeros += 1
                canvas.set(
                    x: column * usedPixelWidth / matrix.columns, y: row * usedPixelHeight / matrix.rows,
                    color: value < 0 ? .red : .blue)
            }
        }
        if matrix.rows == 0 || matrix.columns == 0 {
            overlay.place("no data", row: plotRows / 2, column: max(0, (plotColumns - 7) / 2), color: nil)
        }
        var frame = Frame(title: title)
        frame.plot = overlay.merged(with: canvas)
        frame.yTicks = Matrix.indexTicks(count: matrix.rows, cells: plotRows, gap: 3) { index in
            index * usedPixelHeight / max(matrix.rows, 1) / probe.pixelsPerRow
        }.map { (row: $0.0, label: $0.1) }
        frame.xTicks = Matrix.indexTicks(count: matrix.columns, cells: plotColumns, gap: 6) { index in
            index * usedPixelWidth / max(matrix.columns, 1) / probe.pixelsPerColumn
        }.map { (column: $0.0, label: $0.1) }
        let total = matrix.rows * matrix.columns
        let share = total > 0 ? " (" + CompactNumber.format(100 * Double(nonzeros) / Double(total)) + "%)" : ""
        let times = glyphs.isASCII ? "x" : "×"
        let summary = "\(matrix.rows)\(times)\(matrix.columns), \(nonzeros) nonzeros\(share)"
        frame.footer = Frame.note(summary, indent: plan.leftWidth + 2, width: options.width, glyphs: glyphs)
        return joinLines(frame.lines(plan: plan, glyphs: glyphs, width: options.width), color: options.color)
    }
}
