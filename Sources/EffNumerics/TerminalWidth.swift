/// How many terminal columns text takes — the one rule that tables (EffLab) and charts (EffCharts) share:
///
/// - a character (grapheme cluster) counts as its first scalar;
/// - control characters (C0, DEL, C1) take 1 column, because displays show them as a space;
/// - a character that starts with a combining mark (general category Mn or Me, e.g. U+0301 alone) takes 0:
///   it draws on the column before it (a mark after a base letter is already part of that letter's cluster);
/// - East Asian wide and fullwidth characters (EastAsianWidth W, F) and the common emoji blocks take 2;
/// - everything else takes 1.
///
///     TerminalWidth.of("naïve")   // 5
///     TerminalWidth.of("能效")     // 4
public enum TerminalWidth {
    /// The columns one character takes.
    public static func of(_ character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        let value = first.value
        if isControl(value) { return 1 }  // shown as a space
        switch first.properties.generalCategory {
        case .nonspacingMark, .enclosingMark: return 0
        default: return isWide(value) ? 2 : 1
        }
    }

    /// The columns a string takes.
    public static func of(_ text: String) -> Int { text.reduce(0) { $0 + of($1) } }

    /// Whether the character is a control character (shown as a space so a line or frame holds).
    public static func isControl(_ character: Character) -> Bool {
        character.unicodeScalars.first.map { isControl($0.value) } ?? false
    }

    static func isControl(_ value: UInt32) -> Bool { value < 0x20 || (0x7F..<0xA0).contains(value) }

    /// Ranges of code points terminals draw two columns wide (EastAsianWidth W and F, emoji).
    static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// Control characters (newlines, tabs, escapes) replaced by spaces so the text stays on one line.
    public static func singleLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0.value) }) else { return text }
        return String(text.map { isControl($0) ? " " : $0 })
    }

    /// The text cut to at most `width` columns, ending in `…` (`~` when `ascii`) when it was cut.
    public static func truncate(_ text: String, to width: Int, ascii: Bool) -> String {
        guard of(text) > width else { return text }
        guard width > 0 else { return "" }
        var result = ""
        var used = 0
        for character in text {
            let next = of(character)
            if used + next > width - 1 { break }
            result.append(character)
            used += next
        }
        return result + (ascii ? "~" : "…")
    }

    /// The text padded with spaces to `width` columns, on the right (left-aligned) or left.
    public static func pad(_ text: String, to width: Int, rightAligned: Bool) -> String {
        let padding = String(repeating: " ", count: max(0, width - of(text)))
        return rightAligned ? padding + text : text + padding
    }
}
