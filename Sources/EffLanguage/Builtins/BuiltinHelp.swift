/// Help text rendered from the builtins registry (for `eff builtins`, `:help`, and docs), wrapped to the
/// output width.
public enum BuiltinHelp {
    /// All builtins grouped by category: name and one-line summary each.
    public static func overview(_ builtins: [Builtin], width: Int = 80) -> String {
        var categories: [String] = []
        for builtin in builtins where !categories.contains(builtin.category) { categories.append(builtin.category) }
        let nameColumn = 14
        var lines: [String] = []
        for category in categories {
            lines.append("\(category):")
            for builtin in builtins where builtin.category == category {
                let name = builtin.name.count <= nameColumn
                    ? builtin.name.padding(toLength: nameColumn, withPad: " ", startingAt: 0) : builtin.name
                lines += wrap(builtin.summary, width: width, first: "  \(name)  ",
                              rest: String(repeating: " ", count: nameColumn + 4))
            }
        }
        lines.append("")
        lines.append("Details and an example for one: eff builtins NAME (or :help NAME at the prompt).")
        return lines.joined(separator: "\n")
    }

    /// One builtin: signature, summary, example.
    public static func describe(_ name: String, in builtins: [Builtin], width: Int = 80) -> String? {
        guard let builtin = builtins.first(where: { $0.name == name }) else { return nil }
        var lines = wrap(builtin.signature, width: width, first: "", rest: "    ", breakAfter: ", ")
        lines += wrap(builtin.summary, width: width, first: "  ", rest: "  ")
        lines.append("  example:")
        lines += builtin.example.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }
        return lines.joined(separator: "\n")
    }

    /// Greedy word wrap: breaks after `breakAfter` (a space by default); a word longer than a line stays whole.
    static func wrap(_ text: String, width: Int, first: String, rest: String, breakAfter: String = " ") -> [String] {
        var words: [String] = []
        var remaining = Substring(text)
        while let range = remaining.range(of: breakAfter) {
            words.append(String(remaining[..<range.upperBound]))
            remaining = remaining[range.upperBound...]
        }
        if !remaining.isEmpty { words.append(String(remaining)) }
        var lines: [String] = []
        var line = first
        var lineHasWord = false
        for word in words {
            if lineHasWord, line.count + word.trimmingTrailingSpaces.count > width {
                lines.append(line.trimmingTrailingSpaces)
                line = rest
                lineHasWord = false
            }
            line += word
            lineHasWord = true
        }
        lines.append(line.trimmingTrailingSpaces)
        return lines
    }
}

private extension String {
    var trimmingTrailingSpaces: String {
        var text = Substring(self)
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}

import Foundation
