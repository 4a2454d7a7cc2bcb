import EffUnits

/// Text forms of values: `display` for the prompt and scripts (strings quoted), `text` for print and interpolation.
extension Value {
    /// How lists beyond this many elements are shortened on display.
    static let displayedElementLimit = 100

    public func display(_ context: DisplayContext = DisplayContext()) -> String {
        switch self {
        case .string(let text): return Value.quoted(text)
        default: return text(context)
        }
    }

    /// Plain text: what `print` writes and `\(x)` inserts.
    public func text(_ context: DisplayContext = DisplayContext()) -> String {
        switch self {
        case .nilValue: return "nil"
        case .bool(let value): return value ? "true" : "false"
        case .number(let value): return QuantityFormatter.formatNumber(value)
        case .quantity(let quantity): return quantity.description
        case .string(let text): return text
        case .list(let values):
            var parts = values.prefix(Value.displayedElementLimit).map { $0.display(context) }
            if values.count > Value.displayedElementLimit {
                parts.append("… (\(values.count) items)")
            }
            return "[" + parts.joined(separator: ", ") + "]"
        case .record(let record):
            if record.fields.isEmpty { return "{}" }
            return "{" + record.fields.map { "\($0.name): \($0.value.display(context))" }.joined(separator: ", ") + "}"
        case .range(let lower, let upper, let inclusive):
            return "\(lower)\(inclusive ? ".." : "..<")\(upper)"
        case .function(let closure):
            return "<fn \(closure.name)(\(closure.declaration.parameters.map(\.name).joined(separator: ", ")))>"
        case .builtin(let builtin):
            return "<builtin \(builtin.signature)>"
        case .object(let object):
            return object.display(context)
        }
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
    func isEqual(to other: Value) -> Bool {
        switch (self, other) {
        case (.nilValue, .nilValue): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.quantity(let a), .quantity(let b)): return a.dimension == b.dimension && a.value == b.value
        case (.string(let a), .string(let b)): return a == b
        case (.list(let a), .list(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.isEqual(to: $1) }
        case (.record(let a), .record(let b)):
            return a.fields.count == b.fields.count
                && a.fields.allSatisfy { field in b[field.name].map { field.value.isEqual(to: $0) } ?? false }
        case (.range(let a1, let a2, let a3), .range(let b1, let b2, let b3)): return a1 == b1 && a2 == b2 && a3 == b3
        case (.function(let a), .function(let b)): return a === b
        case (.builtin(let a), .builtin(let b)): return a.name == b.name
        case (.object(let a), .object(let b)): return a === b
        default: return false
        }
    }
}
