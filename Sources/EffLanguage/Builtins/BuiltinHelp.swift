/// Help text rendered from the builtins registry (for `eff builtins`, `:help`, and docs).
public enum BuiltinHelp {
    /// All builtins grouped by category, one line each.
    public static func overview(_ builtins: [Builtin]) -> String {
        var categories: [String] = []
        for builtin in builtins where !categories.contains(builtin.category) { categories.append(builtin.category) }
        var lines: [String] = []
        for category in categories {
            lines.append("\(category):")
            for builtin in builtins where builtin.category == category {
                lines.append("  \(builtin.signature.padding(toLength: max(28, builtin.signature.count), withPad: " ", startingAt: 0))  \(builtin.summary)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// One builtin: signature, summary, example.
    public static func describe(_ name: String, in builtins: [Builtin]) -> String? {
        guard let builtin = builtins.first(where: { $0.name == name }) else { return nil }
        return "\(builtin.signature)\n  \(builtin.summary)\n  example: \(builtin.example)"
    }
}

import Foundation
