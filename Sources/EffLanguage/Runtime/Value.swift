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

// MARK: - Freeing deep values

/// Swift frees a value by releasing its elements, each of which frees its own: a list nested millions of levels
/// deep (`for i in 0..5000000 { x = [x] }`) would recurse that deep and overflow even the interpreter's 512 MiB
/// stack. The interpreter hands every value it drops (overwritten variables, finished scopes, discarded
/// statement results, call arguments, operands, loop sequences) to `dismantle`, which takes small lists,
/// records and closure chains apart with a work list instead.
extension Value {
    /// Lists and records with at most this many elements are taken apart iteratively. Deep chains are made of
    /// small containers (`[x]`, `{next: r, value: v}`); a chain of wider ones would need gigabytes before its
    /// depth could overflow the stack. On Darwin the limit also bounds the copy its uniqueness test makes.
    static let dismantledWidth = 64

    /// Takes apart, without recursion, the nested small lists, records and closures of `value` that nothing
    /// else refers to (a taken-apart container is left nil); the caller then releases what is left. Values
    /// still shared elsewhere are only released, so this costs O(1) for them.
    @inline(__always)
    static func dismantle(_ value: inout Value) {
        switch value {  // no payload binding: numbers and strings (nearly every value) cost one compare
        case .list, .record, .function: dismantleContainer(&value)
        default: return
        }
    }

    private static func dismantleContainer(_ value: inout Value) {
        // `pending` stays unallocated when the value is shared or holds no small containers (the common cases).
        var pending: [Value] = []
        value.moveChildren(into: &pending)
        while var next = pending.popLast() {
            next.moveChildren(into: &pending)
        }
    }

    @inline(__always)
    static func dismantle(_ value: inout Value?) {
        guard var taken = value else { return }
        value = nil
        dismantle(&taken)
    }

    /// Small lists and records, and closures (a chain of closures, each capturing the previous one in its
    /// environment, is freed the same way).
    fileprivate var isSmallContainer: Bool {
        switch self {
        case .list(let elements): return !elements.isEmpty && elements.count <= Value.dismantledWidth
        case .record(let record): return !record.fields.isEmpty && record.fields.count <= Value.dismantledWidth
        case .function: return true
        default: return false
        }
    }

    /// When self is a small list or record that only self refers to, moves its elements to `pending` and
    /// becomes nil, so freeing it releases nothing recursively. (`guard case`, not `switch`: a switch keeps a
    /// copy of its subject until it ends, so the elements would never look unshared.)
    private mutating func moveChildren(into pending: inout [Value]) {
        guard isSmallContainer else { return }
        if case .list(var elements) = self {
            self = .nilValue  // now `elements` holds the only reference from here
            guard Value.isUnique(&elements) else { return }
            for element in elements where element.isSmallContainer { pending.append(element) }
            elements.removeAll()
        } else if case .record(var record) = self {
            self = .nilValue
            var fields = record.removeAllFields()
            guard Value.isUnique(&fields) else { return }
            for field in fields where field.value.isSmallContainer { pending.append(field.value) }
            fields.removeAll()
        } else if case .function(var closure) = self {
            self = .nilValue
            guard isKnownUniquelyReferenced(&closure), isKnownUniquelyReferenced(&closure.environment) else { return }
            closure.environment.moveValues(into: &pending)
        }
    }

    /// Whether `array` is its buffer's only owner (so freeing it frees its elements).
    private static func isUnique<T>(_ array: inout [T]) -> Bool {
        #if _runtime(_ObjC)
        // Darwin's Array may wrap an NSArray: ask the safe way, by mutable access, which copies a shared buffer
        // (at most `dismantledWidth` elements here) and so moves its base address.
        let before = array.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        let after = array.withUnsafeMutableBufferPointer { UInt(bitPattern: $0.baseAddress) }
        return before == after
        #else
        // Elsewhere an Array is one strong reference to its native storage object (checked by
        // DeepValueTests.testArrayIsOneReference), whose reference count answers without a copy.
        return withUnsafeMutablePointer(to: &array) { pointer in
            pointer.withMemoryRebound(to: AnyObject.self, capacity: 1) { isKnownUniquelyReferenced(&$0.pointee) }
        }
        #endif
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

    /// Moves the fields out, leaving the record empty (for `Value.dismantle`).
    mutating func removeAllFields() -> [(name: String, value: Value)] {
        let taken = fields
        fields = []
        return taken
    }
}

/// A function written in eff, with the environment it closed over.
public final class Closure {
    let declaration: FunctionDeclaration
    /// `var` only so `Value.dismantle` can test whether this closure is its environment's only owner.
    fileprivate(set) var environment: Environment

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
    /// Significant digits of quantities (and of numbers in tables): 3 unless a `digits:` option asks for more.
    public var digits: Int

    public init(width: Int = 80, asciiOnly: Bool = false, color: Bool = false,
                digits: Int = QuantityFormatter.defaultDigits) {
        self.width = width
        self.asciiOnly = asciiOnly
        self.color = color
        self.digits = digits
    }
}

/// Variables of one scope, chained to the enclosing scope.
final class Environment {
    fileprivate var values: [String: Value] = [:]
    let parent: Environment?

    init(parent: Environment? = nil) { self.parent = parent }

    deinit { removeAll() }

    func define(_ name: String, _ value: Value) {
        var old = values.updateValue(value, forKey: name)
        Value.dismantle(&old)
    }

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
            if let index = current.values.index(forKey: name) {  // one hash lookup, then in place
                var old = value
                swap(&old, &current.values.values[index])
                Value.dismantle(&old)
                return true
            }
            scope = current.parent
        }
        return false
    }

    var names: [String] { Array(values.keys) }
    /// Moves out the variables that `Value.dismantle` takes apart; the rest are released here.
    fileprivate func moveValues(into pending: inout [Value]) {
        for (_, value) in values where value.isSmallContainer { pending.append(value) }
        values.removeAll()
    }

    /// Drops every variable, taking deep values apart (see `Value.dismantle`) in place: most scopes hold
    /// only numbers and strings, and this allocates nothing for them.
    func removeAll() {
        var index = values.values.startIndex
        while index != values.values.endIndex {
            if values.values[index].isSmallContainer {
                var value = Value.nilValue
                swap(&value, &values.values[index])
                Value.dismantle(&value)
            }
            values.values.formIndex(after: &index)
        }
        values.removeAll()
    }
}
