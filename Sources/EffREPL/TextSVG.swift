import Foundation

/// A chart's Unicode text as a standalone SVG: one `<text>` per line in a monospace font, each stretched to
/// exactly its column count (`textLength`), so Braille and block glyphs line up even where a font draws them at
/// another width. No browser or image library is involved; notebooks and HTML reports show it as an image.
///
///     TextSVG.render("⣀⡠⠔⠊\n1   4")   // <svg xmlns=… width="…" height="…">…</svg>
public enum TextSVG {
    /// Pixels per column and per line at the 14 px font size used.
    static let columnWidth = 8.4
    static let lineHeight = 16.0

    public static func render(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let columns = lines.map(\.count).max() ?? 0
        let width = Int((Double(columns) * columnWidth).rounded(.up)) + 8
        let height = Int(Double(lines.count) * lineHeight) + 8
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" "
            + "viewBox=\"0 0 \(width) \(height)\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" "
            + "font-size=\"14\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        for (index, line) in lines.enumerated() {
            let trimmed = line.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
            guard !trimmed.isEmpty else { continue }
            let y = 4 + Double(index + 1) * lineHeight - 4
            let length = String(format: "%.1f", Double(trimmed.count) * columnWidth)
            svg += "<text x=\"4\" y=\"\(String(format: "%.1f", y))\" xml:space=\"preserve\" textLength=\"\(length)\" "
                + "lengthAdjust=\"spacingAndGlyphs\">\(escape(trimmed))</text>\n"
        }
        return svg + "</svg>"
    }

    /// Text with XML's special characters escaped.
    public static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
