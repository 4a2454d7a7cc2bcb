/// Every character the charts draw with, per canvas kind: the one table to change a look.
struct Glyphs {
    let topLeft, topRight, bottomLeft, bottomRight, horizontal, vertical: String
    /// Marks a y tick on the left border and an x tick on the bottom border.
    let leftTick, bottomTick: String
    /// Bar fills for series 0, 1, 2 …, cycled.
    let barFills: [String]
    /// Point markers for series 0, 1, 2 …, cycled.
    let markers: [String]
    /// Heatmap density ramp, lightest first.
    let shades: [String]
    /// Sparkline levels, lowest first.
    let sparkLevels: [String]
    /// Marks a heatmap cell whose value is NaN.
    let missing: String
    /// The line sample used in legends and footers.
    let lineSample: String
    let rangeSeparator: String
    /// Whether every glyph is 7-bit ASCII (truncation then ends in `~`, not `…`).
    let isASCII: Bool

    static let unicode = Glyphs(
        topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘", horizontal: "─", vertical: "│",
        leftTick: "┤", bottomTick: "┬",
        barFills: ["█", "▓", "▒", "░"],
        markers: ["●", "▲", "■", "◆", "○", "△"],
        shades: [" ", "░", "▒", "▓", "█"],
        sparkLevels: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"],
        missing: "?", lineSample: "──", rangeSeparator: " – ", isASCII: false)

    static let ascii = Glyphs(
        topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+", horizontal: "-", vertical: "|",
        leftTick: "+", bottomTick: "+",
        barFills: ["#", "=", "*", "+"],
        markers: ["o", "x", "+", "*", "#", "@"],
        shades: [" ", ".", ":", "-", "=", "+", "*", "#", "%", "@"],
        sparkLevels: [".", ":", "-", "=", "+", "*", "#", "@"],
        missing: "?", lineSample: "--", rangeSeparator: " .. ", isASCII: true)

    static func of(_ kind: CanvasKind) -> Glyphs { kind.usesUnicode ? unicode : ascii }

    /// Left-aligned eighths of a cell for smooth bar ends (Unicode only), index = eighths.
    static let eighths = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    func barFill(_ series: Int) -> String { barFills[series % barFills.count] }
    func marker(_ series: Int) -> String { markers[series % markers.count] }
}
