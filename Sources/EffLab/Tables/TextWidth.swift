import Foundation

/// Display widths of text in a terminal: East Asian wide characters and most emoji take two columns,
/// combining marks none; control characters are shown as spaces.
enum TextWidth {
    /// The columns one character takes.
    static func of(_ character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        let value = first.value
        if value < 0x20 || (0x7F..<0xA0).contains(value) { return 1 }  // shown as a space
        if first.properties.generalCategory == .nonspacingMark { return 0 }
        return isWide(value) ? 2 : 1
    }

    /// The columns a string takes.
    static func of(_ text: String) -> Int { text.reduce(0) { $0 + of($1) } }

    /// Ranges of code points terminals draw two columns wide (EastAsianWidth W and F, emoji).
    private static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// Replaces control characters (newlines, tabs, escapes) by spaces so a cell stays on one line.
    static func singleLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) }) else {
            return text
        }
        return String(text.map { character -> Character in
            guard let scalar = character.unicodeScalars.first else { return character }
            return scalar.value < 0x20 || (0x7F..<0xA0).contains(scalar.value) ? " " : character
        })
    }

    /// The text cut to at most `width` columns, ending in `…` (`~` when `ascii`) when it was cut.
    static func truncate(_ text: String, to width: Int, ascii: Bool) -> String {
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

    /// `µ` (micro) spelled `u`, as eff also reads it (`uJ`, `us`), for displays that want 7-bit text.
    static func asciiUnits(_ text: String) -> String {
        text.contains("µ") ? text.replacingOccurrences(of: "µ", with: "u") : text
    }

    /// The text padded with spaces to `width` columns, on the right (left-aligned) or left.
    static func pad(_ text: String, to width: Int, rightAligned: Bool) -> String {
        let padding = String(repeating: " ", count: max(0, width - of(text)))
        return rightAligned ? padding + text : text + padding
    }
}
