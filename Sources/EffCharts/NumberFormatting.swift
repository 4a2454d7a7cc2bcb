import Foundation

/// Compact, readable numbers for ticks and bar values: `1.5k`, `2.3e-6`, `0.25`, `12.3M`.
///
/// Magnitudes from 0.001 to below 1000 print as plain decimals; 1000 and above take the suffixes
/// k, M, G, T; beyond 10^15 or below 0.001 the notation is scientific with a bare exponent (`2.3e-6`).
/// Trailing zeros are dropped.
public enum CompactNumber {
    /// The suffixes for powers of 1000, starting at 10^3.
    static let suffixes = ["k", "M", "G", "T"]

    /// Formats `value` with at most `significantDigits` significant digits (1 ... 15).
    public static func format(_ value: Double, significantDigits: Int = 3) -> String {
        parts(value, significantDigits: significantDigits).text
    }

    /// The text and the value it denotes after rounding (to check that tick labels are exact enough).
    static func parts(_ value: Double, significantDigits: Int) -> (text: String, rounded: Double) {
        if value.isNaN { return ("NaN", value) }
        if value.isInfinite { return (value < 0 ? "-inf" : "inf", value) }
        if value == 0 { return ("0", 0) }
        let digits = min(max(significantDigits, 1), 15)
        let sign = value < 0 ? "-" : ""
        let magnitude = Swift.abs(value)
        let (text, rounded) = positiveParts(magnitude, digits: digits)
        if rounded == 0 { return ("0", 0) }
        return (sign + text, value < 0 ? -rounded : rounded)
    }

    private static func positiveParts(_ magnitude: Double, digits: Int) -> (String, Double) {
        if magnitude < 1e-3 || magnitude >= 1e15 {
            let (text, rounded) = scientific(magnitude, digits: digits)
            // 0.0009999 rounds up to 0.001, which reads better as a decimal.
            if rounded >= 1e-3 && rounded < 1 { return decimal(rounded, digits: digits) }
            return (text, rounded)
        }
        if magnitude >= 1000 {
            var group = min(Int((log10(magnitude) / 3).rounded(.down)), suffixes.count)
            while group >= 1 {
                let scale = pow(1000, Double(group))
                let (text, rounded) = decimal(magnitude / scale, digits: digits)
                if rounded >= 1000 && group < suffixes.count {
                    group += 1
                    continue
                }
                return (text + suffixes[group - 1], rounded * scale)
            }
        }
        let (text, rounded) = decimal(magnitude, digits: digits)
        if rounded >= 1000 { return positiveParts(rounded, digits: digits) }
        if rounded < 1e-3 && rounded > 0 { return scientific(magnitude, digits: digits) }
        return (text, rounded)
    }

    /// `magnitude` (> 0, < 10^6 in practice) with `digits` significant digits, trailing zeros trimmed.
    private static func decimal(_ magnitude: Double, digits: Int) -> (String, Double) {
        let exponent = Int(log10(magnitude).rounded(.down))
        let decimals = max(0, digits - 1 - exponent)
        let text = trimZeros(String(format: "%.\(decimals)f", magnitude))
        return (text, Double(text) ?? magnitude)
    }

    private static func scientific(_ magnitude: Double, digits: Int) -> (String, Double) {
        var exponent = Int(log10(magnitude).rounded(.down))
        var mantissa = magnitude / pow(10, Double(exponent))
        var mantissaText = trimZeros(String(format: "%.\(digits - 1)f", mantissa))
        if let parsed = Double(mantissaText), parsed >= 10 {
            exponent += 1
            mantissa = magnitude / pow(10, Double(exponent))
            mantissaText = trimZeros(String(format: "%.\(digits - 1)f", mantissa))
        }
        let rounded = (Double(mantissaText) ?? mantissa) * pow(10, Double(exponent))
        return ("\(mantissaText)e\(exponent)", rounded)
    }

    private static func trimZeros(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var result = Substring(text)
        while result.last == "0" { result = result.dropLast() }
        if result.last == "." { result = result.dropLast() }
        return String(result)
    }

    /// Joins a number and a unit: no space before `%` and `×`, one space otherwise (`12 ms`, `50%`).
    public static func attach(unit: String, to number: String) -> String {
        if unit.isEmpty { return number }
        if unit.hasPrefix("%") || unit.hasPrefix("×") { return number + unit }
        return number + " " + unit
    }
}

/// Turns axis tick values (or bar values) into labels.
///
/// The default, `.compact(unit:)`, picks the fewest significant digits that keep every tick exact and
/// distinct; a caller with its own quantity formatting (SI prefixes: `mJ`, `µs`) passes a closure.
public struct TickFormatter: Sendable {
    private let formatAll: @Sendable ([Double]) -> [String]

    /// A formatter that formats each value on its own, e.g. `TickFormatter { "\($0 * 1000) mJ" }`.
    public init(_ format: @escaping @Sendable (Double) -> String) {
        formatAll = { $0.map(format) }
    }

    /// A formatter that sees all ticks at once (to choose one prefix or precision for them all).
    public init(formattingAll: @escaping @Sendable ([Double]) -> [String]) {
        formatAll = formattingAll
    }

    /// Compact numbers (`CompactNumber`) followed by `unit`.
    public static func compact(unit: String = "") -> TickFormatter {
        TickFormatter(formattingAll: { values in
            compactLabels(values).map { CompactNumber.attach(unit: unit, to: $0) }
        })
    }

    /// Labels for `values`, in order; a formatter returning the wrong count falls back to compact numbers.
    public func labels(for values: [Double]) -> [String] {
        let labels = formatAll(values)
        return labels.count == values.count ? labels : TickFormatter.compactLabels(values)
    }

    /// The label for one value.
    public func label(for value: Double) -> String {
        labels(for: [value]).first ?? CompactNumber.format(value)
    }

    /// The fewest significant digits (3 at least) whose labels are distinct and within 1% of the
    /// smallest gap between values.
    static func compactLabels(_ values: [Double]) -> [String] {
        let finite = values.filter { $0.isFinite }
        let sorted = Array(Set(finite)).sorted()
        var gap = Double.infinity
        for index in sorted.indices.dropFirst() { gap = min(gap, sorted[index] - sorted[index - 1]) }
        for digits in 3...15 {
            let parts = values.map { CompactNumber.parts($0, significantDigits: digits) }
            let exact = zip(values, parts).allSatisfy { value, part in
                !value.isFinite || gap.isInfinite || Swift.abs(part.rounded - value) <= gap * 0.01
            }
            let distinct = Set(parts.map(\.text)).count == Set(values.map { $0.isNaN ? .infinity : $0 }).count
            if exact && distinct { return parts.map(\.text) }
        }
        return values.map { CompactNumber.format($0, significantDigits: 15) }
    }
}
