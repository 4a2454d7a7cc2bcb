import EffUnits
import Foundation

/// Control flow that unwinds through Swift frames.
private enum Unwind: Error {
    case returnValue(Value, Span)
    case breakLoop(Span)
    case continueLoop(Span)
}

/// A tree-walking interpreter over the resolved syntax tree.
public final class Interpreter {
    /// The deepest chain of eff function calls allowed (recursion without end becomes an error).
    public static let maximumCallDepth = 2_000
    /// Set from a signal handler (Ctrl-C); checked in loops and calls.
    nonisolated(unsafe) public static var interruptRequested = false

    let globals = Environment()
    /// Where `print` and top-level display write (one call per line, without the newline).
    var output: (String) -> Void
    var displayContext: DisplayContext
    /// Innermost last: the eff functions being run and where each was called from.
    private var callStack: [(function: String, span: Span)] = []
    /// Files imported so far, by absolute path (each runs once).
    private var importedFiles: Set<String> = []
    /// The last value displayed at top level (the prompt binds it to `ans`).
    public private(set) var lastValue: Value = .nilValue

    deinit { Value.dismantle(&lastValue) }

    /// The builtins this interpreter was started with (the registry help and completion read).
    let builtins: [Builtin]

    init(builtins: [Builtin], output: @escaping (String) -> Void, displayContext: DisplayContext) {
        self.builtins = builtins
        self.output = output
        self.displayContext = displayContext
        for builtin in builtins { globals.define(builtin.name, .builtin(builtin)) }
    }

    var globalNames: [String] { globals.names }

    func lookupGlobal(_ name: String) -> Value? { globals.lookup(name) }

    func defineGlobal(_ name: String, _ value: Value) { globals.define(name, value) }

    // MARK: - Statements

    /// Runs top-level statements; expression statements display their non-nil values.
    func executeTopLevel(_ statements: [Statement]) throws {
        for statement in statements {
            try checkInterrupt(statement.span)
            if case .expression(let expression, let displays) = statement {
                var value = try evaluate(expression, globals)
                if displays, !isNil(value) {
                    output(value.displayBlock(displayContext))
                    swap(&lastValue, &value)
                }
                Value.dismantle(&value)
            } else {
                var value = try execute(statement, globals)
                Value.dismantle(&value)
            }
        }
    }

    private func isNil(_ value: Value) -> Bool { if case .nilValue = value { return true } else { return false } }

    private func checkInterrupt(_ span: Span) throws {
        if Interpreter.interruptRequested {
            Interpreter.interruptRequested = false
            throw Diagnostic(.runtime, "interrupted", at: span)
        }
    }

    /// Runs a statement and returns its value (the value of an expression statement, nil otherwise).
    private func execute(_ statement: Statement, _ environment: Environment) throws -> Value {
        switch statement {
        case .expression(let expression, _):
            return try evaluate(expression, environment)
        case .letBinding(let name, let expression, _, _):
            environment.define(name, try evaluate(expression, environment))
        case .assignment(let target, let expression, _):
            try assign(target, try evaluate(expression, environment), environment)
        case .function(let declaration):
            environment.define(declaration.name ?? "", .function(Closure(declaration: declaration, environment: environment)))
        case .forLoop(let variable, let iterable, let body, _):
            var sequence = try evaluate(iterable, environment)
            defer { Value.dismantle(&sequence) }
            if case .range(let lower, _, _) = sequence, let count = sequence.rangeCount {
                // Lazily: a range is never built as a list for a loop.
                var index = 0
                while index < count {
                    try checkInterrupt(body.span)
                    let scope = Environment(parent: environment)
                    scope.define(variable, .number(Double(lower + index)))
                    index += 1
                    do {
                        _ = try executeBlock(body, scope)
                    } catch Unwind.breakLoop { break } catch Unwind.continueLoop { continue }
                }
                return .nilValue
            }
            guard var elements = sequence.elements else {
                throw Diagnostic(.runtime, "cannot loop over \(sequence.typeName)", at: iterable.span,
                                 hint: "a for loop visits a list, a range such as 1..10, or a string")
            }
            for element in elements {
                try checkInterrupt(body.span)
                let scope = Environment(parent: environment)
                scope.define(variable, element)
                do {
                    _ = try executeBlock(body, scope)
                } catch Unwind.breakLoop { break } catch Unwind.continueLoop { continue }
            }
            elements.removeAll()  // so `sequence` is the only owner left when it is dismantled
        case .whileLoop(let condition, let body, _):
            while try truth(condition, environment) {
                try checkInterrupt(body.span)
                do {
                    _ = try executeBlock(body, Environment(parent: environment))
                } catch Unwind.breakLoop { break } catch Unwind.continueLoop { continue }
            }
        case .returnStatement(let expression, let span):
            throw Unwind.returnValue(try expression.map { try evaluate($0, environment) } ?? .nilValue, span)
        case .breakStatement(let span):
            throw Unwind.breakLoop(span)
        case .continueStatement(let span):
            throw Unwind.continueLoop(span)
        case .importStatement(let path, let span):
            try importFile(path, at: span)
        }
        return .nilValue
    }

    /// Runs a block in `environment`; its value is the value of its last statement.
    private func executeBlock(_ block: Block, _ environment: Environment) throws -> Value {
        var last: Value = .nilValue
        for statement in block.statements {
            var value = try execute(statement, environment)
            swap(&last, &value)
            Value.dismantle(&value)
        }
        return last
    }

    private func truth(_ expression: Expression, _ environment: Environment) throws -> Bool {
        let value = try evaluate(expression, environment)
        guard case .bool(let flag) = value else {
            throw Diagnostic(.runtime, "a condition must be true or false, got \(value.typeName) \(value.display())",
                             at: expression.span, hint: "compare explicitly, e.g. x != 0 or len(xs) > 0")
        }
        return flag
    }

    // MARK: - Import

    private func importFile(_ path: String, at span: Span) throws {
        let base = span.file.name.hasPrefix("<") ? FileManager.default.currentDirectoryPath
            : (span.file.name as NSString).deletingLastPathComponent
        let resolved = path.hasPrefix("/") ? path : (base.isEmpty ? path : base + "/" + path)
        let absolute = URL(fileURLWithPath: resolved).standardizedFileURL.path
        if importedFiles.contains(absolute) { return }
        importedFiles.insert(absolute)
        let file: SourceFile
        do {
            file = try SourceLoader.load(path: absolute, displayName: resolved)
        } catch let error as SourceLoader.Failure {
            importedFiles.remove(absolute)
            throw Diagnostic(.runtime, "cannot import \"\(path)\": \(error.reason)", at: span)
        }
        var parser = Parser(file: file)
        let statements = parser.parseProgram()
        if let first = parser.diagnostics.first { throw first }
        try executeTopLevel(statements.filter { if case .expression = $0 { return false } else { return true } })
    }

    // MARK: - Assignment

    private func assign(_ target: Expression, _ value: Value, _ environment: Environment) throws {
        switch target {
        case .variable(let name, let span):
            if case .builtin = globals.lookup(name) ?? .nilValue, environment.lookup(name).map({ if case .builtin = $0 { return true } else { return false } }) == true {
                throw Diagnostic(.runtime, "cannot assign to builtin '\(name)'", at: span,
                                 hint: "use let \(name) = … to define your own")
            }
            guard environment.assign(name, value) else {
                throw Diagnostic(.runtime, "cannot assign to '\(name)': it is not defined", at: span,
                                 hint: "define it first with let \(name) = …")
            }
        case .index(let base, let indexExpression, let span):
            var container = try evaluate(base, environment)
            let index = try evaluate(indexExpression, environment)
            switch container {
            case .list(var values):
                let position = try listPosition(index, count: values.count, at: indexExpression.span)
                values[position] = value
                container = .list(values)
            case .record(var record):
                guard case .string(let name) = index else {
                    throw Diagnostic(.runtime, "a record index must be a string field name", at: indexExpression.span)
                }
                record[name] = value
                container = .record(record)
            default:
                throw Diagnostic(.runtime, "cannot assign into \(container.typeName) by index", at: span)
            }
            try assign(base, container, environment)
        case .field(let base, let name, let span):
            let container = try evaluate(base, environment)
            guard case .record(var record) = container else {
                throw Diagnostic(.runtime, "cannot set field '\(name)' on \(container.typeName)", at: span)
            }
            record[name] = value
            try assign(base, .record(record), environment)
        default:
            throw Diagnostic(.runtime, "cannot assign to this expression", at: target.span)
        }
    }

    // MARK: - Expressions

    func evaluate(_ expression: Expression, _ environment: Environment) throws -> Value {
        switch expression {
        case .number(let value, _): return .number(value)
        case .quantity(let amount, let unit, let span):
            guard let quantity = Quantity(amount, unit: unit) else {
                throw Diagnostic(.runtime, "unknown unit '\(unit)'", at: span)
            }
            return Value.make(quantity)
        case .string(let parts, _):
            var text = ""
            for part in parts {
                switch part {
                case .text(let literal): text += literal
                case .expression(let inner): text += try evaluate(inner, environment).text(displayContext)
                }
            }
            return .string(text)
        case .boolean(let value, _): return .bool(value)
        case .nilLiteral: return .nilValue
        case .variable(let name, let span):
            guard let value = environment.lookup(name) else {
                throw Diagnostic(.runtime, "'\(name)' is not defined", at: span,
                                 hint: Suggestions.hint(for: name, among: allVisibleNames(environment)))
            }
            return value
        case .list(let elements, _):
            return .list(try elements.map { try evaluate($0, environment) })
        case .record(let fields, _):
            return .record(Record(try fields.map { ($0.name, try evaluate($0.value, environment)) }))
        case .range(let lowerExpression, let upperExpression, let inclusive, _):
            let lower = try rangeBound(lowerExpression, environment)
            let upper = try rangeBound(upperExpression, environment)
            return .range(lower: lower, upper: upper, inclusive: inclusive)
        case .unary(let op, let operandExpression, let span):
            var operand = try evaluate(operandExpression, environment)
            defer { Value.dismantle(&operand) }
            return try Arithmetic.unary(op, operand, at: span)
        case .binary(let op, let leftExpression, let rightExpression, let operatorSpan, let span):
            var left = try evaluate(leftExpression, environment)
            defer { Value.dismantle(&left) }
            var right = try evaluate(rightExpression, environment)
            defer { Value.dismantle(&right) }
            return try Arithmetic.binary(op, left, right, operatorSpan: operatorSpan, span: span,
                                         rightSpan: rightExpression.span)
        case .logical(let isAnd, let leftExpression, let rightExpression, _):
            let left = try truth(leftExpression, environment)
            if isAnd ? !left : left { return .bool(left) }
            return .bool(try truth(rightExpression, environment))
        case .call(let calleeExpression, let arguments, let span):
            let callee = try evaluate(calleeExpression, environment)
            var positional: [(Value, Span)] = []
            var named: [(String, Value, Span)] = []
            var elementSpans: [String: [Span]] = [:]  // labelled list literals, so errors can point at an element
            for argument in arguments {
                let value = try evaluate(argument.value, environment)
                if let label = argument.label {
                    named.append((label, value, argument.span))
                    if case .list(let elements, _) = argument.value { elementSpans[label] = elements.map(\.span) }
                } else {
                    positional.append((value, argument.span))
                }
            }
            defer {  // temporaries: deep arguments are freed without recursion (Value.dismantle)
                for index in positional.indices { Value.dismantle(&positional[index].0) }
                for index in named.indices { Value.dismantle(&named[index].1) }
            }
            return try call(callee, positional: positional, named: named, at: span, calleeSpan: calleeExpression.span,
                            elementSpans: elementSpans)
        case .index(let baseExpression, let indexExpression, let span):
            var base = try evaluate(baseExpression, environment)
            defer { Value.dismantle(&base) }
            let index = try evaluate(indexExpression, environment)
            return try subscriptValue(base, index, at: span, indexSpan: indexExpression.span)
        case .field(let baseExpression, let name, let span):
            var base = try evaluate(baseExpression, environment)
            defer { Value.dismantle(&base) }
            return try fieldValue(base, name, at: span)
        case .function(let declaration):
            return .function(Closure(declaration: declaration, environment: environment))
        case .conditional(let condition, let thenBlock, let elseBranch, _):
            if try truth(condition, environment) {
                return try executeBlock(thenBlock, Environment(parent: environment))
            }
            guard let elseBranch else { return .nilValue }
            return try evaluate(elseBranch, environment)
        case .block(let block):
            return try executeBlock(block, Environment(parent: environment))
        }
    }

    private func rangeBound(_ expression: Expression, _ environment: Environment) throws -> Int {
        let value = try evaluate(expression, environment)
        guard let number = value.numberValue, number == number.rounded(), abs(number) <= 1e15 else {
            throw Diagnostic(.runtime, "a range bound must be a whole number, got \(value.display())", at: expression.span)
        }
        return Int(number)
    }

    private func allVisibleNames(_ environment: Environment) -> [String] {
        var names: [String] = []
        var scope: Environment? = environment
        while let current = scope { names += current.names; scope = current.parent }
        return names
    }

    /// The 0-based position `index` names in a sequence of `count` elements (negative counts from the end).
    /// - Parameter noun: what is indexed ("list", "string", "range"), for the messages.
    private func listPosition(_ index: Value, count: Int, at span: Span, noun: String = "list") throws -> Int {
        guard let number = index.numberValue, number == number.rounded() else {
            throw Diagnostic(.runtime, "a \(noun) index must be a whole number, got \(index.display())", at: span)
        }
        let elements = noun == "string" ? "character" : "element"
        let position = abs(number) < 1e15 ? (number < 0 ? count + Int(number) : Int(number)) : -1
        guard position >= 0, position < count else {
            throw Diagnostic(.runtime, "index \(index.display()) is out of range for a \(noun) of \(count) \(elements)\(count == 1 ? "" : "s")",
                             at: span, hint: count == 0 ? "the \(noun) is empty" : "valid indices are 0..\(count - 1) (or -\(count)..-1 from the end)")
        }
        return position
    }

    private func subscriptValue(_ base: Value, _ index: Value, at span: Span, indexSpan: Span) throws -> Value {
        switch base {
        case .list(let values):
            return values[try listPosition(index, count: values.count, at: indexSpan)]
        case .string(let text):
            let characters = Array(text)
            return .string(String(characters[try listPosition(index, count: characters.count, at: indexSpan, noun: "string")]))
        case .range(let lower, _, _):
            return .number(Double(lower + (try listPosition(index, count: base.rangeCount ?? 0, at: indexSpan, noun: "range"))))
        case .record(let record):
            guard case .string(let name) = index else {
                throw Diagnostic(.runtime, "a record index must be a string field name", at: indexSpan)
            }
            return try fieldValue(base, name, at: span, knownRecord: record)
        case .object(let object):
            if case .string(let name) = index { return try fieldValue(base, name, at: span) }
            if let elements = object.elements {
                return elements[try listPosition(index, count: elements.count, at: indexSpan)]
            }
            throw Diagnostic(.runtime, "\(object.typeName) cannot be indexed", at: span)
        default:
            throw Diagnostic(.runtime, "\(base.typeName) cannot be indexed", at: span)
        }
    }

    func fieldValue(_ base: Value, _ name: String, at span: Span, knownRecord: Record? = nil) throws -> Value {
        switch base {
        case .record(let record):
            if let value = record[name] { return value }
            throw Diagnostic(.runtime, "record has no field '\(name)'", at: span,
                             hint: Suggestions.hint(for: name, among: record.names, listing: true))
        case .object(let object):
            if let value = object.field(name) { return value }
            throw Diagnostic(.runtime, "\(object.typeName) has no field '\(name)'", at: span,
                             hint: Suggestions.hint(for: name, among: object.fieldNames, listing: true))
        default:
            throw Diagnostic(.runtime, "\(base.typeName) has no fields (looked for '\(name)')", at: span)
        }
    }

    // MARK: - Calls

    /// Calls a function value with positional arguments (used by builtins such as map).
    func callValue(_ function: Value, _ arguments: [Value], at span: Span) throws -> Value {
        return try call(function, positional: arguments.map { ($0, span) }, named: [], at: span, calleeSpan: span)
    }

    private func call(_ callee: Value, positional: [(Value, Span)], named: [(String, Value, Span)],
                      at span: Span, calleeSpan: Span, elementSpans: [String: [Span]] = [:]) throws -> Value {
        try checkInterrupt(span)
        switch callee {
        case .builtin(let builtin):
            let (values, passed) = try bind(builtin: builtin, positional: positional, named: named, at: span)
            do {
                return try builtin.body(Arguments(values: values, builtin: builtin, interpreter: self, callSpan: span, passed: passed))
            } catch let error as RuntimeError {
                var location = span
                if let argument = error.argument {
                    if let index = builtin.parameters.firstIndex(where: { $0.name == argument }), index < positional.count {
                        location = positional[index].1
                    } else if let match = named.first(where: { $0.0 == argument }) {
                        location = match.2
                    }
                    if let element = error.element, let spans = elementSpans[argument], spans.indices.contains(element) {
                        location = spans[element]
                    }
                }
                throw Diagnostic(.runtime, error.message, at: location, hint: error.hint)
            }
        case .function(let closure):
            return try callClosure(closure, positional: positional, named: named, at: span)
        default:
            throw Diagnostic(.runtime, "\(callee.typeName) \(callee.display()) is not a function", at: calleeSpan)
        }
    }

    private func callClosure(_ closure: Closure, positional: [(Value, Span)], named: [(String, Value, Span)],
                             at span: Span) throws -> Value {
        let declaration = closure.declaration
        guard callStack.count < Interpreter.maximumCallDepth else {
            throw Diagnostic(.runtime, "too many nested calls (more than \(Interpreter.maximumCallDepth)) in \(closure.name)",
                             at: span, hint: "is the recursion missing a base case?")
        }
        let scope = Environment(parent: closure.environment)
        let parameters = declaration.parameters
        if positional.count > parameters.count {
            throw Diagnostic(.runtime, "\(closure.name) takes \(parameters.count) argument\(parameters.count == 1 ? "" : "s") but was given \(positional.count)",
                             at: positional[parameters.count].1)
        }
        var bound: Set<String> = []
        for (parameter, argument) in zip(parameters, positional) {
            scope.define(parameter.name, argument.0)
            bound.insert(parameter.name)
        }
        for (label, value, argumentSpan) in named {
            guard parameters.contains(where: { $0.name == label }) else {
                throw Diagnostic(.runtime, "\(closure.name) has no parameter named '\(label)'", at: argumentSpan,
                                 hint: Suggestions.hint(for: label, among: parameters.map(\.name), listing: true))
            }
            guard !bound.contains(label) else {
                throw Diagnostic(.runtime, "argument '\(label)' is given twice", at: argumentSpan)
            }
            scope.define(label, value)
            bound.insert(label)
        }
        callStack.append((closure.name, span))
        defer { callStack.removeLast() }
        do {
            for parameter in parameters where !bound.contains(parameter.name) {
                guard let defaultExpression = parameter.defaultValue else {
                    throw Diagnostic(.runtime, "missing argument '\(parameter.name)' in call to \(closure.name)", at: span)
                }
                scope.define(parameter.name, try evaluate(defaultExpression, scope))
            }
            return try executeBlock(declaration.body, scope)
        } catch Unwind.returnValue(let value, _) {
            return value
        } catch var diagnostic as Diagnostic {
            diagnostic.callChain.append((closure.name, span))
            throw diagnostic
        }
    }

    private func bind(builtin: Builtin, positional: [(Value, Span)], named: [(String, Value, Span)],
                      at span: Span) throws -> (values: [String: Value], passed: Set<String>) {
        var values: [String: Value] = [:]
        let parameters = builtin.parameters
        var positionalIndex = 0
        for parameter in parameters {
            if parameter.isVariadic {
                values[parameter.name] = .list(positional.dropFirst(positionalIndex).map(\.0))
                positionalIndex = positional.count
            } else if positionalIndex < positional.count {
                values[parameter.name] = positional[positionalIndex].0
                positionalIndex += 1
            }
        }
        if positionalIndex < positional.count {
            throw Diagnostic(.runtime, "\(builtin.name) takes at most \(parameters.count) argument\(parameters.count == 1 ? "" : "s") but was given \(positional.count)",
                             at: positional[positionalIndex].1, hint: "usage: \(builtin.signature)")
        }
        for (label, value, argumentSpan) in named {
            guard parameters.contains(where: { $0.name == label && !$0.isVariadic }) else {
                throw Diagnostic(.runtime, "\(builtin.name) has no parameter named '\(label)'", at: argumentSpan,
                                 hint: "usage: \(builtin.signature)")
            }
            guard values[label] == nil else {
                throw Diagnostic(.runtime, "argument '\(label)' is given twice", at: argumentSpan)
            }
            values[label] = value
        }
        let passed = Set(values.keys)
        for parameter in parameters where values[parameter.name] == nil {
            guard let defaultValue = parameter.defaultValue else {
                throw Diagnostic(.runtime, "missing argument '\(parameter.name)' in call to \(builtin.name)", at: span,
                                 hint: "usage: \(builtin.signature)")
            }
            values[parameter.name] = defaultValue
        }
        return (values, passed)
    }
}

/// Flags a stray `return`/`break` that escaped to top level (the resolver normally prevents this).
extension Interpreter {
    static func describeEscape(_ error: Error) -> Diagnostic? {
        switch error {
        case Unwind.returnValue(_, let span): return Diagnostic(.runtime, "'return' outside a function", at: span)
        case Unwind.breakLoop(let span): return Diagnostic(.runtime, "'break' outside a loop", at: span)
        case Unwind.continueLoop(let span): return Diagnostic(.runtime, "'continue' outside a loop", at: span)
        default: return nil
        }
    }
}
