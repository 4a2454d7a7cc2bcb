import Foundation

/// Facts about the machine recorded with every claim (what was measured, where).
public enum MachineInfo {
    /// The CPU model from /proc/cpuinfo: "model name" (x86), else "Hardware"/"Processor"/"CPU part" (Arm);
    /// "unknown CPU" when unreadable.
    public static func cpuModel(path: String = "/proc/cpuinfo", files: any FileAccess = SystemFileAccess()) -> String {
        guard let text = try? files.readText(path) else { return "unknown CPU" }
        var fallback: String?
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty else { continue }
            if key == "model name" { return value }
            if fallback == nil, ["Hardware", "Processor", "CPU part"].contains(key) { fallback = key == "CPU part" ? "Arm CPU part \(value)" : value }
        }
        return fallback ?? "unknown CPU"
    }

    /// Logical CPUs online.
    public static var logicalCPUCount: Int { ProcessInfo.processInfo.activeProcessorCount }
}

/// Grams of CO2-equivalent for an energy at a grid's carbon intensity.
///
///     carbonDioxideEquivalentGrams(joules: 3.6e6, gridGramsPerKilowattHour: 400)   // 400 g: 1 kWh at 400 g/kWh
///
/// 1 kWh = 3.6 × 10⁶ J, so grams = joules / 3.6e6 × intensity. Intensities vary by grid and hour
/// (e.g. electricityMaps, Ember); pass the one for where and when the energy was used.
public func carbonDioxideEquivalentGrams(joules: Double, gridGramsPerKilowattHour: Double) throws -> Double {
    guard joules.isFinite, joules >= 0 else { throw EnergyProfileError("energy must be a finite number ≥ 0 J, got \(joules)") }
    guard gridGramsPerKilowattHour.isFinite, gridGramsPerKilowattHour >= 0 else {
        throw EnergyProfileError("grid intensity must be a finite number ≥ 0 g/kWh, got \(gridGramsPerKilowattHour)")
    }
    return joules / 3.6e6 * gridGramsPerKilowattHour
}
