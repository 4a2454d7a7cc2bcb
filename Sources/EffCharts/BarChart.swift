import EffNumerics
/// The order of bars.
public enum BarSort: String, Sendable {
    /// As given.
    case none
    /// Smallest value first.
    case ascending
    /// Largest value first.
    case descending
}

/// Horizontal bars, one per label, with the value and unit printed after each bar.
///
/// Bars start at zero; negative values grow left of a zero column. NaN and infinite values get no bar
/// but still print (`NaN`, `inf`).
public struct BarChart: Chart {
    /// One label per bar, left of it.
    public var labels: [String]
    /// One value per label: the length of its bar.
    public var values: [Double]
    /// Shown centred above the chart; empty for none.
    public var title: String
    /// Formats the value after each bar (`.compact(unit:)` by default).
    public var formatter: TickFormatter
    /// The order of the bars.
    public var sort: BarSort

    /// Creates a bar chart; `unit` is appended to compact values unless `formatter` is given.
    public init(
        labels: [String], values: [Double], title: String = "", unit: String = "",
        formatter: TickFormatter? = nil, sort: BarSort = .none
    ) {
        self.labels = labels
        self.values = values
        self.title = title
        self.formatter = formatter ?? .compact(unit: unit)
        self.sort = sort
    }

    /// Renders the chart as lines of equal display width; see `Chart.render(_:)`.
    public func render(_ options: RenderOptions) throws -> String {
        guard labels.count == values.count else {
            throw ChartError.lengthMismatch(what: "bar labels", expected: values.count, actual: labels.count)
        }
        var order = Array(values.indices)
        switch sort {
        case .none: break
        // NaN sorts last either way.
        case .ascending: order.sort { (values[$0].isNaN ? 1 : 0, values[$0]) < (values[$1].isNaN ? 1 : 0, values[$1]) }
        case .descending:
            order.sort { (values[$0].isNaN ? 1 : 0, -values[$0]) < (values[$1].isNaN ? 1 : 0, -values[$1]) }
        }
        let rows = order.map {
            BarRow(
                label: labels[$0], value: values[$0], text: formatter.label(for: values[$0]),
                series: 0)
        }
        return try BarLayout(title: title, rows: rows, legend: [], footer: []).render(options)
    }
}

/// One series of a grouped bar chart: a name for the legend and one value per category.
public struct BarSeries: Sendable {
    /// Shown in the legend.
    public var name: String
    /// One value per category.
    public var values: [Double]

    /// Creates the value; the properties document each argument.
    public init(name: String, values: [Double]) {
        self.name = name
        self.values = values
    }
}

/// Bars for several series per category (e.g. fp32 / int8 per model), one row per series.
public struct GroupedBarChart: Chart {
    /// Category names, one group of bars each.
    public var categories: [String]
    /// Each series has one value per category.
    public var series: [BarSeries]
    /// Shown centred above the chart; empty for none.
    public var title: String
    public var formatter: TickFormatter

    /// Creates the value; the properties document each argument.
    /// `unit` is appended to compact labels unless `formatter` is given.
    public init(
        categories: [String], series: [BarSeries], title: String = "",
        unit: String = "", formatter: TickFormatter? = nil
    ) {
        self.categories = categories
        self.series = series
        self.title = title
        self.formatter = formatter ?? .compact(unit: unit)
    }

    /// Renders the chart as lines of equal display width; see `Chart.render(_:)`.
    public func render(_ options: RenderOptions) throws -> String {
        for item in series where item.values.count != categories.count {
            throw ChartError.lengthMismatch(
                what: "bar series \"\(item.name)\"", expected: categories.count,
                actual: item.values.count)
        }
        let glyphs = Glyphs.of(options.canvas)
        var rows: [BarRow?] = []
        for (category, name) in categories.enumerated() {
            if category > 0 { rows.append(nil) }  // a blank row between categories
            for (index, item) in series.enumerated() {
                let value = item.values[category]
                rows.append(
                    BarRow(
                        label: index == 0 ? name : "", value: value,
                        text: formatter.label(for: value), series: index))
            }
        }
        let legend = series.enumerated().map { index, item in
            LegendEntry(symbol: glyphs.barFill(index), name: item.name, color: ChartColor.series(index))
        }
        return try BarLayout(title: title, rows: rows, legend: legend, footer: []).render(options)
    }
}

/// One bar: its label (may be empty), value, printed value and series (fill and colour).
struct BarRow {
    var label: String
    var value: Double
    var text: String
    var series: Int
}

/// Lays out bar rows the UnicodePlots way: corners only, `┤` where each bar starts.
///
///              title
///           ┌                ┐
///     label ┤█████▌ 12 mJ
///           └                ┘
struct BarLayout {
    var title: String
    var rows: [BarRow?]  // nil: a blank separator row
    var legend: [LegendEntry]
    var footer: [StyledLine]

    static let minimumBarColumns = 5

    func render(_ options: RenderOptions) throws -> String {
        try options.validate()
        let glyphs = Glyphs.of(options.canvas)
        guard options.width >= RenderOptions.minimumWidth else {
            throw ChartError.notEnoughSpace(width: options.width, minimum: RenderOptions.minimumWidth)
        }
        let bars = rows.compactMap { $0 }
        let labelWidth = min(bars.map { TerminalWidth.of($0.label) }.max() ?? 0, max(4, options.width / 3))
        let textWidth = min(bars.map { TerminalWidth.of($0.text) }.max() ?? 0, max(4, options.width / 4))
        // label, space, ┤, bars, space, value text, ┐ (the corner column)
        let barColumns = options.width - labelWidth - 2 - 1 - textWidth - 1
        guard barColumns >= BarLayout.minimumBarColumns else {
            throw ChartError.notEnoughSpace(
                width: options.width,
                minimum: options.width - barColumns + BarLayout.minimumBarColumns)
        }
        let finite = bars.map(\.value).filter { $0.isFinite }
        let low = min(finite.min() ?? 0, 0)
        let high = max(finite.max() ?? 0, 0)
        // Half-spans keep ±Double.greatestFiniteMagnitude from overflowing to infinity.
        let span = high / 2 - low / 2
        // Columns left of zero hold negative bars.
        let zeroColumn = span > 0 ? clampedInt(Double(barColumns) * (-low / 2) / span, 0...barColumns) : 0
        let innerWidth = barColumns + 1 + textWidth
        var lines: [StyledLine] = []
        if !title.isEmpty {
            let text = TerminalWidth.truncate(title, to: options.width, ascii: glyphs.isASCII)
            var line = StyledLine()
            line.appendSpaces(
                min(
                    labelWidth + 2 + max(0, (innerWidth - TerminalWidth.of(text)) / 2),
                    options.width - TerminalWidth.of(text)))
            line.append(text, bold: true)
            lines.append(line)
        }
        lines.append(cornerLine(labelWidth: labelWidth, innerWidth: innerWidth, glyphs.topLeft, glyphs.topRight))
        if bars.isEmpty {
            var line = StyledLine()
            line.appendSpaces(labelWidth + 2)
            line.append("no data")
            lines.append(line)
        }
        for row in rows {
            var line = StyledLine()
            guard let row else {
                line.appendSpaces(labelWidth + 1)
                line.append(glyphs.vertical)
                lines.append(line)
                continue
            }
            let label = TerminalWidth.truncate(row.label, to: labelWidth, ascii: glyphs.isASCII)
            line.appendSpaces(labelWidth - TerminalWidth.of(label))
            // ASCII frames mark ticks with `+`, which beside `+` corners would read as a corner.
            line.append(label + " " + (glyphs.isASCII ? glyphs.vertical : glyphs.leftTick))
            let (leading, bar) = barText(
                row, zeroColumn: zeroColumn, barColumns: barColumns, span: span,
                glyphs: glyphs)
            line.appendSpaces(leading)
            line.append(bar, color: ChartColor.series(row.series))
            line.append(" " + TerminalWidth.truncate(row.text, to: textWidth, ascii: glyphs.isASCII))
            lines.append(line)
        }
        lines.append(cornerLine(labelWidth: labelWidth, innerWidth: innerWidth, glyphs.bottomLeft, glyphs.bottomRight))
        if !legend.isEmpty {
            lines += Frame.flowLegend(legend, indent: labelWidth + 2, width: options.width, glyphs: glyphs)
        }
        lines += footer
        return joinLines(lines, color: options.color)
    }

    private func cornerLine(labelWidth: Int, innerWidth: Int, _ left: String, _ right: String) -> StyledLine {
        var line = StyledLine()
        line.appendSpaces(labelWidth + 1)
        line.append(left)
        line.appendSpaces(innerWidth)
        line.append(right)
        return line
    }

    /// Spaces before the bar and the bar itself: whole cells, with eighths at the end of a positive
    /// Unicode bar of series 0 (the full-block fill).
    private func barText(
        _ row: BarRow, zeroColumn: Int, barColumns: Int, span: Double,
        glyphs: Glyphs
    ) -> (Int, String) {
        guard row.value.isFinite, span > 0, row.value != 0 else { return (zeroColumn, "") }
        let fill = glyphs.barFill(row.series)
        let length = min(Swift.abs(row.value) / 2 / span, 1) * Double(barColumns)
        if row.value < 0 {
            let cells = min(max(clampedInt(length, 0...barColumns), 1), zeroColumn)
            return (zeroColumn - cells, String(repeating: fill, count: cells))
        }
        let room = barColumns - zeroColumn
        if !glyphs.isASCII && row.series % glyphs.barFills.count == 0 {
            var whole = clampedInt(length, 0...barColumns, rule: .down)
            var eighths = clampedInt((length - Double(whole)) * 8, 0...8)
            if eighths == 8 {
                whole += 1
                eighths = 0
            }
            whole = min(whole, room)
            if whole == 0 && eighths == 0 { eighths = 1 }  // a positive value never looks like zero
            return (zeroColumn, String(repeating: fill, count: whole) + (whole < room ? Glyphs.eighths[eighths] : ""))
        }
        let cells = min(max(clampedInt(length, 0...barColumns), 1), room)
        return (zeroColumn, String(repeating: fill, count: cells))
    }
}
