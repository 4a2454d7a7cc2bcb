import EffUnits

/// Recursive-descent parser: tokens → statements.
///
/// Errors are collected, one per broken statement: after an error the parser skips to the next
/// statement boundary, so one mistake does not cascade into noise.
struct Parser {
    /// How deeply expressions and blocks may nest before the parser refuses (protects the stack).
    static let maximumNesting = 200

    var tokens: [Token]
    var current = 0
    private var depth = 0
    private let file: SourceFile
    private(set) var diagnostics: [Diagnostic] = []
    /// Where the lexer found errors (byte offsets), so the parse errors they cause are not reported again.
    private let lexerErrorOffsets: [Int]

    struct Failure: Error { let diagnostic: Diagnostic }

    init(file: SourceFile, start: Int = 0, end: Int? = nil) {
        var lexer = Lexer(file: file, start: start, end: end)
        self.tokens = lexer.tokenize()
        self.file = file
        self.diagnostics = lexer.diagnostics
        self.lexerErrorOffsets = lexer.diagnostics.compactMap { $0.span?.start }
    }

    /// Parses a whole program. Check `diagnostics` afterwards.
    mutating func parseProgram() -> [Statement] {
        var statements: [Statement] = []
        var previousFailed = false
        skipSeparators()
        while !isAtEnd {
            if check(.rightBrace) {
                // A stray `}` at the top level: one error, unless it merely closes a statement already
                // reported broken (then it is part of that error, not a new one). Always consumed.
                if !previousFailed {
                    diagnostics.append(Diagnostic(.syntax, "unexpected '}': no block is open here", at: peek.span,
                                                  hint: "remove it, or check the '{' it was meant to close"))
                }
                advance()
                skipSeparators()
                continue
            }
            if let statement = parseStatementRecovering() {
                statements.append(statement)
                previousFailed = false
            } else {
                previousFailed = true
            }
            skipSeparators()
        }
        return statements
    }

    /// Parses a single expression (used for string interpolation).
    mutating func parseSingleExpression() -> Expression? {
        do {
            let expression = try parseExpression()
            if !isAtEnd { throw failure("unexpected \(describe(peek)) after expression", at: peek.span) }
            return expression
        } catch let error as Failure {
            diagnostics.append(error.diagnostic)
            return nil
        } catch { return nil }
    }

    // MARK: - Token helpers

    var peek: Token { tokens[current] }
    private var previous: Token { tokens[max(0, current - 1)] }
    var isAtEnd: Bool { if case .end = peek.kind { return true } else { return false } }

    @discardableResult
    mutating func advance() -> Token {
        let token = tokens[current]
        if !isAtEnd { current += 1 }
        return token
    }

    func check(_ symbol: Symbol) -> Bool {
        if case .symbol(let s) = peek.kind, s == symbol { return true }
        return false
    }

    func check(_ keyword: Keyword) -> Bool {
        if case .keyword(let k) = peek.kind, k == keyword { return true }
        return false
    }

    var atNewline: Bool { if case .newline = peek.kind { return true } else { return false } }

    mutating func match(_ symbol: Symbol) -> Bool {
        if check(symbol) { advance(); return true }
        return false
    }

    mutating func match(_ keyword: Keyword) -> Bool {
        if check(keyword) { advance(); return true }
        return false
    }

    mutating func skipNewlines() { while atNewline { advance() } }

    mutating func skipSeparators() {
        while atNewline || check(.semicolon) { advance() }
    }

    func failure(_ message: String, at span: Span, hint: String? = nil) -> Failure {
        Failure(diagnostic: Diagnostic(.syntax, message, at: span, hint: hint))
    }

    func describe(_ token: Token) -> String {
        switch token.kind {
        case .end: return "end of input"
        case .newline: return "end of line"
        case .number: return "number '\(token.text)'"
        case .string: return "string"
        case .identifier(let name): return "name '\(name)'"
        case .keyword(let keyword): return "keyword '\(keyword.rawValue)'"
        case .symbol(let symbol): return "'\(symbol.rawValue)'"
        }
    }

    /// Consumes `symbol` or fails. At the end of input with an `opener` (the '(' or '[' being closed), the
    /// error points at the opener, which is where the mistake is, not past the last line.
    mutating func expect(_ symbol: Symbol, _ context: String, hint: String? = nil, opener: Token? = nil) throws -> Token {
        if check(symbol) { return advance() }
        if isAtEnd, let opener {
            throw failure("unclosed '\(opener.text)': expected '\(symbol.rawValue)' \(context) before the end of the input",
                          at: opener.span, hint: hint)
        }
        throw failure("expected '\(symbol.rawValue)' \(context), found \(describe(peek))",
                      at: isAtEnd ? endOfInputSpan : peek.span, hint: hint)
    }

    /// Just after the last token that is not a line break: where "found end of input" errors point, so the
    /// source line and caret are shown rather than an empty line past the end.
    var endOfInputSpan: Span {
        var index = current - 1
        while index >= 0 {
            if case .newline = tokens[index].kind { index -= 1; continue }
            let end = tokens[index].span.end
            return Span(file: tokens[index].span.file, start: end, end: end + 1)
        }
        return peek.span
    }

    private mutating func expectIdentifier(_ context: String) throws -> Token {
        if case .identifier = peek.kind { return advance() }
        var hint: String? = nil
        if case .keyword(let keyword) = peek.kind { hint = "'\(keyword.rawValue)' is a reserved word" }
        throw failure("expected a name \(context), found \(describe(peek))", at: peek.span, hint: hint)
    }

    private mutating func nested<T>(at span: Span, _ body: (inout Parser) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        if depth > Parser.maximumNesting {
            throw failure("nesting is too deep (more than \(Parser.maximumNesting) levels)", at: span,
                          hint: "split the expression into smaller parts with let")
        }
        return try body(&self)
    }

    // MARK: - Statements

    private mutating func parseStatementRecovering() -> Statement? {
        let statementStart = peek.span.start
        do {
            return try parseStatement()
        } catch let error as Failure {
            // A statement the lexer already reported (a stray '&', an unterminated string) fails to parse as a
            // consequence: report the cause once, not the cascade.
            let reached = max(peek.span.end, error.diagnostic.span?.start ?? 0)
            let lexerReported = lexerErrorOffsets.contains { $0 >= statementStart && $0 <= reached }
            if !lexerReported { diagnostics.append(error.diagnostic) }
            synchronize()
            return nil
        } catch { return nil }
    }

    /// Skips to the end of the broken statement: a newline or `;` outside braces, or a `}` closing the block.
    private mutating func synchronize() {
        var braces = 0
        while !isAtEnd {
            if braces == 0, atNewline || check(.semicolon) { return }
            if check(.leftBrace) { braces += 1 }
            if check(.rightBrace) {
                if braces == 0 { return }
                braces -= 1
            }
            advance()
        }
    }

    private mutating func parseStatement() throws -> Statement {
        let start = peek.span
        let statement: Statement
        if match(.let) {
            let name = try expectIdentifier("after 'let'")
            _ = try expect(.equal, "after the name in 'let'", hint: "write: let \(name.text) = value")
            skipNewlines()
            let value = try parseExpression()
            statement = .letBinding(name: name.text, value, nameSpan: name.span, start.to(value.span))
        } else if check(.fn), case .identifier = tokens[current + 1].kind {
            advance()
            statement = .function(try parseFunctionRest(start: start, named: true))
        } else if match(.for) {
            let variable = try expectIdentifier("after 'for'")
            guard match(.in) else {
                throw failure("expected 'in' after the loop variable, found \(describe(peek))", at: peek.span,
                              hint: "write: for x in list { … }")
            }
            let iterable = try parseExpression()
            let body = try parseBlock("for the loop body")
            statement = .forLoop(variable: variable.text, iterable, body, start.to(body.span))
        } else if match(.while) {
            let condition = try parseExpression()
            let body = try parseBlock("for the loop body")
            statement = .whileLoop(condition, body, start.to(body.span))
        } else if match(.return) {
            if atNewline || check(.semicolon) || check(.rightBrace) || isAtEnd {
                statement = .returnStatement(nil, start)
            } else {
                let value = try parseExpression()
                statement = .returnStatement(value, start.to(value.span))
            }
        } else if match(.break) {
            statement = .breakStatement(start)
        } else if match(.continue) {
            statement = .continueStatement(start)
        } else if match(.import) {
            guard case .string(let parts) = peek.kind else {
                throw failure("expected a file path string after 'import'", at: peek.span,
                              hint: "write: import \"helpers.eff\"")
            }
            let pathToken = advance()
            var path = ""
            for part in parts {
                guard case .text(let text) = part else {
                    throw failure("an import path cannot contain interpolation", at: pathToken.span)
                }
                path += text
            }
            statement = .importStatement(path: path, start.to(pathToken.span))
        } else if isModelBlockStart() {
            statement = try parseModelBlock()
        } else {
            let expression = try parseExpression()
            if match(.equal) {
                switch expression {
                case .variable, .index, .field: break
                default:
                    throw failure("cannot assign to this expression", at: expression.span,
                                  hint: "only names, list elements (xs[i]) and record fields (r.f) can be assigned")
                }
                skipNewlines()
                let value = try parseExpression()
                statement = .assignment(target: expression, value, expression.span.to(value.span))
            } else {
                let displays = !check(.semicolon)
                statement = .expression(expression, displays: displays)
            }
        }
        // A statement ends at a newline, `;`, `}` or the end of input.
        if !(atNewline || check(.semicolon) || check(.rightBrace) || isAtEnd) {
            throw failure("expected end of statement, found \(describe(peek))", at: peek.span,
                          hint: "put each statement on its own line or separate them with ';'")
        }
        return statement
    }

    private mutating func parseBlock(_ context: String) throws -> Block {
        let open = try expect(.leftBrace, context)
        return try nested(at: open.span) { parser in
            var statements: [Statement] = []
            parser.skipSeparators()
            while !parser.check(.rightBrace) {
                if parser.isAtEnd {
                    throw parser.failure("unclosed '{': expected '}' before end of input", at: open.span)
                }
                if let statement = parser.parseStatementRecovering() { statements.append(statement) }
                parser.skipSeparators()
            }
            let close = parser.advance()
            return Block(statements: statements, span: open.span.to(close.span))
        }
    }

    /// After `fn` (and the name when `named`): parameters and a body `{ … }` or `=> expression`.
    private mutating func parseFunctionRest(start: Span, named: Bool) throws -> FunctionDeclaration {
        var name: String? = nil
        if named { name = advance().text }
        _ = try expect(.leftParen, "to start the parameter list")
        var parameters: [Parameter] = []
        var seenDefault = false
        if !check(.rightParen) {
            repeat {
                let parameter = try expectIdentifier("for a parameter")
                var defaultValue: Expression? = nil
                if match(.colon) {
                    defaultValue = try parseExpression()
                    seenDefault = true
                } else if seenDefault {
                    throw failure("parameter '\(parameter.text)' needs a default value because an earlier one has one",
                                  at: parameter.span)
                }
                if parameters.contains(where: { $0.name == parameter.text }) {
                    throw failure("duplicate parameter '\(parameter.text)'", at: parameter.span)
                }
                parameters.append(Parameter(name: parameter.text, defaultValue: defaultValue, span: parameter.span))
            } while match(.comma)
        }
        _ = try expect(.rightParen, "to close the parameter list")
        let body: Block
        if match(.arrow) {
            skipNewlines()
            let expression = try parseExpression()
            body = Block(statements: [.expression(expression, displays: false)], span: expression.span)
        } else {
            body = try parseBlock("for the function body (or '=> expression')")
        }
        return FunctionDeclaration(name: name, parameters: parameters, body: body, span: start.to(body.span))
    }

    // MARK: - Expressions (lowest precedence first)

    mutating func parseExpression() throws -> Expression {
        try nested(at: peek.span) { parser in try parser.parseOr() }
    }

    private mutating func parseOr() throws -> Expression {
        var left = try parseAnd()
        while match(.or) {
            skipNewlines()
            let right = try parseAnd()
            left = .logical(isAnd: false, left, right, left.span.to(right.span))
        }
        return left
    }

    private mutating func parseAnd() throws -> Expression {
        var left = try parseNot()
        while match(.and) {
            skipNewlines()
            let right = try parseNot()
            left = .logical(isAnd: true, left, right, left.span.to(right.span))
        }
        return left
    }

    private mutating func parseNot() throws -> Expression {
        if check(.not) {
            let start = advance().span
            let operand = try nested(at: start) { parser in try parser.parseNot() }
            return .unary(.not, operand, start.to(operand.span))
        }
        return try parseComparison()
    }

    private static let comparisons: [Symbol: BinaryOperator] = [
        .equalEqual: .equal, .bangEqual: .notEqual, .less: .less, .lessEqual: .lessEqual,
        .greater: .greater, .greaterEqual: .greaterEqual,
    ]

    private mutating func parseComparison() throws -> Expression {
        var left = try parseRange()
        while case .symbol(let symbol) = peek.kind, let op = Parser.comparisons[symbol] {
            let operatorSpan = advance().span
            skipNewlines()
            let right = try parseRange()
            left = .binary(op, left, right, operatorSpan: operatorSpan, left.span.to(right.span))
        }
        return left
    }

    private mutating func parseRange() throws -> Expression {
        let left = try parseAdditive()
        if check(.dotDot) || check(.dotDotLess) {
            let inclusive = check(.dotDot)
            advance()
            let right = try parseAdditive()
            return .range(left, right, inclusive: inclusive, left.span.to(right.span))
        }
        return left
    }

    mutating func parseAdditive() throws -> Expression {
        var left = try parseMultiplicative()
        while check(.plus) || check(.minus) {
            let token = advance()
            let op: BinaryOperator = token.text == "+" ? .add : .subtract
            skipNewlines()
            let right = try parseMultiplicative()
            left = .binary(op, left, right, operatorSpan: token.span, left.span.to(right.span))
        }
        return left
    }

    private mutating func parseMultiplicative() throws -> Expression {
        var left = try parseUnary()
        while check(.star) || check(.slash) || check(.percent) {
            let token = advance()
            let op: BinaryOperator = token.text == "*" ? .multiply : token.text == "/" ? .divide : .remainder
            skipNewlines()
            let right = try parseUnary()
            left = .binary(op, left, right, operatorSpan: token.span, left.span.to(right.span))
        }
        return left
    }

    private mutating func parseUnary() throws -> Expression {
        if check(.minus) {
            let start = advance().span
            let operand = try nested(at: start) { parser in try parser.parseUnary() }
            return .unary(.negate, operand, start.to(operand.span))
        }
        return try parsePower()
    }

    /// `^` binds tighter than unary minus and associates to the right: `-2^2` is -4, `2^3^2` is 512.
    private mutating func parsePower() throws -> Expression {
        let base = try parsePostfix()
        if check(.caret) {
            let operatorSpan = advance().span
            skipNewlines()
            let exponent = try nested(at: operatorSpan) { parser in try parser.parseUnary() }
            return .binary(.power, base, exponent, operatorSpan: operatorSpan, base.span.to(exponent.span))
        }
        return base
    }

    mutating func parsePostfix() throws -> Expression {
        var expression = try parsePrimary()
        while true {
            if check(.leftParen) {
                let openParen = advance()
                var arguments: [Argument] = []
                if !check(.rightParen) {
                    repeat {
                        if check(.rightParen) { break }  // trailing comma
                        let argumentStart = peek.span
                        var label: String? = nil
                        if case .identifier(let name) = peek.kind, case .symbol(.colon) = tokens[current + 1].kind {
                            label = name
                            advance(); advance()
                        }
                        let value = try parseExpression()
                        if let label, arguments.contains(where: { $0.label == label }) {
                            throw failure("argument '\(label)' is given twice", at: argumentStart.to(value.span))
                        }
                        arguments.append(Argument(label: label, value: value, span: argumentStart.to(value.span)))
                    } while match(.comma)
                }
                let close = try expect(.rightParen, "to close the argument list", opener: openParen)
                expression = .call(expression, arguments, expression.span.to(close.span))
            } else if match(.leftBracket) {
                let index = try parseExpression()
                let close = try expect(.rightBracket, "after the index")
                expression = .index(expression, index, expression.span.to(close.span))
            } else if check(.dot), case .identifier(let name) = tokens[current + 1].kind {
                advance()
                let nameToken = advance()
                expression = .field(expression, name, expression.span.to(nameToken.span))
            } else if check(.dot) {
                advance()
                throw failure("expected a field name after '.', found \(describe(peek))", at: peek.span)
            } else {
                return expression
            }
        }
    }

    private mutating func parsePrimary() throws -> Expression {
        let token = peek
        switch token.kind {
        case .number(let value):
            advance()
            return try parseUnitSuffix(value: value, start: token.span)
        case .string(let parts):
            advance()
            return .string(try interpolate(parts), token.span)
        case .keyword(.true): advance(); return .boolean(true, token.span)
        case .keyword(.false): advance(); return .boolean(false, token.span)
        case .keyword(.nil): advance(); return .nilLiteral(token.span)
        case .keyword(.fn):
            advance()
            if case .identifier = peek.kind {
                throw failure("a named function is a statement; use 'fn(…)' for a function value", at: peek.span)
            }
            return .function(try parseFunctionRest(start: token.span, named: false))
        case .keyword(.if):
            return try parseConditional()
        case .identifier(let name):
            if isClaimStart() { return try parseClaim() }
            advance()
            return .variable(name, token.span)
        case .symbol(.leftParen):
            advance()
            let inner = try parseExpression()
            _ = try expect(.rightParen, "to close '('", opener: token)
            return inner
        case .symbol(.leftBracket):
            advance()
            var elements: [Expression] = []
            while !check(.rightBracket) {
                elements.append(try parseExpression())
                if !match(.comma) { break }
            }
            let close = try expect(.rightBracket, "to close the list", hint: "separate elements with ','", opener: token)
            return .list(elements, token.span.to(close.span))
        case .symbol(.leftBrace):
            return try parseRecord()
        case .end:
            throw failure("expected an expression, found \(describe(token))", at: endOfInputSpan)
        case .newline:
            throw failure("expected an expression, found \(describe(token))", at: token.span)
        default:
            throw failure("expected an expression, found \(describe(token))", at: token.span)
        }
    }

    /// `3.7 pJ`, `37 GB/s`: a unit name right after a number literal makes a quantity. A compound unit is
    /// written without spaces (`GB/s`); `10 J / s` divides by a variable `s`.
    private mutating func parseUnitSuffix(value: Double, start: Span) throws -> Expression {
        guard case .identifier(let symbol) = peek.kind, UnitTable.unit(named: symbol) != nil else {
            return .number(value, start)
        }
        var end = advance().span
        var unit = symbol
        if check(.slash), peek.span.start == end.end, case .identifier(let denominator) = tokens[current + 1].kind,
           tokens[current + 1].span.start == peek.span.end, UnitTable.unit(named: denominator) != nil {
            advance()
            end = advance().span
            unit += "/" + denominator
        }
        return .quantity(value, unit: unit, start.to(end))
    }

    private mutating func parseRecord() throws -> Expression {
        let open = advance()
        var fields: [(name: String, value: Expression)] = []
        skipNewlines()
        while !check(.rightBrace) {
            let nameToken = peek
            let name: String
            switch nameToken.kind {
            case .identifier(let identifier): name = identifier
            case .keyword(let keyword): name = keyword.rawValue
            case .string(let parts):
                guard parts.count <= 1, case .text(let text) = parts.first ?? .text("") else {
                    throw failure("a record field name cannot contain interpolation", at: nameToken.span)
                }
                name = text
            default:
                throw failure("expected a field name in record, found \(describe(nameToken))", at: nameToken.span,
                              hint: "records look like {name: \"q8\", bits: 8}")
            }
            advance()
            _ = try expect(.colon, "after the field name '\(name)'")
            skipNewlines()
            let value = try parseExpression()
            if fields.contains(where: { $0.name == name }) {
                throw failure("field '\(name)' appears twice in this record", at: nameToken.span)
            }
            fields.append((name, value))
            skipNewlines()
            if !match(.comma) { break }
            skipNewlines()
        }
        skipNewlines()
        let close = try expect(.rightBrace, "to close the record", hint: "separate fields with ','", opener: open)
        return .record(fields, open.span.to(close.span))
    }

    private mutating func parseConditional() throws -> Expression {
        let start = advance().span
        let condition = try parseExpression()
        let thenBlock = try parseBlock("after the 'if' condition")
        var elseBranch: Expression? = nil
        // `else` may sit on the next line after `}`.
        let save = current
        skipNewlines()
        if match(.else) {
            if check(.if) {
                elseBranch = try nested(at: start) { parser in try parser.parseConditional() }
            } else {
                elseBranch = .block(try parseBlock("after 'else'"))
            }
        } else {
            current = save
        }
        return .conditional(condition, thenBlock, elseBranch: elseBranch, start.to(elseBranch?.span ?? thenBlock.span))
    }

    private mutating func interpolate(_ parts: [StringPart]) throws -> [InterpolatedPart] {
        try parts.map { part in
            switch part {
            case .text(let text): return .text(text)
            case .interpolation(let start, let end):
                var inner = Parser(file: file, start: start, end: end)
                inner.depth = depth
                let expression = inner.parseSingleExpression()
                if let first = inner.diagnostics.first { throw Failure(diagnostic: first) }
                guard let expression else {
                    throw failure("empty interpolation in string", at: Span(file: file, start: start - 2, end: end + 1))
                }
                return .expression(expression)
            }
        }
    }
}
