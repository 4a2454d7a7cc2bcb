/// The syntax tree the parser builds and the resolver and interpreter walk.

indirect enum Expression {
    case number(Double, Span)
    /// A literal with a unit: `3.7 pJ`, `37 GB/s`.
    case quantity(Double, unit: String, Span)
    case string([InterpolatedPart], Span)
    case boolean(Bool, Span)
    case nilLiteral(Span)
    case variable(String, Span)
    case list([Expression], Span)
    case record([(name: String, value: Expression)], Span)
    case range(Expression, Expression, inclusive: Bool, Span)
    case unary(UnaryOperator, Expression, Span)
    case binary(BinaryOperator, Expression, Expression, operatorSpan: Span, Span)
    case logical(isAnd: Bool, Expression, Expression, Span)
    case call(Expression, [Argument], Span)
    case index(Expression, Expression, Span)
    case field(Expression, String, Span)
    case function(FunctionDeclaration)
    case conditional(Expression, Block, elseBranch: Expression?, Span)
    /// A `{ … }` block used as the else branch of an `if`.
    case block(Block)

    var span: Span {
        switch self {
        case .number(_, let span), .quantity(_, _, let span), .string(_, let span), .boolean(_, let span),
             .nilLiteral(let span), .variable(_, let span), .list(_, let span), .record(_, let span),
             .range(_, _, _, let span), .unary(_, _, let span), .binary(_, _, _, _, let span),
             .logical(_, _, _, let span), .call(_, _, let span), .index(_, _, let span), .field(_, _, let span),
             .conditional(_, _, _, let span):
            return span
        case .function(let declaration): return declaration.span
        case .block(let block): return block.span
        }
    }
}

enum InterpolatedPart {
    case text(String)
    case expression(Expression)
}

enum UnaryOperator: String { case negate = "-", not = "not" }

enum BinaryOperator: String {
    case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%", power = "^"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
}

struct Argument {
    let label: String?
    let value: Expression
    let span: Span
}

struct Block {
    let statements: [Statement]
    let span: Span
}

struct Parameter {
    let name: String
    let defaultValue: Expression?
    let span: Span
}

/// A function literal or declaration: `fn area(w, h: 2) { w * h }`, `fn(x) => x * 2`.
final class FunctionDeclaration {
    let name: String?
    let parameters: [Parameter]
    let body: Block
    let span: Span

    init(name: String?, parameters: [Parameter], body: Block, span: Span) {
        self.name = name
        self.parameters = parameters
        self.body = body
        self.span = span
    }
}

indirect enum Statement {
    /// `displays` is false when the statement ends with `;`.
    case expression(Expression, displays: Bool)
    case letBinding(name: String, Expression, nameSpan: Span, Span)
    case assignment(target: Expression, Expression, Span)
    case function(FunctionDeclaration)
    case forLoop(variable: String, Expression, Block, Span)
    case whileLoop(Expression, Block, Span)
    case returnStatement(Expression?, Span)
    case breakStatement(Span)
    case continueStatement(Span)
    case importStatement(path: String, Span)

    var span: Span {
        switch self {
        case .expression(let expression, _): return expression.span
        case .letBinding(_, _, _, let span), .assignment(_, _, let span), .forLoop(_, _, _, let span),
             .whileLoop(_, _, let span), .returnStatement(_, let span), .breakStatement(let span),
             .continueStatement(let span), .importStatement(_, let span):
            return span
        case .function(let declaration): return declaration.span
        }
    }
}
