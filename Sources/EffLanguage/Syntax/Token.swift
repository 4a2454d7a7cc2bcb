/// One lexical token; `span` covers its text.
struct Token {
    enum Kind: Equatable {
        case number(Double)
        case string([StringPart])
        case identifier(String)
        case keyword(Keyword)
        case symbol(Symbol)
        case newline
        case end
    }

    let kind: Kind
    let span: Span

    var text: String { span.file.slice(span) }
}

/// A piece of a string literal: literal text, or an interpolated expression's byte range in the source.
enum StringPart: Equatable {
    case text(String)
    case interpolation(start: Int, end: Int)
}

/// Reserved words. `model`, `claim` and `vs` are reserved for the domain forms.
enum Keyword: String, CaseIterable {
    case `let`, fn, `if`, `else`, `for`, `in`, `while`, `return`, `break`, `continue`, `import`
    case `true`, `false`, `nil`, and, or, not
}

enum Symbol: String, CaseIterable {
    case leftParen = "(", rightParen = ")", leftBracket = "[", rightBracket = "]"
    case leftBrace = "{", rightBrace = "}", comma = ",", colon = ":", semicolon = ";", dot = "."
    case plus = "+", minus = "-", star = "*", slash = "/", percent = "%", caret = "^"
    case equal = "=", equalEqual = "==", bangEqual = "!=", less = "<", lessEqual = "<="
    case greater = ">", greaterEqual = ">=", dotDot = "..", dotDotLess = "..<", arrow = "=>"
}

extension Keyword {
    /// Every keyword, for completion and docs.
    static var names: [String] { allCases.map(\.rawValue) }
}
