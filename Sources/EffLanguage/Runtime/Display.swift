import Foundation
import EffUnits

/// Text forms of values: `display` for the prompt and scripts (strings quoted), `text` for print and interpolation.
extension Value {
    /// How lists beyond this many elements are shortened on display.
    static let displayedElementLimit = 100

    /// How deeply nested lists and records are shown before the rest is elided as `[…]` (this also keeps
    /// display from overflowing the stack on values nested hundreds of thousands deep).
    static let displayedDepthLimit = 64

    public func display(_ context: DisplayContext = DisplayContext()) -> String {
        display(context, depth: 0)
    }

    /// What a top-level expression and `show` print: `display`, except that a record or list too wide for
    /// the output puts one field or element on each line (each still on one line of its own).
    public func displayBlock(_ context: DisplayContext = DisplayContext()) -> String {
        let line = display(context)
        guard line.count > context.width else { return line }
        switch self {
        case .record(let record) where !record.fields.isEmpty:
            return "{" + record.fields.map { "\(Value.fieldLabel($0.name)): \($0.value.display(context, depth: 1))" }
                .joined(separator: ",\n ") + "}"
        case .list(let values) where values.contains(where: \.isCompound):
            var parts = values.prefix(Value.displayedElementLimit).map { $0.display(context, depth: 1) }
            if values.count > Value.displayedElementLimit { parts.append("… (\(values.count) items)") }
            return "[" + parts.joined(separator: ",\n ") + "]"
        default:
            return line
        }
    }

    /// Records and lists (what `displayBlock` breaks over lines when they are elements of a wide list).
    var isCompound: Bool {
        switch self {
        case .record, .list: return true
        default: return false
        }
    }

    /// Plain text: what `print` writes and `\(x)` inserts.
    public func text(_ context: DisplayContext = DisplayContext()) -> String {
        text(context, depth: 0)
    }

    private func display(_ context: DisplayContext, depth: Int) -> String {
        switch self {
        case .string(let text): return Value.quoted(text)
        default: return text(context, depth: depth)
        }
    }

    private func text(_ context: DisplayContext, depth: Int) -> String {
        switch self {
        case .nilValue: return "nil"
        case .bool(let value): return value ? "true" : "false"
        case .number(let value): return QuantityFormatter.formatNumber(value)
        case .quantity(let quantity): return QuantityFormatter.format(quantity, digits: context.digits)
        case .string(let text): return text
        case .list(let values):
            if values.isEmpty { return "[]" }
            if depth >= Value.displayedDepthLimit { return "[…]" }
            var parts = values.prefix(Value.displayedElementLimit).map { $0.display(context, depth: depth + 1) }
            if values.count > Value.displayedElementLimit {
                parts.append("… (\(values.count) items)")
            }
            return "[" + parts.joined(separator: ", ") + "]"
        case .record(let record):
            if record.fields.isEmpty { return "{}" }
            if depth >= Value.displayedDepthLimit { return "{…}" }
            return "{" + record.fields.map { field in
                "\(Value.fieldLabel(field.name)): \(field.value.display(context, depth: depth + 1))"
            }.joined(separator: ", ") + "}"
        case .range(let lower, let upper, let inclusive):
            return "\(lower)\(inclusive ? ".." : "..<")\(upper)"
        case .function(let closure):
            let parameters = closure.declaration.parameters.map(\.name).joined(separator: ", ")
            return closure.declaration.name == nil ? "<fn(\(parameters))>" : "<fn \(closure.name)(\(parameters))>"
        case .builtin(let builtin):
            return "<builtin \(builtin.signature)>"
        case .object(let object):
            return object.display(context)
        }
    }

    /// A record field's name as written back in eff: bare when it is a name, quoted otherwise.
    static func fieldLabel(_ name: String) -> String {
        guard let first = name.unicodeScalars.first,
              first == "_" || CharacterSet.letters.contains(first),
              name.unicodeScalars.allSatisfy({ $0 == "_" || CharacterSet.alphanumerics.contains($0) }),
              Keyword(rawValue: name) == nil
        else { return quoted(name) }
        return name
    }

    static func quoted(_ text: String) -> String {
        var result = "\""
        for character in text {
            switch character {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            default: result.append(character)
            }
        }
        return result + "\""
    }
}

/// Structural equality, used by `==` and tests.
extension Value {
    /// Iterative (a worklist, not recursion), so values nested arbitrarily deep compare without
    /// overflowing the stack.
    func isEqual(to other: Value) -> Bool {
        var pending: [(Value, Value)] = [(self, other)]
        while let (left, right) = pending.popLast() {
            switch (left, right) {
            case (.nilValue, .nilValue): continue
            case (.bool(let a), .bool(let b)): if a != b { return false }
            case (.number(let a), .number(let b)): if a != b { return false }
            case (.quantity(let a), .quantity(let b)):
                if a.dimension != b.dimension || a.value != b.value { return false }
            case (.string(let a), .string(let b)): if a != b { return false }
            case (.list(let a), .list(let b)):
                guard a.count == b.count else { return false }
                pending.append(contentsOf: zip(a, b))
            case (.record(let a), .record(let b)):
                guard a.fields.count == b.fields.count else { return false }
                for field in a.fields {
                    guard let value = b[field.name] else { return false }
                    pending.append((field.value, value))
                }
            case (.range(let a1, let a2, let a3), .range(let b1, let b2, let b3)):
                if a1 != b1 || a2 != b2 || a3 != b3 { return false }
            case (.function(let a), .function(let b)): if a !== b { return false }
            case (.builtin(let a), .builtin(let b)): if a.name != b.name { return false }
            case (.object(let a), .object(let b)): if a !== b { return false }
            default: return false
            }
        }
        return true
    }
}
