import EffUnits

/// Operators on values, with dimension checks for quantities.
enum Arithmetic {
    /// The largest string `+` builds (a doubling loop would otherwise exhaust memory within 40 steps).
    static let maximumStringBytes = 256 << 20
    /// The largest list `+` builds (elements; the same bound as a range made into a list).
    static let maximumListCount = Value.maximumRangeCount

    static func unary(_ op: UnaryOperator, _ operand: Value, at span: Span) throws -> Value {
        switch (op, operand) {
        case (.negate, .number(let value)): return .number(-value)
        case (.negate, .quantity(var quantity)):
            quantity.value = -quantity.value
            return .quantity(quantity)
        case (.not, .bool(let flag)): return .bool(!flag)
        case (.negate, _):
            throw Diagnostic(.runtime, "cannot negate \(operand.typeName)", at: span)
        case (.not, _):
            throw Diagnostic(.runtime, "'not' needs true or false, got \(operand.typeName)", at: span)
        }
    }

    /// A number or quantity as (base-unit value, dimension).
    private static func magnitude(_ value: Value) -> (Double, Dimension)? {
        switch value {
        case .number(let number): return (number, .none)
        case .quantity(let quantity): return (quantity.value, quantity.dimension)
        default: return nil
        }
    }

    private static func describe(_ dimension: Dimension) -> String {
        dimension.isDimensionless ? "a plain number" : "\(dimension.name) (\(unitExample(dimension)))"
    }

    private static func unitExample(_ dimension: Dimension) -> String {
        QuantityFormatter.displayParts(Quantity(1, dimension)).unit
    }

    static func binary(_ op: BinaryOperator, _ left: Value, _ right: Value,
                       operatorSpan: Span, span: Span, rightSpan: Span) throws -> Value {
        switch op {
        case .equal, .notEqual:
            // Comparing an energy with a time is a mistake, not a false: the same error as for '<'.
            if let (_, dimensionA) = magnitude(left), let (_, dimensionB) = magnitude(right), dimensionA != dimensionB {
                throw Diagnostic(.runtime, "cannot compare \(describe(dimensionA)) with \(describe(dimensionB))", at: span,
                                 hint: mismatchHint(dimensionA, dimensionB))
            }
            return .bool(left.isEqual(to: right) == (op == .equal))
        case .less, .lessEqual, .greater, .greaterEqual:
            return .bool(try compare(op, left, right, span: span))
        default: break
        }
        if case .string(let a) = left, case .string(let b) = right, op == .add {
            let bytes = a.utf8.count + b.utf8.count
            guard bytes <= maximumStringBytes else {
                throw Diagnostic(.runtime, "the joined string would be \(bytes) bytes, more than a string may hold "
                                 + "(\(maximumStringBytes >> 20) MiB)", at: span)
            }
            return .string(a + b)
        }
        if case .list(let a) = left, case .list(let b) = right, op == .add {
            guard a.count + b.count <= maximumListCount else {
                throw Diagnostic(.runtime, "the joined list would have \(a.count + b.count) elements, more than a list "
                                 + "may hold (\(maximumListCount))", at: span)
            }
            return .list(a + b)
        }
        guard let (a, dimensionA) = magnitude(left), let (b, dimensionB) = magnitude(right) else {
            let hint: String? = (op == .add && (isString(left) || isString(right)))
                ? "to build text from values use interpolation: \"total: \\(x)\"" : nil
            throw Diagnostic(.runtime, "cannot apply '\(op.rawValue)' to \(left.typeName) and \(right.typeName)",
                             at: span, hint: hint)
        }
        switch op {
        case .add, .subtract, .remainder:
            guard dimensionA == dimensionB else {
                let verb = op == .add ? "add" : op == .subtract ? "subtract" : "take the remainder of"
                let connector = op == .subtract ? "from" : "and"
                let (first, second) = op == .subtract ? (describe(dimensionB), describe(dimensionA))
                    : (describe(dimensionA), describe(dimensionB))
                throw Diagnostic(.runtime, "cannot \(verb) \(first) \(connector) \(second)", at: span,
                                 hint: mismatchHint(dimensionA, dimensionB))
            }
            if op == .remainder, b == 0 { throw Diagnostic(.runtime, "remainder by zero", at: rightSpan) }
            let value = op == .add ? a + b : op == .subtract ? a - b : a.truncatingRemainder(dividingBy: b)
            return try finite(Value.make(Quantity(value, dimensionA)), span)
        case .multiply:
            guard let dimension = dimensionA.multiplied(by: dimensionB) else { throw overflow(span) }
            return try finite(Value.make(Quantity(a * b, dimension)), span)
        case .divide:
            guard b != 0 else {
                throw Diagnostic(.runtime, "division by zero", at: rightSpan)
            }
            guard let dimension = dimensionA.divided(by: dimensionB) else { throw overflow(span) }
            return try finite(Value.make(Quantity(a / b, dimension)), span)
        case .power:
            guard dimensionB.isDimensionless else {
                throw Diagnostic(.runtime, "an exponent must be a plain number, got \(describe(dimensionB))", at: rightSpan)
            }
            if dimensionA.isDimensionless { return try finite(.number(Foundation.pow(a, b)), span) }
            guard b == b.rounded(), abs(b) <= 100, let dimension = dimensionA.raised(to: Int(b)) else {
                throw Diagnostic(.runtime, "a quantity can only be raised to a small whole power", at: rightSpan)
            }
            return try finite(Value.make(Quantity(Foundation.pow(a, b), dimension)), span)
        default:
            throw Diagnostic(.runtime, "unsupported operator '\(op.rawValue)'", at: operatorSpan)
        }
    }

    private static func isString(_ value: Value) -> Bool { if case .string = value { return true } else { return false } }

    private static func overflow(_ span: Span) -> Diagnostic {
        Diagnostic(.runtime, "unit exponent overflow", at: span)
    }

    /// Arithmetic that overflowed to infinity or produced NaN is reported, not silently carried on.
    private static func finite(_ value: Value, _ span: Span) throws -> Value {
        if let (number, _) = magnitude(value), !number.isFinite {
            throw Diagnostic(.runtime, number.isNaN ? "result is not a number (nan)" : "result is too large (overflows to infinity)",
                             at: span)
        }
        return value
    }

    private static func mismatchHint(_ a: Dimension, _ b: Dimension) -> String? {
        let pair = Set([a, b])
        if pair == [.energy, .time] { return "energy / time is power (W); power * time is energy (J)" }
        if pair == [.energy, .power] { return "power * time is energy; energy / time is power" }
        if pair == [.data, .time] { return "data / time is bandwidth (B/s)" }
        if a.isDimensionless || b.isDimensionless {
            let unit = unitExample(a.isDimensionless ? b : a)
            return "give the plain number a unit, e.g. 2 \(unit)"
        }
        return nil
    }

    private static func compare(_ op: BinaryOperator, _ left: Value, _ right: Value, span: Span) throws -> Bool {
        let ordering: Bool
        switch (left, right) {
        case (.string(let a), .string(let b)):
            ordering = op == .less ? a < b : op == .lessEqual ? a <= b : op == .greater ? a > b : a >= b
            return ordering
        default: break
        }
        guard let (a, dimensionA) = magnitude(left), let (b, dimensionB) = magnitude(right) else {
            throw Diagnostic(.runtime, "cannot compare \(left.typeName) and \(right.typeName) with '\(op.rawValue)'", at: span)
        }
        guard dimensionA == dimensionB else {
            throw Diagnostic(.runtime, "cannot compare \(describe(dimensionA)) with \(describe(dimensionB))", at: span,
                             hint: mismatchHint(dimensionA, dimensionB))
        }
        switch op {
        case .less: return a < b
        case .lessEqual: return a <= b
        case .greater: return a > b
        default: return a >= b
        }
    }
}

import Foundation
