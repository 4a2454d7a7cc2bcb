import EffNumerics
import EffLanguage

/// A table as aligned text for the prompt, scripts and notebooks.
///
/// Numbers and quantities are right-aligned (quantities keep their units), everything else is
/// left-aligned; a rule separates the header. Wide text columns wrap at spaces onto further lines (up to
/// `maximumCellLines`), other wide cells are cut with `…` to fit the display width,
/// columns that still do not fit are left out and named in a note, and rows past `maximumRows` are
/// counted in a note instead of shown.
///
///     model     energy  accuracy
///     ────────  ───────  ────────
///     baseline  12.5 mJ      97.8
///     q8        3.1 mJ       97.5
enum TableText {
    /// Rows shown before the rest are summarised as "… N more rows".
    static let maximumRows = 40
    /// Spaces between columns.
    static let gap = 2
    /// Lines a wrapped text cell may take before the rest is cut with `…`.
    static let maximumCellLines = 6
    /// A column is not cut narrower than this (unless its content is narrower).
    static let minimumColumnWidth = 6

    static func render(_ table: Table, context: DisplayContext) -> String {
        let ascii = context.asciiOnly
        let width = max(context.width, minimumColumnWidth)
        guard !table.columns.isEmpty else { return table.rows.isEmpty ? "(empty table)" : "(table of \(table.rows.count) empty rows)" }

        let shownRows = Array(table.rows.prefix(maximumRows))
        var cellContext = context
        cellContext.digits = table.digits ?? context.digits
        let cells: [[String]] = shownRows.map { row in
            row.map { ascii ? asciiUnits(cellText($0, context: cellContext)) : cellText($0, context: cellContext) }
        }
        let headers = table.columns.map(TerminalWidth.singleLine)
        let rightAligned: [Bool] = table.columns.indices.map { column in
            var sawNumber = false
            for row in table.rows {
                switch row[column] {
                case .number, .quantity: sawNumber = true
                case .nilValue: continue
                default: return false
                }
            }
            return sawNumber
        }

        // Natural widths, then shrink the widest columns until the line fits.
        var widths: [Int] = table.columns.indices.map { column in
            cells.reduce(TerminalWidth.of(headers[column])) { max($0, TerminalWidth.of($1[column])) }
        }
        let floors = widths.map { min($0, minimumColumnWidth) }
        func lineWidth(_ count: Int) -> Int { widths.prefix(count).reduce(0, +) + gap * max(0, count - 1) }
        while lineWidth(widths.count) > width {
            guard let widest = widths.indices.filter({ widths[$0] > floors[$0] }).max(by: { widths[$0] < widths[$1] })
            else { break }
            widths[widest] -= 1
        }
        // Columns that cannot fit even at their floor are left out, from the right.
        var shownColumns = widths.count
        while shownColumns > 1 && lineWidth(shownColumns) > width { shownColumns -= 1 }
        widths[0] = min(widths[0], width)

        func line(_ texts: [String]) -> String {
            let parts = (0..<shownColumns).map { column in
                TerminalWidth.pad(
                    TerminalWidth.truncate(texts[column], to: widths[column], ascii: ascii), to: widths[column],
                    rightAligned: rightAligned[column])
            }
            return trimmedRight(parts.joined(separator: String(repeating: " ", count: gap)))
        }

        /// A body row: text cells wider than their column wrap at spaces; the row is as tall as its tallest cell.
        func rowLines(_ texts: [String]) -> [String] {
            let pieces: [[String]] = (0..<shownColumns).map { column in
                guard !rightAligned[column], TerminalWidth.of(texts[column]) > widths[column] else { return [texts[column]] }
                return wrapCell(texts[column], width: widths[column], ascii: ascii)
            }
            let height = pieces.map(\.count).max() ?? 1
            return (0..<height).map { index in line(pieces.map { index < $0.count ? $0[index] : "" }) }
        }

        var lines = [line(headers)]
        lines.append((0..<shownColumns).map { String(repeating: ascii ? "-" : "─", count: widths[$0]) }
            .joined(separator: String(repeating: " ", count: gap)))
        lines += cells.flatMap(rowLines)
        let ellipsis = ascii ? "..." : "…"
        if table.rows.isEmpty { lines.append("(no rows)") }
        if table.rows.count > shownRows.count {
            let more = table.rows.count - shownRows.count
            lines.append("\(ellipsis) \(more) more row\(more == 1 ? "" : "s") (\(table.rows.count) in all)")
        }
        if shownColumns < table.columns.count {
            let hidden = table.columns[shownColumns...]
            let note = "\(ellipsis) \(hidden.count) more column\(hidden.count == 1 ? "" : "s"): "
                + hidden.map(TerminalWidth.singleLine).joined(separator: ", ")
            lines.append(TerminalWidth.truncate(note, to: width, ascii: ascii))
        }
        return lines.joined(separator: "\n")
    }

    /// Greedy word wrap of one cell to `width` columns; a word longer than the width, and whatever does not fit
    /// in `maximumCellLines`, is cut with `…`.
    static func wrapCell(_ text: String, width: Int, ascii: Bool) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            let candidate = current.isEmpty ? word : current + " " + word
            if TerminalWidth.of(candidate) <= width {
                current = candidate
            } else {
                if !current.isEmpty { lines.append(current) }
                current = word
            }
        }
        if !current.isEmpty { lines.append(current) }
        if lines.count > maximumCellLines {
            lines = Array(lines.prefix(maximumCellLines))
            lines[maximumCellLines - 1] += " " + String(repeating: "x", count: width)  // forces the cut mark
        }
        return lines.map { TerminalWidth.truncate($0, to: width, ascii: ascii) }
    }

    /// The text of one cell: strings without quotes, numbers and quantities with `context.digits` significant
    /// digits (`SIFormat.display`: 3 unless `table(…, digits:)` asks for more), nil empty.
    static func cellText(_ value: Value, context: DisplayContext = DisplayContext()) -> String {
        switch value {
        case .nilValue: return ""
        case .string(let text): return TerminalWidth.singleLine(text)
        case .number(let number): return SIFormat.display(number, digits: context.digits)
        case .object(let object): return "<\(object.typeName)>"
        default: return TerminalWidth.singleLine(value.text(context))
        }
    }

    static func trimmedRight(_ text: String) -> String {
        var result = Substring(text)
        while result.last == " " { result = result.dropLast() }
        return String(result)
    }
}
