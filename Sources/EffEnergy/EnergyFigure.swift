import EffNumerics
import Foundation

/// Where an energy figure came from. Every energy number in EffEnergy carries one.
///
/// A measured figure and an estimated one are different kinds of evidence; the label
/// travels with the number so that a table, a chart or a claim can say which it is.
public enum EnergySource: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Read from a hardware counter: the meter's name (e.g. "rapl"), the domains summed
    /// (e.g. ["package-0", "dram"]) and whether idle energy was subtracted.
    case measured(meter: String, domains: [String], basis: EnergyBasis)
    /// Priced from counted work with a named per-operation energy profile (e.g. "horowitz-45nm").
    case estimated(profile: String)
    /// The coarse CodeCarbon-style estimate: CPU power (TDP × load) × elapsed time.
    case timeTimesPower(cpuWatts: Double, load: Double)

    public var description: String {
        switch self {
        case let .measured(meter, domains, basis):
            return "measured, \(meter) [\(domains.joined(separator: "+"))], \(basis)"
        case let .estimated(profile):
            return "estimated, profile \(profile)"
        case let .timeTimesPower(cpuWatts, load):
            return "estimated, time × CPU power (\(formatNumber(cpuWatts)) W × load \(formatNumber(load)), CodeCarbon method)"
        }
    }

    /// True for hardware-counter readings.
    public var isMeasured: Bool {
        if case .measured = self { return true }
        return false
    }
}

/// Whether a measured figure includes the machine's idle draw.
public enum EnergyBasis: String, Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Everything the counters saw during the window (MLPerf Power and CodeCarbon report this).
    case total
    /// Total minus idle power × window duration, idle measured just before for the same duration.
    case netOfIdle = "net of idle"

    public var description: String { rawValue }
}

/// An energy value in joules with its source and, when repeated samples exist, a confidence interval.
///
///     let e = EnergyFigure(joules: 4.6e-12, source: .estimated(profile: "horowitz-45nm"))
public struct EnergyFigure: Sendable, Equatable, CustomStringConvertible {
    /// The point value (median of samples for measurements), joules.
    public var joules: Double
    /// A confidence interval for `joules`, joules; nil when there is a single deterministic value.
    public var confidenceInterval: ConfidenceInterval?
    /// Where the number came from.
    public var source: EnergySource

    public init(joules: Double, confidenceInterval: ConfidenceInterval? = nil, source: EnergySource) {
        self.joules = joules
        self.confidenceInterval = confidenceInterval
        self.source = source
    }

    public var description: String {
        var text = formatJoules(joules)
        if let interval = confidenceInterval {
            text += " (\(Int((interval.level * 100).rounded()))% CI \(formatJoules(interval.lower))..\(formatJoules(interval.upper)))"
        }
        return text + " [\(source)]"
    }
}

/// A two-sided confidence interval at a stated level (e.g. 0.95).
public struct ConfidenceInterval: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var lower: Double
    public var upper: Double
    /// Coverage probability, e.g. 0.95.
    public var level: Double

    public init(lower: Double, upper: Double, level: Double) {
        self.lower = min(lower, upper)
        self.upper = max(lower, upper)
        self.level = level
    }

    /// Whether `value` lies inside the closed interval.
    public func contains(_ value: Double) -> Bool { value >= lower && value <= upper }

    /// Half the width relative to `center` (0.05 means ±5 %); infinity when `center` is 0.
    public func relativeHalfWidth(around center: Double) -> Double {
        center == 0 ? .infinity : (upper - lower) / 2 / abs(center)
    }

    public var description: String {
        "\(Int((level * 100).rounded()))% CI \(formatNumber(lower))..\(formatNumber(upper))"
    }
}

/// Formats joules with an SI prefix for summaries (the language layer has its own unit display).
func formatJoules(_ joules: Double) -> String {
    let magnitude = abs(joules)
    if magnitude == 0 || !magnitude.isFinite { return "\(joules) J" }
    let (prefix, factor) = SIFormat.prefix(for: joules, among: ["f", "p", "n", "µ", "m", "", "k"])
    return formatNumber(joules / factor) + " \(prefix)J"
}

/// Four significant digits, no exponent for ordinary magnitudes.
func formatNumber(_ value: Double) -> String { SIFormat.significant(value, digits: 4) }
