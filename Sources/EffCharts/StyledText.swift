import EffNumerics

/// An ANSI foreground colour (SGR code); written only when `RenderOptions.color` is on.
enum ChartColor: Int, Sendable, CaseIterable {
    case red = 31
    case green = 32
    case yellow = 33
    case blue = 34
    case magenta = 35
    case cyan = 36
    case gray = 90

    /// Series colours in the order series receive them (cycled).
    static let seriesPalette: [ChartColor] = [.blue, .red, .green, .yellow, .magenta, .cyan]

    /// The colour of the series at `index`.
    static func series(_ index: Int) -> ChartColor { seriesPalette[index % seriesPalette.count] }
}

/// One display column: its text (one character, or "" for the right half of a double-width one).
struct StyledCell: Equatable {
    var text: String
    var color: ChartColor?
    var bold = false

    static let blank = StyledCell(text: " ", color: nil)
}

/// A line of styled cells whose display width is its cell count.
struct StyledLine {
    var cells: [StyledCell] = []

    init() {}

    init(_ text: String, color: ChartColor? = nil, bold: Bool = false) {
        append(text, color: color, bold: bold)
    }

    var width: Int { cells.count }

    /// Appends `text`, replacing control characters (newlines, tabs, ESC) by spaces so the frame holds.
    mutating func append(_ text: String, color: ChartColor? = nil, bold: Bool = false) {
        for character in text {
            let width = TerminalWidth.of(character)
            if width == 0, !cells.isEmpty {  // a lone combining mark draws on the cell before it
                cells[cells.count - 1].text.append(character)
                continue
            }
            let shown = TerminalWidth.isControl(character) ? " " : String(character)
            cells.append(StyledCell(text: shown, color: color, bold: bold))
            if width == 2 { cells.append(StyledCell(text: "", color: color, bold: bold)) }
        }
    }

    mutating func append(_ line: StyledLine) { cells += line.cells }

    mutating func appendSpaces(_ count: Int) {
        if count > 0 { cells += Array(repeating: .blank, count: count) }
    }

    mutating func pad(to width: Int) { appendSpaces(width - cells.count) }

    /// The text with ANSI SGR escapes around coloured or bold runs when `color` is on.
    func rendered(color: Bool) -> String {
        var result = ""
        var index = 0
        while index < cells.count {
            let cell = cells[index]
            var end = index
            var run = ""
            while end < cells.count, cells[end].color == cell.color, cells[end].bold == cell.bold {
                run += cells[end].text
                end += 1
            }
            if color && (cell.color != nil || cell.bold) {
                var codes: [String] = []
                if cell.bold { codes.append("1") }
                if let code = cell.color?.rawValue { codes.append(String(code)) }
                result += "\u{1B}[" + codes.joined(separator: ";") + "m" + run + "\u{1B}[0m"
            } else {
                result += run
            }
            index = end
        }
        return result
    }
}

/// Joins lines after padding each to the widest, so every line has the same display width.
func joinLines(_ lines: [StyledLine], color: Bool) -> String {
    let width = lines.map(\.width).max() ?? 0
    return lines.map { line -> String in
        var padded = line
        padded.pad(to: width)
        return padded.rendered(color: color)
    }.joined(separator: "\n")
}

/// Breaking text into lines; widths are `TerminalWidth`'s (EffNumerics), the rule tables use too.
enum TextWrap {
    /// `text` broken at spaces into lines of at most `width` columns (longer words are truncated).
    static func wrap(_ text: String, to width: Int, ascii: Bool) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ").map(String.init) {
            let candidate = current.isEmpty ? word : current + " " + word
            if TerminalWidth.of(candidate) <= width || current.isEmpty {
                current = candidate
            } else {
                lines.append(current)
                current = word
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines.map { TerminalWidth.truncate($0, to: width, ascii: ascii) }
    }
}
