import EffUnits

/// A value in an eff program.
public enum Value {
    case nilValue
    case bool(Bool)
    case number(Double)
    case quantity(Quantity)
    case string(String)
    case list([Value])
    case record(Record)
    /// Integer range `lower..upper` (inclusive) or `lower..<upper`.
    case range(lower: Int, upper: Int, inclusive: Bool)
    case function(Closure)
    case builtin(Builtin)
    /// Domain values (tables, charts, models, …) supplied by other modules through builtins.
    case object(any EffObject)

    /// The name `type(x)` prints.
    public var typeName: String {
        switch self {
        case .nilValue: return "nil"
        case .bool: return "bool"
        case .number: return "number"
        case .quantity(let quantity): return quantity.dimension.name
        case .string: return "string"
        case .list: return "list"
        case .record: return "record"
        case .range: return "range"
        case .function, .builtin: return "function"
        case .object(let object): return object.typeName
        }
    }

    /// A plain number, or a quantity that cancelled to a number, as a Double.
    var numberValue: Double? {
        switch self {
        case .number(let value): return value
        case .quantity(let quantity) where quantity.dimension.isDimensionless: return quantity.value
        default: return nil
        }
    }

    /// Numbers and quantities with no dimension collapse to plain numbers.
    static func make(_ quantity: Quantity) -> Value {
        quantity.dimension.isDimensionless ? .number(quantity.value) : .quantity(quantity)
    }

    /// The elements a `for` loop visits, or nil when the value is not iterable.
    /// The most numbers a range may be turned into a list of (10 million values ≈ 320 MB). Ranges stay lazy
    /// for `len`, indexing and `for`, so `for i in 1..1e12 { … break }` still works.
    public static let maximumRangeCount = 10_000_000

    /// How many numbers a range holds, without making them (bounds are at most 1e15, so no overflow).
    public var rangeCount: Int? {
        guard case .range(let lower, let upper, let inclusive) = self else { return nil }
        let last = inclusive ? upper : upper - 1
        return last >= lower ? last - lower + 1 : 0
    }

    /// The elements of a list, range, string or sequence-like object; throws for a range too large to build.
    public func listElements() throws -> [Value]? {
        if let count = rangeCount, count > Value.maximumRangeCount {
            throw RuntimeError("the range \(display()) has \(count) numbers, too many to make into a list "
                               + "(at most \(Value.maximumRangeCount))",
                               hint: "len, indexing and for loops work on a range of any size")
        }
        return elements
    }

    /// The elements as `listElements()`, but nil for a range too large to build: callers that may see a
    /// range use `listElements()` (or `rangeCount`) instead.
    var elements: [Value]? {
        switch self {
        case .list(let values): return values
        case .range(let lower, let upper, let inclusive):
            let last = inclusive ? upper : upper - 1
            guard last >= lower else { return [] }
            guard last - lower < Value.maximumRangeCount else { return nil }
            return (lower...last).map { .number(Double($0)) }
        case .string(let text): return text.map { .string(String($0)) }
        case .object(let object): return object.elements
        default: return nil
        }
    }
}

/// A record: named fields in the order they were written.
public struct Record {
    public private(set) var fields: [(name: String, value: Value)]

    public init(_ fields: [(name: String, value: Value)] = []) { self.fields = fields }

    public subscript(name: String) -> Value? {
        get { fields.first { $0.name == name }?.value }
        set {
            if let index = fields.firstIndex(where: { $0.name == name }) {
                if let newValue { fields[index].value = newValue } else { fields.remove(at: index) }
            } else if let newValue {
                fields.append((name, newValue))
            }
        }
    }

    public var names: [String] { fields.map(\.name) }
}

/// A function written in eff, with the environment it closed over.
public final class Closure {
    let declaration: FunctionDeclaration
    let environment: Environment

    init(declaration: FunctionDeclaration, environment: Environment) {
        self.declaration = declaration
        self.environment = environment
    }

    var name: String { declaration.name ?? "<fn>" }
}

/// A domain value (table, chart, model, measurement …) that eff can display, index and iterate.
public protocol EffObject: AnyObject {
    /// What `type(x)` prints, e.g. "table".
    var typeName: String { get }
    /// The text shown when the value is displayed at the top level or printed.
    func display(_ context: DisplayContext) -> String
    /// `x.name`; nil when there is no such field.
    func field(_ name: String) -> Value?
    /// Field names, for completion and error hints.
    var fieldNames: [String] { get }
    /// What `for` iterates over, if anything.
    var elements: [Value]? { get }
}

extension EffObject {
    public func field(_ name: String) -> Value? { nil }
    public var fieldNames: [String] { [] }
    public var elements: [Value]? { nil }
}

/// How display output will be shown: width and whether Unicode/colour are welcome.
public struct DisplayContext: Sendable {
    public var width: Int
    public var asciiOnly: Bool
    public var color: Bool

    public init(width: Int = 80, asciiOnly: Bool = false, color: Bool = false) {
        self.width = width
        self.asciiOnly = asciiOnly
        self.color = color
    }
}

/// Variables of one scope, chained to the enclosing scope.
final class Environment {
    private var values: [String: Value] = [:]
    let parent: Environment?

    init(parent: Environment? = nil) { self.parent = parent }

    func define(_ name: String, _ value: Value) { values[name] = value }

    func lookup(_ name: String) -> Value? {
        var scope: Environment? = self
        while let current = scope {
            if let value = current.values[name] { return value }
            scope = current.parent
        }
        return nil
    }

    /// Sets an existing variable in the nearest scope that has it; false when none does.
    func assign(_ name: String, _ value: Value) -> Bool {
        var scope: Environment? = self
        while let current = scope {
            if current.values[name] != nil {
                current.values[name] = value
                return true
            }
            scope = current.parent
        }
        return false
    }

    var names: [String] { Array(values.keys) }
    func removeAll() { values.removeAll() }
}
