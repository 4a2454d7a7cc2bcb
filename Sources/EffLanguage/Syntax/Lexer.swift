/// Turns source text into tokens.
///
/// Newlines end statements, except inside `( … )` and `[ … ]`, where they are skipped so long
/// calls and lists can span lines. Comments run from `#` to the end of the line (so a
/// `#!/usr/bin/env eff` first line is a comment).
struct Lexer {
    private let file: SourceFile
    private let bytes: [UInt8]
    private var position: Int
    private let end: Int
    /// Open brackets, innermost last: `(`, `[` or `{`.
    private var brackets: [UInt8] = []
    private(set) var diagnostics: [Diagnostic] = []

    init(file: SourceFile, start: Int = 0, end: Int? = nil) {
        self.file = file
        self.bytes = file.bytes
        self.position = start
        self.end = min(end ?? file.bytes.count, file.bytes.count)
    }

    /// All tokens, ending with `.end`. Lexical errors are collected in `diagnostics`.
    mutating func tokenize() -> [Token] {
        var tokens: [Token] = []
        while true {
            let token = next()
            if case .newline = token.kind, let last = tokens.last {
                if case .newline = last.kind { continue }
            }
            tokens.append(token)
            if case .end = token.kind { break }
        }
        return tokens
    }

    private func peek(_ offset: Int = 0) -> UInt8 {
        position + offset < end ? bytes[position + offset] : 0
    }

    private func span(from start: Int) -> Span { Span(file: file, start: start, end: position) }

    private mutating func error(_ message: String, from start: Int, hint: String? = nil) {
        diagnostics.append(Diagnostic(.syntax, message, at: Span(file: file, start: start, end: max(position, start + 1)),
                                      hint: hint))
    }

    private mutating func next() -> Token {
        while position < end {
            let byte = peek()
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") {
                position += 1
            } else if byte == UInt8(ascii: "#") {
                while position < end, peek() != UInt8(ascii: "\n") { position += 1 }
            } else if byte == UInt8(ascii: "\\"), peek(1) == UInt8(ascii: "\n") {
                position += 2  // explicit line continuation
            } else if byte == UInt8(ascii: "\n") {
                let start = position
                position += 1
                if let open = brackets.last, open != UInt8(ascii: "{") { continue }
                return Token(kind: .newline, span: span(from: start))
            } else {
                break
            }
        }
        guard position < end else { return Token(kind: .end, span: Span(file: file, start: end, end: end)) }
        let start = position
        let byte = peek()
        if isDigit(byte) || (byte == UInt8(ascii: ".") && isDigit(peek(1)) && !(position > 0 && bytes[position - 1] == UInt8(ascii: "."))) {
            return number(from: start)
        }
        if isIdentifierStart(byte) { return identifier(from: start) }
        if byte == UInt8(ascii: "\"") { return string(from: start) }
        return symbol(from: start)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

    private func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == UInt8(ascii: "_") || byte >= 0xC0
            // µ (U+00B5, UTF-8 C2 B5) starts unit names such as µJ.
            || (byte == 0xC2 && peek(1) == 0xB5)
    }

    private mutating func number(from start: Int) -> Token {
        var text = ""
        func digits() {
            while position < end, isDigit(peek()) || peek() == UInt8(ascii: "_") {
                if peek() != UInt8(ascii: "_") { text.append(Character(UnicodeScalar(peek()))) }
                position += 1
            }
        }
        digits()
        if peek() == UInt8(ascii: "."), isDigit(peek(1)) {
            text.append("."); position += 1; digits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            let signOffset = (peek(1) == UInt8(ascii: "+") || peek(1) == UInt8(ascii: "-")) ? 1 : 0
            if isDigit(peek(1 + signOffset)) {
                text.append("e")
                if signOffset == 1 { text.append(Character(UnicodeScalar(peek(1)))) }
                position += 1 + signOffset
                digits()
            }
        }
        guard let value = Double(text), value.isFinite else {
            error("number literal '\(file.slice(span(from: start)))' is too large", from: start,
                  hint: "numbers are 64-bit floating point; the largest is about 1.8e308")
            return Token(kind: .number(0), span: span(from: start))
        }
        return Token(kind: .number(value), span: span(from: start))
    }

    private mutating func identifier(from start: Int) -> Token {
        while position < end {
            let byte = peek()
            if isIdentifierStart(byte) || isDigit(byte) || byte >= 0x80 { position += 1 } else { break }
        }
        let text = file.slice(span(from: start))
        if let keyword = Keyword(rawValue: text) { return Token(kind: .keyword(keyword), span: span(from: start)) }
        return Token(kind: .identifier(text), span: span(from: start))
    }

    private mutating func string(from start: Int) -> Token {
        position += 1  // opening quote
        var parts: [StringPart] = []
        var literal: [UInt8] = []
        func flush() {
            if !literal.isEmpty { parts.append(.text(String(decoding: literal, as: UTF8.self))); literal = [] }
        }
        while true {
            guard position < end, peek() != UInt8(ascii: "\n") else {
                error("unterminated string", from: start, hint: "close the string with \" on the same line")
                flush()
                return Token(kind: .string(parts), span: span(from: start))
            }
            let byte = peek()
            if byte == UInt8(ascii: "\"") { position += 1; break }
            if byte == UInt8(ascii: "\\") {
                let escape = peek(1)
                switch escape {
                case UInt8(ascii: "n"): literal.append(10); position += 2
                case UInt8(ascii: "t"): literal.append(9); position += 2
                case UInt8(ascii: "\""): literal.append(34); position += 2
                case UInt8(ascii: "\\"): literal.append(92); position += 2
                case UInt8(ascii: "{"): literal.append(123); position += 2
                case UInt8(ascii: "("):
                    flush()
                    position += 2
                    let expressionStart = position
                    interpolationNesting = 0
                    nestingExceeded = false
                    guard skipInterpolation() else {
                        error(nestingExceeded
                              ? "strings nested too deeply inside \\( … ) (more than \(Lexer.maximumInterpolationNesting) levels)"
                              : "unterminated interpolation \\( … ) in string", from: expressionStart - 2)
                        return Token(kind: .string(parts), span: span(from: start))
                    }
                    parts.append(.interpolation(start: expressionStart, end: position))
                    position += 1
                default:
                    let escapeStart = position
                    position += 2
                    error("unknown escape sequence in string", from: escapeStart,
                          hint: "use \\n, \\t, \\\", \\\\ or \\( expression )")
                }
                continue
            }
            literal.append(byte)
            position += 1
        }
        flush()
        return Token(kind: .string(parts), span: span(from: start))
    }

    /// How many interpolations deep `skipInterpolation` is (bounded: it recurses).
    private var interpolationNesting = 0
    private var nestingExceeded = false
    static let maximumInterpolationNesting = 16

    /// Moves from just after `\(` to its closing `)` (nested parentheses and string literals, which may hold
    /// interpolations of their own, are skipped whole). False when the line ends first.
    private mutating func skipInterpolation() -> Bool {
        interpolationNesting += 1
        defer { interpolationNesting -= 1 }
        guard interpolationNesting <= Lexer.maximumInterpolationNesting else {
            nestingExceeded = true
            return false
        }
        var depth = 1
        while position < end, peek() != UInt8(ascii: "\n") {
            switch peek() {
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"):
                depth -= 1
                if depth == 0 { return true }
            case UInt8(ascii: "\""):
                guard skipNestedString() else { return false }
                continue
            default: break
            }
            position += 1
        }
        return false
    }

    /// Moves past a string literal inside an interpolation (from its opening quote). False when unterminated.
    private mutating func skipNestedString() -> Bool {
        position += 1
        while position < end, peek() != UInt8(ascii: "\n") {
            switch peek() {
            case UInt8(ascii: "\""):
                position += 1
                return true
            case UInt8(ascii: "\\"):
                if peek(1) == UInt8(ascii: "(") {
                    position += 2
                    guard skipInterpolation() else { return false }
                    position += 1
                } else {
                    position += 2
                }
            default:
                position += 1
            }
        }
        return false
    }

    private mutating func symbol(from start: Int) -> Token {
        let three = position + 3 <= end ? String(decoding: bytes[position..<position + 3], as: UTF8.self) : ""
        let two = position + 2 <= end ? String(decoding: bytes[position..<position + 2], as: UTF8.self) : ""
        let one = String(decoding: [peek()], as: UTF8.self)
        let symbol: Symbol
        if let match = Symbol(rawValue: three) { symbol = match; position += 3 }
        else if let match = Symbol(rawValue: two) { symbol = match; position += 2 }
        else if let match = Symbol(rawValue: one) { symbol = match; position += 1 }
        else {
            // Skip a whole (possibly multi-byte) character.
            position += 1
            while position < end, bytes[position] & 0xC0 == 0x80 { position += 1 }
            let character = file.slice(span(from: start))
            let newline = UInt8(ascii: "\n")
            if character == "'" {
                // A single-quoted string: one error for the whole of it, not one per quote.
                var close = position
                while close < end, bytes[close] != newline, bytes[close] != UInt8(ascii: "'") { close += 1 }
                if close < end, bytes[close] == UInt8(ascii: "'") { position = close + 1 }
            } else if (character == "&" || character == "|"), position < end, bytes[position] == bytes[start] {
                position += 1   // && and || are one mistake
            }
            let hint: String? = switch character {
            case "&": "use 'and' for logical and"
            case "|": "use 'or' for logical or"
            case "!": "use 'not' for logical negation ('!=' is 'not equal')"
            case "'": "strings use double quotes: \"text\""
            default: nil
            }
            error("unexpected character '\(character)'", from: start, hint: hint)
            return next()
        }
        switch symbol {
        case .leftParen: brackets.append(UInt8(ascii: "("))
        case .leftBracket: brackets.append(UInt8(ascii: "["))
        case .leftBrace: brackets.append(UInt8(ascii: "{"))
        case .rightParen, .rightBracket, .rightBrace: if !brackets.isEmpty { brackets.removeLast() }
        default: break
        }
        return Token(kind: .symbol(symbol), span: span(from: start))
    }
}
