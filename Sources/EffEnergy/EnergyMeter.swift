import Foundation

/// A hardware energy counter: cumulative joules per domain, read on demand.
///
/// Every meter (RAPL, perf_event power PMU, NVML) implements this; `window(_:)` turns two
/// readings into the joules spent while a closure ran.
///
///     let meter = try RAPLMeter()
///     let window = try meter.window { runInference() }
///     print(window.totalJoules, window.joulesByDomain)
public protocol EnergyMeter: AnyObject, Sendable {
    /// Short identifier shown in sources and `meters()`: "rapl", "perf-power", "nvml".
    var name: String { get }
    /// The domains this meter reports, in display order (e.g. "package-0", "package-0/dram").
    var domains: [String] { get }
    /// The domains summed for a machine total without double counting (e.g. packages + dram, not psys).
    var totalDomains: [String] { get }
    /// The shortest window worth measuring, seconds (counter update period).
    var minimumWindowSeconds: Double { get }
    /// Caveats about what is and is not covered (e.g. "no dram zone: DRAM energy not measured").
    var notes: [String] { get }
    /// Cumulative joules per domain from an origin fixed while the meter is open (the open itself
    /// for RAPL and perf, driver load for NVML), corrected for wraparound; subtract two readings.
    func read() throws -> EnergyReading
}

/// One reading of a meter: monotonic time and cumulative joules per domain.
public struct EnergyReading: Sendable, Equatable {
    /// Monotonic clock, seconds.
    public var seconds: Double
    /// Domain → cumulative joules since the meter was opened.
    public var joules: [String: Double]

    public init(seconds: Double, joules: [String: Double]) {
        self.seconds = seconds
        self.joules = joules
    }
}

/// The energy a meter saw between two readings.
public struct EnergyWindow: Sendable, Equatable {
    /// Duration, seconds.
    public var seconds: Double
    /// Domain → joules spent in the window.
    public var joulesByDomain: [String: Double]
    /// Sum over the meter's `totalDomains`, joules.
    public var totalJoules: Double
    /// The domains summed into `totalJoules`.
    public var totalDomains: [String]

    /// Average power over the window, watts (0 for an empty window).
    public var averageWatts: Double { seconds > 0 ? totalJoules / seconds : 0 }
}

extension EnergyMeter {
    /// The window between two readings of this meter.
    public func window(from start: EnergyReading, to end: EnergyReading) -> EnergyWindow {
        var byDomain: [String: Double] = [:]
        for (domain, joules) in end.joules { byDomain[domain] = joules - (start.joules[domain] ?? 0) }
        let total = totalDomains.reduce(0) { $0 + (byDomain[$1] ?? 0) }
        return EnergyWindow(seconds: end.seconds - start.seconds, joulesByDomain: byDomain,
                            totalJoules: total, totalDomains: totalDomains)
    }

    /// Reads the meter, runs `body`, reads again, and returns the window.
    public func window(_ body: () throws -> Void) throws -> EnergyWindow {
        let start = try read()
        try body()
        let end = try read()
        return window(from: start, to: end)
    }

    /// The source label for figures from this meter.
    public func source(basis: EnergyBasis) -> EnergySource {
        .measured(meter: name, domains: totalDomains, basis: basis)
    }
}

/// Why a meter cannot be used, said so that a user can act on it.
public enum MeterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The counter does not exist here (no sysfs tree, no library, a VM).
    case unavailable(meter: String, reason: String)
    /// The counter exists but this process may not read it; `fix` says how to allow it.
    case permissionDenied(meter: String, path: String, fix: String)
    /// A file or call returned something that cannot be parsed.
    case malformed(meter: String, path: String, detail: String)
    /// A read failed for another reason (errno text or library error).
    case readFailed(meter: String, path: String, detail: String)

    /// The meter's name.
    public var meter: String {
        switch self {
        case let .unavailable(meter, _), let .permissionDenied(meter, _, _), let .malformed(meter, _, _), let .readFailed(meter, _, _):
            return meter
        }
    }

    /// What went wrong and what to do, without the meter's name (what `meters()` shows).
    public var reason: String {
        switch self {
        case let .unavailable(_, reason):
            return reason
        case let .permissionDenied(_, path, fix):
            return "permission denied reading \(path). \(fix)"
        case let .malformed(_, path, detail):
            return "cannot parse \(path): \(detail)"
        case let .readFailed(_, path, detail):
            return "cannot read \(path): \(detail)"
        }
    }

    public var description: String { "\(meter): \(reason)" }
}

/// Monotonic time in seconds (CLOCK_MONOTONIC), for windows and latencies.
public func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// Whether each known meter can be used here, and why not when it cannot.
public struct MeterStatus: Sendable, CustomStringConvertible {
    /// "rapl", "perf-power", "nvml".
    public var name: String
    /// What it measures, in words.
    public var summary: String
    /// The opened meter when available.
    public var meter: (any EnergyMeter)?
    /// Why it is unavailable (nil when available).
    public var reason: String?

    public var isAvailable: Bool { meter != nil }

    public var description: String {
        if let meter {
            let notes = meter.notes.isEmpty ? "" : " (" + meter.notes.joined(separator: "; ") + ")"
            return "\(name): available, domains \(meter.domains.joined(separator: ", "))\(notes)"
        }
        return "\(name): unavailable: \(reason ?? "unknown")"
    }
}

/// The list of meters eff knows (one source of truth for `meters()`).
public enum Meters {
    /// Each meter kind with a one-line summary, in the order they are tried.
    public static let kinds: [(name: String, summary: String)] = [
        (RAPLMeter.meterName, "CPU package/core/uncore/DRAM/platform energy via Linux powercap (Intel and AMD RAPL)"),
        (PerfPowerMeter.meterName, "CPU energy via the perf_event power PMU (energy-pkg, energy-ram, ...)"),
        (NVMLMeter.meterName, "NVIDIA GPU energy via NVML (libnvidia-ml.so.1)"),
    ]

    /// Tries to open every meter and reports which are available and why not.
    ///
    /// Roots come from EFF_POWERCAP_ROOT, EFF_PERF_POWER_ROOT and EFF_NVML_LIBRARY when set.
    public static func survey(files: any FileAccess = SystemFileAccess()) -> [MeterStatus] {
        kinds.map { kind in
            do {
                return MeterStatus(name: kind.name, summary: kind.summary, meter: try open(kind.name, files: files), reason: nil)
            } catch {
                return MeterStatus(name: kind.name, summary: kind.summary, meter: nil, reason: reasonText(error, meter: kind.name))
            }
        }
    }

    /// Opens one meter by name; throws `MeterError` (with the reason) when it cannot.
    public static func open(_ name: String, files: any FileAccess = SystemFileAccess()) throws -> any EnergyMeter {
        switch name {
        case RAPLMeter.meterName: return try RAPLMeter(files: files)
        case PerfPowerMeter.meterName: return try PerfPowerMeter(files: files)
        case NVMLMeter.meterName: return try NVMLMeter()
        default:
            throw MeterError.unavailable(meter: name, reason: "unknown meter; known meters: \(kinds.map(\.name).joined(separator: ", "))")
        }
    }

    /// The first available meter, in `kinds` order, or nil.
    public static func firstAvailable(files: any FileAccess = SystemFileAccess()) -> (any EnergyMeter)? {
        for kind in kinds {
            if let meter = try? open(kind.name, files: files) { return meter }
        }
        return nil
    }

    static func reasonText(_ error: Error, meter: String) -> String {
        (error as? MeterError)?.reason ?? "\(error)"
    }
}
