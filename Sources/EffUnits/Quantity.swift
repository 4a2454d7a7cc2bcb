import EffNumerics
import Foundation

/// A number with a physical dimension, stored in base units (joules, seconds, bytes, FLOP).
///
///     Quantity(5, .energy) / Quantity(2, .time)   // 2.5 W
public struct Quantity: Hashable, Sendable, CustomStringConvertible {
    /// The magnitude in base units (J, s, B, FLOP and their products).
    public var value: Double
    public var dimension: Dimension
    /// A unit the user converted to with `to(x, "mJ")`; display uses it instead of choosing one.
    public var preferredUnit: String?

    public init(_ value: Double, _ dimension: Dimension, preferredUnit: String? = nil) {
        self.value = value
        self.dimension = dimension
        self.preferredUnit = preferredUnit
    }

    /// `amount` of the unit written `symbol` (e.g. 3.7, "pJ"); nil for an unknown unit.
    public init?(_ amount: Double, unit symbol: String) {
        guard let (dimension, factor) = UnitTable.parse(symbol) else { return nil }
        self.init(amount * factor, dimension)
    }

    /// The magnitude expressed in another unit of the same dimension, or nil if dimensions differ.
    public func amount(in symbol: String) -> Double? {
        guard let (dimension, factor) = UnitTable.parse(symbol), dimension == self.dimension else { return nil }
        return value / factor
    }

    public var description: String { QuantityFormatter.format(self) }
}

/// Display of quantities and plain numbers: quantities with a readable SI prefix and 3 significant digits by
/// default (`36.1 nJ`); plain numbers with up to six.
public enum QuantityFormatter {
    /// SI prefixes applied to compound units such as `B/s` or `J/FLOP` (pico to peta).
    private static let prefixes = SIFormat.prefixes.filter { $0.factor >= 1e-12 }

    /// Significant digits a quantity shows unless asked for more (`36.1 nJ`, `3.01 µs`; `str(x, digits: 6)`).
    public static let defaultDigits = 3

    /// `36.1 nJ`: the amount with `digits` significant digits (`SIFormat.display`) and the unit display chose.
    public static func format(_ quantity: Quantity, digits: Int = defaultDigits) -> String {
        let (amount, symbol) = displayParts(quantity, digits: digits)
        if symbol.isEmpty { return formatNumber(amount) }
        // Past the largest prefix (1e20 J is 1e+14 MJ) whole amounts switch to exponent form too.
        // (A unit the user asked for with to() keeps every digit of a whole amount: 3600000 J.)
        let largest = quantity.preferredUnit == nil ? 1e6 : 1e15
        let number = abs(amount) < largest ? SIFormat.display(amount, digits: digits)
            : SIFormat.significant(amount, digits: digits, wholeNumbersInFullBelow: largest)
        // 2 1/s reads as "21 per second": show a reciprocal unit as 2 /s.
        if symbol.hasPrefix("1/") { return number + " /" + symbol.dropFirst(2) }
        return number + " " + symbol
    }

    /// The amount and unit symbol display would use, e.g. (3.7, "mJ").
    public static func displayParts(_ quantity: Quantity, digits: Int = defaultDigits) -> (amount: Double, unit: String) {
        let value = quantity.value
        let dimension = quantity.dimension
        if let preferred = quantity.preferredUnit, let amount = quantity.amount(in: preferred) {
            return (amount, preferred)
        }
        if dimension.isDimensionless { return (value, "") }
        let candidates = UnitTable.all.filter { $0.dimension == dimension && $0.isDisplayed }
        if !candidates.isEmpty {
            let unit = bestUnit(for: value, among: candidates.map { ($0.symbol, $0.factor) }, digits: digits)
            return (value / unit.factor, unit.symbol)
        }
        // A compound dimension: prefix the formula when it starts with a base unit to the first power.
        let formula = dimension.baseUnitFormula
        let startsWithPlainUnit = !formula.hasPrefix("1") && !(formula.split(separator: "/").first ?? "").contains("^")
            && !(formula.split(separator: "/").first ?? "").contains("·")
        if startsWithPlainUnit {
            let choices = prefixes.map { ($0.symbol + formula, $0.factor) }
            let unit = bestUnit(for: value, among: choices, digits: digits)
            return (value / unit.factor, unit.symbol)
        }
        return (value, formula)
    }

    /// The largest unit not bigger than |value|, or the smallest when |value| is below all of them.
    private static func bestUnit(for value: Double, among units: [(symbol: String, factor: Double)],
                                 digits: Int) -> (symbol: String, factor: Double) {
        let sorted = units.sorted { $0.factor < $1.factor }
        let magnitude = abs(value)
        guard magnitude.isFinite, magnitude > 0 else {
            return sorted.first { $0.factor == 1 } ?? sorted[0]
        }
        // Round first so 999.9999999 mJ displays as 1 J rather than 1000 mJ.
        var best = sorted[0]
        for unit in sorted where roundedToSignificantDigits(magnitude / unit.factor, digits: digits) >= 1 { best = unit }
        return best
    }

    private static func roundedToSignificantDigits(_ value: Double, digits: Int) -> Double {
        Double(String(format: "%.\(digits)g", value)) ?? value
    }

    /// A number as people write it: `3`, `2.5`, `0.001234`, `1.5e+20`, `inf`, `nan`.
    /// - Parameter wholeNumbersInFullBelow: whole numbers smaller than this print every digit.
    public static func formatNumber(_ value: Double, wholeNumbersInFullBelow limit: Double = 1e15) -> String {
        SIFormat.significant(value, digits: 6, wholeNumbersInFullBelow: limit)
    }
}
