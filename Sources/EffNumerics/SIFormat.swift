import Foundation

/// Numbers as text with SI prefixes and significant digits: the helpers unit display (EffUnits), energy
/// summaries (EffEnergy), model tables (EffLab) and the prompt's timings (EffREPL) share.
///
///     SIFormat.prefix(for: 3.2e-6, among: ["n", "µ", "m", ""])   // ("µ", 1e-6)
///     SIFormat.significant(36.0792e0, digits: 4)                  // "36.08"
///     SIFormat.fixedSignificant(37.61)                            // "37.6"
public enum SIFormat {
    /// The SI prefixes from femto to peta with their factors.
    public static let prefixes: [(symbol: String, factor: Double)] = [
        ("f", 1e-15), ("p", 1e-12), ("n", 1e-9), ("µ", 1e-6), ("m", 1e-3), ("", 1),
        ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15),
    ]

    /// Of the prefixes named by `symbols`, the one with the largest factor not above |value| (the smallest
    /// when |value| is below all of them; the unprefixed one, or the smallest, for 0 and non-finite values).
    public static func prefix(for value: Double, among symbols: [String]) -> (symbol: String, factor: Double) {
        let chosen = prefixes.filter { symbols.contains($0.symbol) }
        precondition(!chosen.isEmpty, "SIFormat.prefix: no known prefix among \(symbols)")
        let magnitude = abs(value)
        guard magnitude.isFinite, magnitude > 0 else { return chosen.first { $0.factor == 1 } ?? chosen[0] }
        return chosen.last { $0.factor <= magnitude } ?? chosen[0]
    }

    /// A number with at most `digits` significant digits (`%g`: no trailing zeros, an exponent past 10^digits or
    /// below 10^-4); whole numbers below `wholeNumbersInFullBelow` print every digit. `nan`, `inf`, `-inf`.
    public static func significant(_ value: Double, digits: Int, wholeNumbersInFullBelow limit: Double = 1e15) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == value.rounded(), abs(value) < limit { return String(Int64(value)) }
        return String(format: "%.\(digits)g", value)
    }

    /// The display rule for quantities and table numbers: `digits` significant digits (`36.1`, `3.01`, `0.0691`),
    /// whole numbers below 10^15 in full (`8320`), and amounts of 10^digits or more rounded to a whole number
    /// rather than put in exponent form (`1235`); `%g` exponent form only past 10^15 or below 10^-4.
    public static func display(_ value: Double, digits: Int) -> String {
        if value.isFinite, abs(value) < 1e15, value == value.rounded() || abs(value) >= pow(10, Double(digits)) {
            return String(Int64(value.rounded()))
        }
        return significant(value, digits: digits)
    }

    /// A number in [1, 1000) (after choosing a prefix) with `digits` significant digits as fixed decimals:
    /// `2.50`, `25.0`, `250` for 3 digits (trailing zeros kept, so columns of them align).
    public static func fixedSignificant(_ value: Double, digits: Int = 3) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        let magnitude = abs(value)
        let integerDigits = magnitude >= 100 ? 3 : magnitude >= 10 ? 2 : 1
        return String(format: "%.\(max(0, digits - integerDigits))f", value)
    }
}
