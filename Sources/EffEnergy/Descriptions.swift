import EffNumerics
import Foundation

// One-line summaries for printing results at the prompt; the language layer may format its own.

extension BenchmarkResult: CustomStringConvertible {
    /// e.g. "q8: latency median 1.21 ms (95% CI 1.19 ms..1.24 ms, 40 reps), 826 inferences/s, energy 55.4 nJ/inference [estimated, profile horowitz-45nm]"
    public var description: String {
        var text = "\(name): latency \(latency.statistic.rawValue) \(formatSeconds(latency.center))"
        if let interval = latency.confidenceInterval {
            text += " (\(Int((interval.level * 100).rounded()))% CI \(formatSeconds(interval.lower))..\(formatSeconds(interval.upper)), \(latency.count) reps)"
        } else {
            text += " (\(latency.count) reps)"
        }
        text += ", \(formatNumber(throughput)) inferences/s"
        if let energy = energyPerInference {
            text += ", energy \(formatJoules(energy.joules))/inference [\(energy.source)]"
        }
        if let power = averagePower { text += ", power \(power)" }
        return text
    }
}

extension EnergyEstimate: CustomStringConvertible {
    /// e.g. "900.6 nJ (compute 8.4%, memory 91.6%: weights L2, activations L1) [estimated, profile horowitz-45nm]"
    public var description: String {
        let total = energy.joules
        func share(_ part: Double) -> String { total > 0 ? formatNumber((part / total * 1000).rounded() / 10) + "%" : "0%" }
        return "\(formatJoules(total)) (compute \(share(computeJoules)), memory \(share(memoryJoules)): "
            + "weights \(weightTraffic.level.rawValue), activations \(activationTraffic.level.rawValue)) [\(energy.source)]"
    }
}

extension ClaimResult: CustomStringConvertible {
    public var description: String { summary }
}

extension Comparison: CustomStringConvertible {
    /// One line per benchmark with its ratios against the first.
    public var description: String {
        var lines: [String] = []
        for (index, result) in results.enumerated() {
            var line = result.description
            if index > 0 {
                line += "; latency ×\(latencyRatios[index])"
                if let energy = energyRatios[index] { line += ", energy ×\(energy)" }
            }
            lines.append(line)
        }
        lines.append("(\(rounds) interleaved rounds, \(stopReason.rawValue))")
        return (lines + notes).joined(separator: "\n")
    }
}

/// Seconds with a readable prefix: "1.21 ms", "850 µs".
func formatSeconds(_ seconds: Double) -> String {
    let (prefix, factor) = SIFormat.prefix(for: seconds, among: ["n", "µ", "m", ""])
    return formatNumber(seconds / factor) + " \(prefix)s"
}
