/// The domain forms: sugar over builtin calls, recognised by context so `model` and `claim`
/// remain ordinary names elsewhere.
///
///     model baseline {            let baseline = model(name: "baseline", input: 64, layers: [
///       input 64                     {kind: "dense", arguments: [256, "relu"]},
///       dense 256, relu       →      {kind: "dense", arguments: [10]}])
///       dense 10
///     }
///
/// The parser knows no layer kinds: every line but `input N` becomes a `{kind, arguments}` record, and the
/// `model` builtin (EffLab) checks kinds and arguments against its layer registry. A sequence model's
/// `block KIND(field: value, …)` line becomes `{kind: "block", block: KIND, fields: {field: value, …}}`
/// (its kinds are checked against the block registry the same way).
///
///     claim tern vs base on test: energy <= 1/100 and accuracy >= 0
///       → claim(tern, base, test, [{metric: "energy", relation: "<=", bound: 1/100},
///                                  {metric: "accuracy", relation: ">=", bound: 0}])
extension Parser {
    /// The relations a claim condition may use.
    static let claimRelations: [Symbol: String] = [.lessEqual: "<=", .less: "<", .greaterEqual: ">=", .greater: ">"]

    func isModelBlockStart() -> Bool {
        guard case .identifier("model") = peek.kind, case .identifier = tokens[current + 1].kind,
              case .symbol(.leftBrace) = tokens[current + 2].kind else { return false }
        return true
    }

    func isClaimStart() -> Bool {
        guard case .identifier("claim") = peek.kind, case .identifier = tokens[current + 1].kind else { return false }
        return true
    }

    /// `model NAME { input N; LAYER args… }` as a `let` of a `model(...)` call.
    mutating func parseModelBlock() throws -> Statement {
        let start = advance().span
        let nameToken = advance()
        let name = nameToken.text
        let open = advance()
        var input: Expression? = nil
        var layers: [Expression] = []
        skipSeparators()
        while !check(.rightBrace) {
            if isAtEnd { throw failure("unclosed model block: expected '}'", at: open.span) }
            // A broken line ends the whole block, so its '}' is not reported again as a stray brace.
            do {
                try parseModelLine(&input, &layers)
            } catch {
                skipPastClosingBrace()
                throw error
            }
            skipSeparators()
        }
        let close = advance()
        let span = start.to(close.span)
        guard let input else {
            throw failure("model '\(name)' needs an 'input N' line giving the number of features "
                + "(for a sequence model: the vocabulary size, e.g. input data.vocabulary)", at: span)
        }
        let call = Expression.call(.variable("model", start), [
            Argument(label: "name", value: .string([.text(name)], nameToken.span), span: nameToken.span),
            Argument(label: "input", value: input, span: input.span),
            Argument(label: "layers", value: .list(layers, span), span: span),
        ], span)
        return .letBinding(name: name, call, nameSpan: nameToken.span, span)
    }

    /// One line of a `model { }` block: `input N`, `block KIND(…)` or a layer with its arguments.
    private mutating func parseModelLine(_ input: inout Expression?, _ layers: inout [Expression]) throws {
        guard case .identifier(let kind) = peek.kind else {
            throw failure("expected 'input N' or a layer (a kind and its arguments), found \(describe(peek))", at: peek.span)
        }
        let kindToken = advance()
        if kind == "block" {
            layers.append(try parseBlockLine(kindToken))
            return
        }
        var arguments: [Expression] = []
        if !(atNewline || check(.semicolon) || check(.rightBrace)) {
            repeat {
                // A bare name such as `relu` is passed as a name (a string), not read as a variable.
                if case .identifier(let word) = peek.kind, !isCallOrAccessAhead() {
                    arguments.append(.string([.text(word)], advance().span))
                } else {
                    arguments.append(try parseExpression())
                }
            } while match(.comma)
        }
        if kind == "input" {
            guard arguments.count == 1 else {
                throw failure("'input' takes one number, the number of input features", at: kindToken.span)
            }
            input = arguments[0]
        } else {
            layers.append(.record([("kind", .string([.text(kind)], kindToken.span)),
                                   ("arguments", .list(arguments, kindToken.span))], kindToken.span))
        }
    }

    /// After an error inside a `model { }` block: skips to just past the `}` that closes it.
    private mutating func skipPastClosingBrace() {
        var depth = 0
        while !isAtEnd {
            if check(.leftBrace) { depth += 1 }
            if check(.rightBrace) {
                if depth == 0 {
                    advance()
                    return
                }
                depth -= 1
            }
            advance()
        }
    }

    /// `block KIND(field: value, …)` in a sequence model as `{kind: "block", block: KIND, fields: {field: value, …}}`;
    /// field values are expressions (quote names: `activation: "gelu"`), and the `model` builtin checks kinds and
    /// fields against the block registry.
    private mutating func parseBlockLine(_ blockToken: Token) throws -> Expression {
        let hint = "write e.g. block attention(heads: 4) or block ffn(hidden: 256)"
        guard case .identifier(let kind) = peek.kind else {
            throw failure("expected a block kind after 'block', found \(describe(peek))", at: peek.span, hint: hint)
        }
        let kindToken = advance()
        var fields: [(name: String, value: Expression)] = []
        var end = kindToken.span
        if check(.leftParen) {
            let open = advance()
            skipNewlines()
            while !check(.rightParen) {
                guard case .identifier(let field) = peek.kind, case .symbol(.colon) = tokens[current + 1].kind else {
                    throw failure("expected a named field such as 'heads: 4' in block \(kind)(…), found \(describe(peek))",
                                  at: peek.span, hint: hint)
                }
                let fieldToken = advance()
                advance()
                if fields.contains(where: { $0.name == field }) {
                    throw failure("field '\(field)' is given twice in block \(kind)(…)", at: fieldToken.span)
                }
                fields.append((field, try parseExpression()))
                skipNewlines()
                if !match(.comma) { break }
                skipNewlines()
            }
            end = try expect(.rightParen, "to close block \(kind)(…)", opener: open).span
        }
        let span = blockToken.span.to(end)
        return .record([("kind", .string([.text("block")], blockToken.span)),
                        ("block", .string([.text(kind)], kindToken.span)),
                        ("fields", .record(fields, span))], span)
    }

    private func isCallOrAccessAhead() -> Bool {
        if case .symbol(let symbol) = tokens[current + 1].kind {
            return [.leftParen, .dot, .leftBracket, .plus, .minus, .star, .slash, .caret].contains(symbol)
        }
        return false
    }

    /// `claim A vs B on DATA: METRIC REL BOUND and …` as a `claim(...)` call.
    mutating func parseClaim() throws -> Expression {
        let start = advance().span
        let candidate = try parsePostfix()
        try expectWord("vs", "after the claimed system", hint: "write: claim new vs baseline on data: energy <= 1/100")
        let baseline = try parsePostfix()
        try expectWord("on", "after the baseline", hint: "name the test data: claim a vs b on parts.test: …")
        let data = try parsePostfix()
        _ = try expect(.colon, "before the claim's conditions")
        var conditions: [Expression] = []
        repeat {
            skipNewlines()
            guard case .identifier(let metric) = peek.kind else {
                throw failure("expected a metric (energy, latency, accuracy, perplexity), found \(describe(peek))", at: peek.span)
            }
            let metricToken = advance()
            guard case .symbol(let symbol) = peek.kind, let relation = Parser.claimRelations[symbol] else {
                throw failure("expected <=, <, >= or > after '\(metric)', found \(describe(peek))", at: peek.span)
            }
            advance()
            let bound = try parseAdditive()
            let span = metricToken.span.to(bound.span)
            conditions.append(.record([
                ("metric", .string([.text(metric)], metricToken.span)),
                ("relation", .string([.text(relation)], span)),
                ("bound", bound),
            ], span))
        } while match(.and)
        let span = start.to(conditions.last?.span ?? start)
        return .call(.variable("claim", start), [
            Argument(label: nil, value: candidate, span: candidate.span),
            Argument(label: nil, value: baseline, span: baseline.span),
            Argument(label: nil, value: data, span: data.span),
            Argument(label: nil, value: .list(conditions, span), span: span),
        ], span)
    }

    private mutating func expectWord(_ word: String, _ context: String, hint: String) throws {
        if case .identifier(word) = peek.kind { advance(); return }
        throw failure("expected '\(word)' \(context), found \(describe(peek))", at: peek.span, hint: hint)
    }
}
