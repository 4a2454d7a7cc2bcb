/// One named series of points for a line or scatter chart; x and y have the same length.
public struct Series: Sendable {
    /// Shown in the legend.
    public var name: String
    /// Horizontal coordinates.
    public var x: [Double]
    /// Vertical coordinates, one per x.
    public var y: [Double]
    /// Point labels (e.g. model names) for scatter charts; empty for none, else one per point.
    public var labels: [String]

    /// A series with explicit x values.
    public init(name: String = "", x: [Double], y: [Double], labels: [String] = []) {
        self.name = name
        self.x = x
        self.y = y
        self.labels = labels
    }

    /// A series plotted against 1, 2, 3 ….
    public init(name: String = "", y: [Double]) {
        self.init(name: name, x: y.indices.map { Double($0 + 1) }, y: y)
    }

    func validate(_ index: Int) throws {
        let what = name.isEmpty ? "series \(index + 1)" : "series \"\(name)\""
        guard x.count == y.count else {
            throw ChartError.lengthMismatch(what: "\(what) y", expected: x.count, actual: y.count)
        }
        guard labels.isEmpty || labels.count == x.count else {
            throw ChartError.lengthMismatch(what: "\(what) labels", expected: x.count, actual: labels.count)
        }
    }
}

/// Lines through each series' points, in order; a NaN or infinite point breaks the line.
///
/// With several series each gets a colour and, when it has few enough points to keep them apart, a
/// marker at its points (`●▲■` / `o x +`) so the series stay distinguishable without colour.
public struct LineChart: Chart {
    /// The series drawn, in order (later series draw over earlier ones).
    public var series: [Series]
    /// Shown centred above the chart; empty for none.
    public var title: String
    /// The horizontal axis: label, scale, limits, tick format.
    public var xAxis: Axis
    /// The vertical axis: label, scale, limits, tick format.
    public var yAxis: Axis

    /// Creates the value; the properties document each argument.
    public init(series: [Series], title: String = "", xAxis: Axis = Axis(), yAxis: Axis = Axis()) {
        self.series = series
        self.title = title
        self.xAxis = xAxis
        self.yAxis = yAxis
    }

    /// Renders the chart as lines of equal display width; see `Chart.render(_:)`.
    public func render(_ options: RenderOptions) throws -> String {
        for (index, item) in series.enumerated() { try item.validate(index) }
        let glyphs = Glyphs.of(options.canvas)
        let showsMarkers = series.count > 1
        let legend: [LegendEntry] =
            series.count > 1 || !(series.first?.name.isEmpty ?? true)
            ? series.enumerated().map { index, item in
                LegendEntry(
                    symbol: showsMarkers ? glyphs.marker(index) : glyphs.lineSample,
                    name: item.name.isEmpty ? "series \(index + 1)" : item.name, color: ChartColor.series(index))
            }
            : []
        return try XYPlot.render(
            options: options, title: title, xAxis: xAxis, yAxis: yAxis,
            xValues: series.flatMap(\.x), yValues: series.flatMap(\.y), legend: legend, footer: { _, _ in [] }
        ) { canvas, overlay, mapping in
            for (index, item) in series.enumerated() {
                let color = ChartColor.series(index)
                for point in item.x.indices {
                    // The point itself too, so a point between two NaNs still shows.
                    mapping.drawPoint(on: &canvas, x: item.x[point], y: item.y[point], color: color)
                    if point > 0 {
                        mapping.drawSegment(
                            on: &canvas, from: (item.x[point - 1], item.y[point - 1]),
                            to: (item.x[point], item.y[point]), color: color)
                    }
                }
            }
            // Markers on every k-th point so they stay about four columns apart, staggered per series.
            guard showsMarkers else { return }
            for (index, item) in series.enumerated() where !item.x.isEmpty {
                let every = max(1, (item.x.count * 4 + overlay.columns - 1) / max(overlay.columns, 1))
                for point in Swift.stride(from: (index * every) / series.count % every, to: item.x.count, by: every) {
                    guard let cell = mapping.cell(x: item.x[point], y: item.y[point]) else { continue }
                    overlay.place(
                        glyphs.marker(index), row: cell.row, column: cell.column,
                        color: ChartColor.series(index), force: true)
                }
            }
        }
    }
}
