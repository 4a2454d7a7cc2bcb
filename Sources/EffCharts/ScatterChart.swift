import EffNumerics
/// Which end of an axis is better, for the Pareto frontier.
public enum Preference: String, Sendable {
    case lower
    case higher
}

/// Asks a scatter chart to mark the points no other point beats on both axes.
///
///     ParetoFrontier(x: .lower, y: .higher)  // less energy and more accuracy are better
public struct ParetoFrontier: Sendable {
    /// The better end of the x axis.
    public var x: Preference
    /// The better end of the y axis.
    public var y: Preference

    /// Creates the value; the properties document each argument.
    public init(x: Preference, y: Preference) {
        self.x = x
        self.y = y
    }

    /// Indices of the non-dominated points, sorted along x; NaN and infinite points never qualify.
    ///
    /// A point is dominated when another is at least as good on both axes and better on one; equal
    /// points are both kept. O(n log n).
    public func indices(x xs: [Double], y ys: [Double]) -> [Int] {
        let count = min(xs.count, ys.count)
        // Turn both axes into "lower is better", then sweep along x keeping the best y seen.
        let xSign: Double = x == .lower ? 1 : -1
        let ySign: Double = y == .lower ? 1 : -1
        let candidates = (0..<count).filter { xs[$0].isFinite && ys[$0].isFinite }
            .sorted { (xSign * xs[$0], ySign * ys[$0]) < (xSign * xs[$1], ySign * ys[$1]) }
        var frontier: [Int] = []
        var bestY = Double.infinity
        for index in candidates {
            let value = ySign * ys[index]
            if value < bestY {
                frontier.append(index)
                bestY = value
            } else if let last = frontier.last, xs[last] == xs[index], ys[last] == ys[index] {
                frontier.append(index)
            }
        }
        return frontier.sorted { xs[$0] < xs[$1] }
    }
}

/// How scatter points are drawn.
public enum PointStyle: String, Sendable {
    /// Markers when any series has labels, several series exist or a frontier is drawn; dots otherwise.
    case automatic
    /// One canvas dot per point: finest resolution, for many points.
    case dots
    /// One marker character per point (`●▲■◆` / `o x + *`), one per series.
    case markers
}

/// Points of one or more series, optionally labelled (model names) and with a Pareto frontier.
///
/// Labels go right of their point, else left, and are skipped where they would overwrite another
/// label; frontier points are labelled first.
public struct ScatterChart: Chart {
    /// The series drawn, in order (later series draw over earlier ones).
    public var series: [Series]
    /// Shown centred above the chart; empty for none.
    public var title: String
    /// The horizontal axis: label, scale, limits, tick format.
    public var xAxis: Axis
    /// The vertical axis: label, scale, limits, tick format.
    public var yAxis: Axis
    /// When set, the frontier over all series is drawn as a line and described under the chart.
    public var frontier: ParetoFrontier?
    /// Dots or markers; see `PointStyle`.
    public var pointStyle: PointStyle

    /// Creates the value; the properties document each argument.
    public init(
        series: [Series], title: String = "", xAxis: Axis = Axis(), yAxis: Axis = Axis(),
        frontier: ParetoFrontier? = nil, pointStyle: PointStyle = .automatic
    ) {
        self.series = series
        self.title = title
        self.xAxis = xAxis
        self.yAxis = yAxis
        self.frontier = frontier
        self.pointStyle = pointStyle
    }

    /// Renders the chart as lines of equal display width; see `Chart.render(_:)`.
    public func render(_ options: RenderOptions) throws -> String {
        for (index, item) in series.enumerated() { try item.validate(index) }
        let glyphs = Glyphs.of(options.canvas)
        let hasLabels = series.contains { !$0.labels.isEmpty }
        let markers: Bool
        switch pointStyle {
        case .automatic: markers = hasLabels || series.count > 1 || frontier != nil
        case .dots: markers = false
        case .markers: markers = true
        }
        let legend: [LegendEntry] =
            series.count > 1 || !(series.first?.name.isEmpty ?? true)
            ? series.enumerated().map { index, item in
                LegendEntry(
                    symbol: markers ? glyphs.marker(index) : (glyphs.isASCII ? "." : "•"),
                    name: item.name.isEmpty ? "series \(index + 1)" : item.name, color: ChartColor.series(index))
            }
            : []
        // Points of all series, flattened: (series, index within series).
        let points = series.enumerated().flatMap { seriesIndex, item in item.x.indices.map { (seriesIndex, $0) } }
        let allX = series.flatMap(\.x)
        let allY = series.flatMap(\.y)
        let frontierPoints = frontier.map { $0.indices(x: allX, y: allY) } ?? []
        let footer: (Glyphs, Int) -> [StyledLine] = { glyphs, width in
            guard let frontier else { return [] }
            let xName = xAxis.label.isEmpty ? "x" : xAxis.label
            let yName = yAxis.label.isEmpty ? "y" : yAxis.label
            let text = "Pareto frontier: \(frontier.x.rawValue) \(xName) and \(frontier.y.rawValue) \(yName) are better"
            let indent = TerminalWidth.of(glyphs.lineSample) + 1
            return TextWrap.wrap(text, to: max(width - indent, 8), ascii: glyphs.isASCII).enumerated().map {
                index, part in
                var line = index == 0 ? StyledLine(glyphs.lineSample, color: .gray) : StyledLine()
                line.pad(to: indent - 1)
                line.append(" " + part)
                return line
            }
        }
        return try XYPlot.render(
            options: options, title: title, xAxis: xAxis, yAxis: yAxis, xValues: allX, yValues: allY,
            legend: legend, footer: footer
        ) { canvas, overlay, mapping in
            for pair in zip(frontierPoints, frontierPoints.dropFirst()) {
                mapping.drawSegment(
                    on: &canvas, from: (allX[pair.0], allY[pair.0]), to: (allX[pair.1], allY[pair.1]),
                    color: .gray)
            }
            for (flat, (seriesIndex, _)) in points.enumerated() {
                let color = ChartColor.series(seriesIndex)
                if markers {
                    guard let cell = mapping.cell(x: allX[flat], y: allY[flat]) else { continue }
                    overlay.place(
                        glyphs.marker(seriesIndex), row: cell.row, column: cell.column, color: color, force: true)
                } else {
                    mapping.drawPoint(on: &canvas, x: allX[flat], y: allY[flat], color: color)
                }
            }
            guard hasLabels else { return }
            let onFrontier = Set(frontierPoints)
            let order = points.indices.sorted {
                (onFrontier.contains($0) ? 0 : 1, $0) < (onFrontier.contains($1) ? 0 : 1, $1)
            }
            for flat in order {
                let (seriesIndex, index) = points[flat]
                let labels = series[seriesIndex].labels
                guard index < labels.count, !labels[index].isEmpty,
                    let cell = mapping.cell(x: allX[flat], y: allY[flat])
                else { continue }
                let text = TerminalWidth.truncate(labels[index], to: max(4, overlay.columns / 3), ascii: glyphs.isASCII)
                let color = ChartColor.series(seriesIndex)
                if !overlay.place(text, row: cell.row, column: cell.column + 2, color: color) {
                    overlay.place(text, row: cell.row, column: cell.column - 1 - TerminalWidth.of(text), color: color)
                }
            }
        }
    }
}
