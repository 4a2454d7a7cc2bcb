import Foundation

/// How values map to positions along an axis.
public enum AxisScale: String, Sendable, CaseIterable {
    /// Equal distances for equal differences.
    case linear
    /// Equal distances for equal ratios; ticks at decades, so 100× looks like 100×. Needs values > 0.
    case log10
}

/// One axis of a framed chart: its label, scale, optional fixed limits and how ticks are written.
public struct Axis: Sendable {
    /// Shown centred under the x axis, or above the y axis.
    public var label: String
    /// Linear or logarithmic.
    public var scale: AxisScale
    /// Fixed limits; `nil` fits the data and rounds out to the nearest ticks (decades on a log axis).
    public var limits: ClosedRange<Double>?
    /// Turns tick values into labels (`.compact(unit:)` by default).
    public var formatter: TickFormatter

    /// Creates an axis; `unit` (e.g. `"ms"`, `"%"`) is appended to compact tick labels unless a
    /// `formatter` is given, which then formats ticks alone.
    public init(
        label: String = "", scale: AxisScale = .linear, limits: ClosedRange<Double>? = nil,
        unit: String = "", formatter: TickFormatter? = nil
    ) {
        self.label = label
        self.scale = scale
        self.limits = limits
        self.formatter = formatter ?? .compact(unit: unit)
    }
}

/// An axis fitted to data: its domain, ticks and their labels.
struct ResolvedAxis {
    var scale: AxisScale
    var lower: Double
    var upper: Double
    var ticks: [Double]
    var labels: [String]

    /// The position of `value` between the limits, 0 at `lower` and 1 at `upper` (may fall outside).
    func fraction(_ value: Double) -> Double {
        switch scale {
        case .linear: return unitFraction(value, low: lower, high: upper)
        case .log10:
            return (Foundation.log10(value) - Foundation.log10(lower))
                / (Foundation.log10(upper) - Foundation.log10(lower))
        }
    }

    /// Fits `axis` to the finite `values` with about `targetTicks` ticks; `name` names the axis in errors.
    static func resolve(_ axis: Axis, values: [Double], targetTicks: Int, name: String) throws -> ResolvedAxis {
        let finite = values.filter { $0.isFinite }
        if axis.scale == .log10 {
            if let bad = finite.first(where: { $0 <= 0 }) {
                throw ChartError.nonPositiveOnLogAxis(axis: name, value: bad)
            }
            if let limits = axis.limits, limits.lowerBound <= 0 {
                throw ChartError.nonPositiveOnLogAxis(axis: name, value: limits.lowerBound)
            }
        }
        if let limits = axis.limits, !(limits.lowerBound.isFinite && limits.upperBound.isFinite) {
            throw ChartError.invalidParameter(name: "\(name) limits", reason: "must be finite")
        }
        let ticks = max(targetTicks, 2)
        var resolved: ResolvedAxis
        switch axis.scale {
        case .linear: resolved = linear(finite, limits: axis.limits, targetTicks: ticks)
        case .log10: resolved = logarithmic(finite, limits: axis.limits, targetTicks: ticks)
        }
        resolved.labels = axis.formatter.labels(for: resolved.ticks)
        return resolved
    }

    /// The smallest of 1, 2, 2.5, 5 × 10^k at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw.isFinite, raw > 0 else { return 1 }
        let base = pow(10, (Foundation.log10(raw)).rounded(.down))
        for multiple in [1, 2, 2.5, 5, 10] where multiple * base >= raw * (1 - 1e-9) {
            return multiple * base
        }
        return 10 * base
    }

    /// Multiples of `step` in `lower ... upper`, cleaned of binary noise (0.30000000000000004 → 0.3).
    static func multiples(of step: Double, from lower: Double, to upper: Double) -> [Double] {
        let first = (lower / step - 1e-9).rounded(.up)
        let last = (upper / step + 1e-9).rounded(.down)
        guard first.isFinite, last.isFinite, last >= first, last - first <= 1000 else { return [] }
        return stride(from: first, through: last, by: 1).map { clean($0 * step) }
    }

    static func clean(_ value: Double) -> Double {
        Double(String(format: "%.12g", value)) ?? value
    }

    private static func linear(_ values: [Double], limits: ClosedRange<Double>?, targetTicks: Int) -> ResolvedAxis {
        var lower: Double
        var upper: Double
        if let limits {
            (lower, upper) = (limits.lowerBound, limits.upperBound)
        } else if let minimum = values.min(), let maximum = values.max() {
            (lower, upper) = (minimum, maximum)
        } else {
            (lower, upper) = (0, 1)
        }
        if upper - lower <= Swift.abs(upper) * 1e-12 || upper <= lower {
            // All values equal: open a window around the value so it sits mid-axis.
            let pad = lower == 0 ? 1 : Swift.abs(lower) * 0.1
            (lower, upper) = (lower - pad, upper + pad)
        }
        var step = niceStep((upper - lower) / Double(targetTicks - 1))
        if limits == nil {
            // Rounding out to whole steps may waste much of the axis (0 ... 40 for data up to 23):
            // take finer nice steps while they waste less and keep at most twice the tick count.
            func span(_ step: Double) -> Double { ((upper / step).rounded(.up) - (lower / step).rounded(.down)) * step }
            var finer = niceStep(step * 0.99 / 2.5)
            while span(step) > 1.25 * (upper - lower), span(finer) < span(step),
                span(finer) / finer <= Double(2 * targetTicks)
            {
                step = finer
                finer = niceStep(step * 0.99 / 2.5)
            }
            lower = clean((lower / step).rounded(.down) * step)
            upper = clean((upper / step).rounded(.up) * step)
        }
        let ticks = multiples(of: step, from: lower, to: upper)
        return ResolvedAxis(scale: .linear, lower: lower, upper: upper, ticks: ticks, labels: [])
    }

    private static func logarithmic(
        _ values: [Double], limits: ClosedRange<Double>?,
        targetTicks: Int
    ) -> ResolvedAxis {
        var lower: Double
        var upper: Double
        if let limits {
            (lower, upper) = (limits.lowerBound, limits.upperBound)
            if upper <= lower { (lower, upper) = (lower / 10, lower * 10) }
        } else if let minimum = values.min(), let maximum = values.max() {
            var low = Foundation.log10(minimum).rounded(.down)
            var high = Foundation.log10(maximum).rounded(.up)
            if high <= low { (low, high) = (low - 1, high + 1) }
            (lower, upper) = (pow(10, low), pow(10, high))
        } else {
            (lower, upper) = (1, 10)
        }
        let low = Foundation.log10(lower)
        let high = Foundation.log10(upper)
        let firstDecade = Int((low - 1e-9).rounded(.up))
        let lastDecade = Int((high + 1e-9).rounded(.down))
        var ticks: [Double] = []
        if lastDecade > firstDecade {
            let stride = max(1, Int((Double(lastDecade - firstDecade) / Double(targetTicks - 1)).rounded(.up)))
            ticks = Swift.stride(from: firstDecade, through: lastDecade, by: stride).map { clean(pow(10, Double($0))) }
        }
        if ticks.count < 2 {
            // Less than a decade shown: 1-2-5 mantissas, else plain linear ticks inside the limits.
            var candidates: [Double] = []
            for decade in Int(low.rounded(.down))...Int(high.rounded(.up)) {
                for mantissa in [1.0, 2, 5] {
                    let value = clean(mantissa * pow(10, Double(decade)))
                    if value >= lower * (1 - 1e-9) && value <= upper * (1 + 1e-9) { candidates.append(value) }
                }
            }
            ticks =
                candidates.count >= 2
                ? candidates
                : multiples(of: niceStep((upper - lower) / Double(targetTicks - 1)), from: lower, to: upper)
        }
        return ResolvedAxis(scale: .log10, lower: lower, upper: upper, ticks: ticks, labels: [])
    }
}

/// Where `value` lies between `low` (0) and `high` (1), without overflowing for spans near `Double.max`.
func unitFraction(_ value: Double, low: Double, high: Double) -> Double {
    (value / 2 - low / 2) / (high / 2 - low / 2)
}

/// `value` rounded by `rule` and clamped into `range`; NaN gives the lower bound (never traps).
func clampedInt(_ value: Double, _ range: ClosedRange<Int>, rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero)
    -> Int
{
    guard !value.isNaN else { return range.lowerBound }
    let rounded = value.rounded(rule)
    if rounded <= Double(range.lowerBound) { return range.lowerBound }
    if rounded >= Double(range.upperBound) { return range.upperBound }
    return Int(rounded)
}
