/// An error or warning located in source, rendered the way compilers do:
///
///     script.eff:3:15: error: cannot add energy (J) and time (s)
///       let total = e + 2 s
///                   ^~~~~~~
///       hint: energy / time is power (W); power * time is energy (J)
public struct Diagnostic: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable { case syntax, resolve, runtime, io }

    public let kind: Kind
    public let message: String
    public let span: Span?
    public let hint: String?
    /// Innermost first: where each active eff function was called from.
    public var callChain: [(function: String, span: Span)]

    public init(_ kind: Kind, _ message: String, at span: Span?, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.span = span
        self.hint = hint
        self.callChain = []
    }

    public var line: Int? { span?.line }

    /// How many calls at each end of a long call chain are shown.
    static let shownCallChainEnds = 5

    public var description: String { render() }

    /// The full text: location, message, source line with a caret under the span, hint, call chain.
    public func render() -> String {
        guard let span else {
            var text = "error: \(message)"
            if let hint { text += "\n  hint: \(hint)" }
            return text
        }
        let (line, column) = span.file.location(of: span.start)
        var text = "\(span.file.name):\(line):\(column): error: \(message)"
        let source = span.file.lineText(line)
        if !source.isEmpty {
            let expanded = source.replacingTabs()
            let prefixWidth = String(source.prefix(column - 1)).replacingTabs().count
            let endLocation = span.file.location(of: span.end)
            let spanWidth: Int
            if endLocation.line == line {
                spanWidth = max(1, String(source.dropFirst(column - 1).prefix(endLocation.column - column))
                    .replacingTabs().count)
            } else {
                spanWidth = max(1, expanded.count - prefixWidth)
            }
            text += "\n  " + expanded
            text += "\n  " + String(repeating: " ", count: prefixWidth) + "^"
                + String(repeating: "~", count: max(0, spanWidth - 1))
        }
        if let hint { text += "\n  hint: \(hint)" }
        // Deep recursion: the innermost and outermost calls, and how many were left out between them.
        let shown = Diagnostic.shownCallChainEnds
        for (index, (function, callSpan)) in callChain.enumerated() {
            if callChain.count > 2 * shown, index >= shown, index < callChain.count - shown {
                if index == shown {
                    let omitted = callChain[shown ..< callChain.count - shown]
                    let names = Set(omitted.map(\.function)).sorted()
                    let what = names.count == 1 ? "calls to \(names[0])" : "calls (\(names.prefix(3).joined(separator: ", ")))"
                    text += "\n  … \(omitted.count) more \(what) …"
                }
                continue
            }
            let location = callSpan.file.location(of: callSpan.start)
            text += "\n  in \(function), called from \(callSpan.file.name):\(location.line):\(location.column)"
        }
        return text
    }
}

/// Several diagnostics from one pass (the parser reports one per broken statement).
public struct DiagnosticList: Error, Sendable, CustomStringConvertible {
    public let diagnostics: [Diagnostic]
    public var description: String { diagnostics.map { $0.render() }.joined(separator: "\n") }
}

extension String {
    func replacingTabs() -> String { replacingOccurrences(of: "\t", with: "    ") }
}

import Foundation
