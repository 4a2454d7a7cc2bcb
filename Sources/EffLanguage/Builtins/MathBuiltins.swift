import EffUnits
import Foundation

/// Math on numbers; `min`, `max`, `sum`, `mean`, `abs`, `round` also accept quantities of one dimension.
enum MathBuiltins {
    private static func unary(_ name: String, _ summary: String, _ example: String,
                              _ function: @escaping (Double) -> Double,
                              domain: @escaping (Double) -> Bool = { _ in true }, domainMessage: String = "") -> Builtin {
        Builtin(name, [.required("x")], category: "math", summary: summary, example: example) { arguments in
            let x = try arguments.number("x")
            guard domain(x) else { throw RuntimeError("\(name): \(domainMessage), got \(Value.number(x).text())", argument: "x") }
            let result = function(x)
            guard result.isFinite else { throw RuntimeError("\(name)(\(Value.number(x).text())) overflows", argument: "x") }
            return .number(result)
        }
    }

    /// Numbers or quantities of one dimension as (values in base units, dimension).
    static func magnitudes(_ values: [Value], _ name: String) throws -> ([Double], Dimension) {
        var dimension: Dimension? = nil
        var numbers: [Double] = []
        numbers.reserveCapacity(values.count)
        for value in values {
            let (number, valueDimension): (Double, Dimension)
            switch value {
            case .number(let n): (number, valueDimension) = (n, .none)
            case .quantity(let q): (number, valueDimension) = (q.value, q.dimension)
            default: throw RuntimeError("\(name): expected numbers, got \(value.typeName) \(value.display())")
            }
            if let dimension, dimension != valueDimension {
                throw RuntimeError("\(name): cannot mix \(dimension.name) and \(valueDimension.name)")
            }
            dimension = valueDimension
            numbers.append(number)
        }
        return (numbers, dimension ?? .none)
    }

    /// The values to reduce: one list argument, or several arguments.
    private static func operands(_ arguments: Arguments, _ name: String) throws -> [Value] {
        let values = try arguments.list("values")
        if values.count == 1, let elements = try values[0].listElements(), !(values[0].numberValue != nil) { return elements }
        return values
    }

    private static func reduction(_ name: String, _ summary: String, _ example: String,
                                  _ reduce: @escaping ([Double]) -> Double) -> Builtin {
        Builtin(name, [.variadic("values")], category: "math", summary: summary, example: example) { arguments in
            let values = try operands(arguments, name)
            guard !values.isEmpty else { throw RuntimeError("\(name): needs at least one value") }
            let (numbers, dimension) = try magnitudes(values, name)
            return Value.make(Quantity(reduce(numbers), dimension))
        }
    }

    static let list: [Builtin] = [
        unary("sqrt", "Square root.", "sqrt(2)", Foundation.sqrt, domain: { $0 >= 0 }, domainMessage: "needs a number ≥ 0"),
        unary("log", "Natural logarithm.", "log(100)", Foundation.log, domain: { $0 > 0 }, domainMessage: "needs a number > 0"),
        unary("log10", "Base-10 logarithm.", "log10(1e6)", Foundation.log10, domain: { $0 > 0 }, domainMessage: "needs a number > 0"),
        unary("log2", "Base-2 logarithm.", "log2(256)", Foundation.log2, domain: { $0 > 0 }, domainMessage: "needs a number > 0"),
        unary("exp", "e raised to x.", "exp(1)", Foundation.exp),
        unary("floor", "Largest whole number ≤ x.", "floor(2.7)", Foundation.floor),
        unary("ceil", "Smallest whole number ≥ x.", "ceil(2.1)", Foundation.ceil),
        Builtin("abs", [.required("x")], category: "math", summary: "Absolute value of a number or quantity.",
                example: "abs(-3 mJ)") { arguments in
            switch arguments.value("x") {
            case .number(let x): return .number(Swift.abs(x))
            case .quantity(var q): q.value = Swift.abs(q.value); return .quantity(q)
            default: throw RuntimeError("abs: expected a number, got \(arguments.value("x").typeName)", argument: "x")
            }
        },
        Builtin("round", [.required("x"), .optional("digits", .number(0))], category: "math",
                summary: "Rounds to a number of decimal places (quantities round in their displayed unit).",
                example: "round(3.14159, digits: 2)") { arguments in
            let digits = try arguments.integer("digits")
            guard (0...15).contains(digits) else { throw RuntimeError("round: digits must be 0…15", argument: "digits") }
            let scale = Foundation.pow(10, Double(digits))
            // Beyond 2^52 a double has no fractional digits left, and x * scale could overflow: x is already round.
            func rounded(_ x: Double) -> Double { abs(x) >= 0x1p52 ? x : (x * scale).rounded() / scale }
            switch arguments.value("x") {
            case .number(let x): return .number(rounded(x))
            case .quantity(var q):
                let (amount, unit) = QuantityFormatter.displayParts(q)
                let factor = amount == 0 ? 1 : q.value / amount
                q.value = rounded(amount) * factor
                q.preferredUnit = UnitTable.parse(unit) != nil ? unit : q.preferredUnit
                return .quantity(q)
            default: throw RuntimeError("round: expected a number, got \(arguments.value("x").typeName)", argument: "x")
            }
        },
        reduction("min", "The smallest of a list or of several values.", "min(3, 1, 2)") { $0.min()! },
        reduction("max", "The largest of a list or of several values.", "max([4 mJ, 9 mJ])") { $0.max()! },
        reduction("sum", "The sum of a list or of several values.", "sum([1 J, 2 J])") { $0.reduce(0, +) },
        reduction("mean", "The arithmetic mean.", "mean([1, 2, 3, 4])") { $0.reduce(0, +) / Double($0.count) },
        reduction("median", "The median (middle value; mean of the two middle values for even counts).",
                  "median([5, 1, 3])") { values in
            let sorted = values.sorted()
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        },
    ]
}
