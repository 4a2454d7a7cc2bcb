import EffNumerics
/// One legend line: a symbol (marker, line sample, shade) and what it stands for.
struct LegendEntry {
    var symbol: String
    var name: String
    var color: ChartColor?
}

/// The bordered layout shared by line, scatter, heatmap and spy charts (after UnicodePlots):
///
///     title (centred over the plot)
///     y label
///     tick ┌──────────┐
///      20 ┤│ plot     │ ● legend
///       0 ┤└──┬────┬──┘
///             0    10
///              x label
struct Frame {
    var title = ""
    var xLabel = ""
    var yLabel = ""
    var plot: [StyledLine] = []  // plot area, one line per row, all `plotColumns` wide
    var xTicks: [(column: Int, label: String)] = []  // column within the plot area
    var yTicks: [(row: Int, label: String)] = []  // row within the plot area
    var legend: [LegendEntry] = []
    var footer: [StyledLine] = []

    /// The plot-area size that fits `options.width` with the given y tick labels and legend.
    struct Plan {
        var plotColumns: Int
        var plotRows: Int
        var legendOnRight: Bool
        var leftWidth: Int
    }

    static let minimumPlotColumns = 8
    static let maximumLegendWidth = 24

    static func legendWidth(_ legend: [LegendEntry]) -> Int {
        guard !legend.isEmpty else { return 0 }
        let widest = legend.map { TerminalWidth.of($0.symbol) + 1 + TerminalWidth.of($0.name) }.max() ?? 0
        return 1 + min(widest, maximumLegendWidth)
    }

    /// Plans the plot area: the legend goes right when the plot keeps at least 60% of the width and
    /// all entries fit beside it, below otherwise.
    static func plan(
        options: RenderOptions, yTickLabels: [String], legend: [LegendEntry],
        rows: Int
    ) throws -> Plan {
        guard options.width >= RenderOptions.minimumWidth else {
            throw ChartError.notEnoughSpace(width: options.width, minimum: RenderOptions.minimumWidth)
        }
        let leftWidth = yTickLabels.map { TerminalWidth.of($0) }.max() ?? 0
        let fixed = leftWidth + 1 + 2  // labels, space, two borders
        let legendWidth = legendWidth(legend)
        var columns = options.width - fixed - legendWidth
        var onRight = !legend.isEmpty && legend.count <= rows && columns >= (options.width * 3) / 5
        if !onRight { columns = options.width - fixed }
        if legend.isEmpty { onRight = false }
        guard columns >= minimumPlotColumns else {
            throw ChartError.notEnoughSpace(width: options.width, minimum: fixed + minimumPlotColumns)
        }
        return Plan(plotColumns: columns, plotRows: rows, legendOnRight: onRight, leftWidth: leftWidth)
    }

    /// The framed chart as lines; `plan` must be the one the plot was drawn for.
    func lines(plan: Plan, glyphs: Glyphs, width: Int) -> [StyledLine] {
        let plotColumns = plot.first?.width ?? plan.plotColumns
        let left = plan.leftWidth
        let plotStart = left + 2
        var lines: [StyledLine] = []
        if !title.isEmpty {
            let text = TerminalWidth.truncate(title, to: max(width, 1), ascii: glyphs.isASCII)
            let offset = max(0, plotStart + (plotColumns - TerminalWidth.of(text)) / 2)
            var line = StyledLine()
            line.appendSpaces(min(offset, max(0, width - TerminalWidth.of(text))))
            line.append(text, bold: true)
            lines.append(line)
        }
        if !yLabel.isEmpty {
            lines.append(StyledLine(TerminalWidth.truncate(yLabel, to: width, ascii: glyphs.isASCII)))
        }
        var top = StyledLine()
        top.appendSpaces(left + 1)
        top.append(glyphs.topLeft + String(repeating: glyphs.horizontal, count: plotColumns) + glyphs.topRight)
        lines.append(top)
        let tickRows = Dictionary(yTicks.map { ($0.row, $0.label) }, uniquingKeysWith: { first, _ in first })
        let legendWidth = Frame.legendWidth(legend)
        for (row, plotLine) in plot.enumerated() {
            var line = StyledLine()
            let label = tickRows[row] ?? ""
            line.appendSpaces(left - TerminalWidth.of(label))
            line.append(label)
            line.append(" " + (tickRows[row] != nil ? glyphs.leftTick : glyphs.vertical))
            line.append(plotLine)
            line.append(glyphs.vertical)
            if plan.legendOnRight, row < legend.count {
                line.append(" ")
                line.append(Frame.legendText(legend[row], width: legendWidth - 1, glyphs: glyphs))
            }
            lines.append(line)
        }
        var bottom = StyledLine()
        bottom.appendSpaces(left + 1)
        var rule = Array(repeating: glyphs.horizontal, count: plotColumns)
        for tick in xTicks where tick.column >= 0 && tick.column < plotColumns { rule[tick.column] = glyphs.bottomTick }
        bottom.append(glyphs.bottomLeft + rule.joined() + glyphs.bottomRight)
        lines.append(bottom)
        if let tickLine = xTickLine(plotStart: plotStart, limit: max(width, plotStart + plotColumns + 1)) {
            lines.append(tickLine)
        }
        if !xLabel.isEmpty {
            let text = TerminalWidth.truncate(xLabel, to: width, ascii: glyphs.isASCII)
            var line = StyledLine()
            line.appendSpaces(
                min(
                    max(0, plotStart + (plotColumns - TerminalWidth.of(text)) / 2),
                    max(0, width - TerminalWidth.of(text))))
            line.append(text)
            lines.append(line)
        }
        if !plan.legendOnRight && !legend.isEmpty {
            lines += Frame.flowLegend(legend, indent: plotStart, width: width, glyphs: glyphs)
        }
        lines += footer
        return lines
    }

    /// X tick labels centred under their columns; a label that would touch its neighbour is skipped.
    private func xTickLine(plotStart: Int, limit: Int) -> StyledLine? {
        guard !xTicks.isEmpty else { return nil }
        var cells = Array(repeating: " ", count: limit)
        var nextFree = 0
        for tick in xTicks {
            let label = StyledLine(tick.label)
            var start = plotStart + tick.column - (label.width - 1) / 2
            start = max(0, min(start, limit - label.width))
            guard start >= nextFree, start + label.width <= limit else { continue }
            for (offset, cell) in label.cells.enumerated() { cells[start + offset] = cell.text }
            nextFree = start + label.width + 1
        }
        var line = StyledLine()
        line.cells = cells.map { StyledCell(text: $0, color: nil) }
        while line.cells.last == .blank { line.cells.removeLast() }
        return line
    }

    static func legendText(_ entry: LegendEntry, width: Int, glyphs: Glyphs) -> StyledLine {
        var line = StyledLine(entry.symbol, color: entry.color)
        let room = width - TerminalWidth.of(entry.symbol) - 1
        line.append(" " + TerminalWidth.truncate(entry.name, to: max(room, 1), ascii: glyphs.isASCII))
        return line
    }

    /// A note under a chart, wrapped at spaces to `width` and indented by `indent` where room allows.
    static func note(_ text: String, indent: Int, width: Int, glyphs: Glyphs) -> [StyledLine] {
        let room = width - indent >= 12 ? width - indent : width
        return TextWrap.wrap(text, to: max(room, 1), ascii: glyphs.isASCII).map { part in
            var line = StyledLine()
            line.appendSpaces(min(width - room, width - TerminalWidth.of(part)))
            line.append(part)
            return line
        }
    }

    /// Legend entries in rows under the chart, separated by three spaces.
    static func flowLegend(_ legend: [LegendEntry], indent wantedIndent: Int, width: Int, glyphs: Glyphs)
        -> [StyledLine]
    {
        // Entries are cut to fit the line; when the indent leaves too little room, start at column 0.
        var indent = wantedIndent
        var entryWidth = min(maximumLegendWidth, width - indent)
        if entryWidth < 12 {
            indent = 0
            entryWidth = min(maximumLegendWidth, width)
        }
        var lines: [StyledLine] = []
        var line = StyledLine()
        line.appendSpaces(indent)
        var used = false
        for entry in legend {
            let text = legendText(entry, width: entryWidth, glyphs: glyphs)
            if used && line.width + 3 + text.width > width {
                lines.append(line)
                line = StyledLine()
                line.appendSpaces(indent)
                used = false
            }
            if used { line.appendSpaces(3) }
            line.append(text)
            used = true
        }
        if used { lines.append(line) }
        return lines
    }
}
