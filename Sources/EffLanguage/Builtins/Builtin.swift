/// A function implemented in Swift, registered once with its signature, help and example.
///
/// The builtins registry (`Builtins.all`) is the single list that the interpreter, `eff --help`,
/// the prompt's `:help` and completion, and docs/language.md read.
public struct Builtin {
    public struct Parameter {
        public let name: String
        /// The value used when the argument is left out; nil means required.
        public let defaultValue: Value?
        /// Collects all remaining positional arguments as a list.
        public let isVariadic: Bool

        public static func required(_ name: String) -> Parameter {
            Parameter(name: name, defaultValue: nil, isVariadic: false)
        }
        public static func optional(_ name: String, _ defaultValue: Value = .nilValue) -> Parameter {
            Parameter(name: name, defaultValue: defaultValue, isVariadic: false)
        }
        public static func variadic(_ name: String) -> Parameter {
            Parameter(name: name, defaultValue: .list([]), isVariadic: true)
        }
    }

    public let name: String
    public let parameters: [Parameter]
    /// A topic for grouping in help: "core", "math", "lists", "units", "charts", …
    public let category: String
    /// One line: what it does.
    public let summary: String
    /// A short runnable example.
    public let example: String
    let body: (Arguments) throws -> Value

    public init(_ name: String, _ parameters: [Parameter], category: String, summary: String, example: String,
                body: @escaping (Arguments) throws -> Value) {
        self.name = name
        self.parameters = parameters
        self.category = category
        self.summary = summary
        self.example = example
        self.body = body
    }

    /// `name(a, b: default, values...)`
    public var signature: String {
        let parts = parameters.map { parameter -> String in
            if parameter.isVariadic { return parameter.name + "..." }
            guard let value = parameter.defaultValue else { return parameter.name }
            return "\(parameter.name): \(value.display())"
        }
        return "\(name)(\(parts.joined(separator: ", ")))"
    }
}

/// An error raised by a builtin; the interpreter adds the location of the call.
public struct RuntimeError: Error {
    public let message: String
    public let hint: String?
    /// Which argument was wrong, so the caret can point at it.
    public let argument: String?
    /// Which element of that argument was wrong, when the argument is written as a list literal (`[a, b]`).
    public let element: Int?

    public init(_ message: String, hint: String? = nil, argument: String? = nil) {
        self.message = message
        self.hint = hint
        self.argument = argument
        self.element = nil
    }

    public init(_ message: String, argument: String, element: Int, hint: String? = nil) {
        self.message = message
        self.hint = hint
        self.argument = argument
        self.element = element
    }
}

/// The arguments of one builtin call, bound to parameter names.
public struct Arguments {
    let values: [String: Value]
    let builtin: Builtin
    /// The interpreter, for builtins that call eff functions (map, filter, sort).
    let interpreter: Interpreter
    /// Where the builtin was called: errors in eff functions it calls back are reported from here.
    let callSpan: Span
    /// The parameters the call gave (by position or name), not filled in from defaults.
    var passed: Set<String> = []

    public func value(_ name: String) -> Value { values[name] ?? .nilValue }

    /// Whether the call itself gave `name` (a default, even a non-nil one, does not count): for builtins whose
    /// defaults depend on another argument, e.g. `train`'s batch size for MLPs and for sequence models.
    public func isPassed(_ name: String) -> Bool { passed.contains(name) }

    public func isGiven(_ name: String) -> Bool {
        if case .nilValue = value(name) { return false }
        return true
    }

    public func number(_ name: String) throws -> Double {
        let value = value(name)
        guard let number = value.numberValue else {
            throw RuntimeError("\(builtin.name): '\(name)' must be a number, got \(value.typeName)", argument: name)
        }
        return number
    }

    public func integer(_ name: String) throws -> Int {
        let number = try number(name)
        guard number == number.rounded(), abs(number) < 9e15 else {
            throw RuntimeError("\(builtin.name): '\(name)' must be a whole number, got \(Value.number(number).text())",
                               argument: name)
        }
        return Int(number)
    }

    public func string(_ name: String) throws -> String {
        guard case .string(let text) = value(name) else {
            throw RuntimeError("\(builtin.name): '\(name)' must be a string, got \(value(name).typeName)", argument: name)
        }
        return text
    }

    public func bool(_ name: String) throws -> Bool {
        guard case .bool(let flag) = value(name) else {
            throw RuntimeError("\(builtin.name): '\(name)' must be true or false, got \(value(name).typeName)",
                               argument: name)
        }
        return flag
    }

    /// A list, or the elements of a range.
    public func list(_ name: String) throws -> [Value] {
        let value = value(name)
        switch value {
        case .list(let values): return values
        case .range: return try value.listElements() ?? []
        default:
            throw RuntimeError("\(builtin.name): '\(name)' must be a list, got \(value.typeName)", argument: name)
        }
    }

    /// Calls an eff function value (closure or builtin) with positional arguments.
    public func call(_ function: Value, _ arguments: [Value]) throws -> Value {
        try interpreter.callValue(function, arguments, at: callSpan)
    }

    /// Writes a line to the program's output.
    public func write(_ text: String) { interpreter.output(text) }

    public var displayContext: DisplayContext { interpreter.displayContext }
}
