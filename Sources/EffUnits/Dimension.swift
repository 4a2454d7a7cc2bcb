/// The physical dimension of a quantity, as integer exponents over eff's four base units.
///
/// Base units: joule (energy), second (time), byte (data), FLOP (work). Power is J·s⁻¹,
/// bandwidth B·s⁻¹, energy per operation J·FLOP⁻¹. A dimension with all exponents zero is a
/// plain number: `5 J / 1 J` is `5`.
public struct Dimension: Hashable, Sendable, CustomStringConvertible {
    public var joule: Int8
    public var second: Int8
    public var byte: Int8
    public var flop: Int8

    public init(joule: Int8 = 0, second: Int8 = 0, byte: Int8 = 0, flop: Int8 = 0) {
        self.joule = joule
        self.second = second
        self.byte = byte
        self.flop = flop
    }

    public static let none = Dimension()
    public static let energy = Dimension(joule: 1)
    public static let time = Dimension(second: 1)
    public static let power = Dimension(joule: 1, second: -1)
    public static let data = Dimension(byte: 1)
    public static let work = Dimension(flop: 1)

    public var isDimensionless: Bool { self == .none }

    private var exponents: [Int8] { [joule, second, byte, flop] }

    /// Multiplying quantities adds exponents; `nil` when an exponent would overflow.
    public func multiplied(by other: Dimension) -> Dimension? {
        combine(other) { $0.addingReportingOverflow($1) }
    }

    public func divided(by other: Dimension) -> Dimension? {
        combine(other) { $0.subtractingReportingOverflow($1) }
    }

    /// Raising to an integer power multiplies every exponent.
    public func raised(to power: Int) -> Dimension? {
        guard let power = Int8(exactly: power) else { return isDimensionless ? self : nil }
        var result = Dimension()
        for (index, exponent) in exponents.enumerated() {
            let (value, overflow) = exponent.multipliedReportingOverflow(by: power)
            if overflow { return nil }
            result.setExponent(index, value)
        }
        return result
    }

    private func combine(_ other: Dimension,
                         _ operation: (Int8, Int8) -> (partialValue: Int8, overflow: Bool)) -> Dimension? {
        var result = Dimension()
        for (index, (a, b)) in zip(exponents, other.exponents).enumerated() {
            let (value, overflow) = operation(a, b)
            if overflow { return nil }
            result.setExponent(index, value)
        }
        return result
    }

    private mutating func setExponent(_ index: Int, _ value: Int8) {
        switch index {
        case 0: joule = value
        case 1: second = value
        case 2: byte = value
        default: flop = value
        }
    }

    /// A human name for the dimension: "energy", "power", … or the base-unit formula.
    public var name: String {
        if let known = Dimension.names[self] { return known }
        return "quantity (\(baseUnitFormula))"
    }

    private static let names: [Dimension: String] = [
        .none: "number", .energy: "energy", .time: "time", .power: "power",
        .data: "data", .work: "work",
        Dimension(second: -1, byte: 1): "bandwidth",
        Dimension(second: -1, flop: 1): "throughput",
        Dimension(joule: 1, flop: -1): "energy per operation",
        Dimension(joule: 1, byte: -1): "energy per byte",
        Dimension(second: -1): "frequency",
    ]

    /// The dimension written in base units, e.g. `J/s`, `B/s`, `J/FLOP`, `1/s`.
    public var baseUnitFormula: String {
        let symbols = ["J", "s", "B", "FLOP"]
        var numerator: [String] = []
        var denominator: [String] = []
        for (symbol, exponent) in zip(symbols, exponents) where exponent != 0 {
            let magnitude = Int(exponent.magnitude)
            let term = magnitude == 1 ? symbol : "\(symbol)^\(magnitude)"
            if exponent > 0 { numerator.append(term) } else { denominator.append(term) }
        }
        let top = numerator.isEmpty ? "1" : numerator.joined(separator: "·")
        if denominator.isEmpty { return top }
        return top + "/" + denominator.joined(separator: "·")
    }

    public var description: String { name }
}
