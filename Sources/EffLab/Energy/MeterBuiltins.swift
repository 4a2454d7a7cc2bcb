import EffEnergy
import EffLanguage

/// `meters()` and the `meter:` argument of measure, compare and claim.
enum MeterBuiltins {
    static let list: [Builtin] = [
        Builtin("meters", [], category: "energy",
                summary: "The energy meters eff knows (rapl, perf-power, nvml): whether each works here with its domains, or why not and how to fix it.",
                example: "meters()") { _ in
            .object(Table(records: Meters.survey().map { status in
                Record([("meter", .string(status.name)), ("available", .bool(status.isAvailable)),
                        ("reason", .string(status.meter.map { meter in
                            "domains " + meter.domains.joined(separator: ", ")
                                + (meter.notes.isEmpty ? "" : "; " + meter.notes.joined(separator: "; "))
                        } ?? status.reason ?? "unknown"))])
            }))
        },
    ]

    /// The meter a `meter:` argument asks for: "auto" (the first available, or none), "none", or a name.
    ///
    /// Naming a meter that cannot be opened is an error that carries its reason (permission, absent
    /// counters), never a silent fallback to an estimate.
    static func choose(_ value: Value, function: String) throws -> (any EnergyMeter)? {
        guard case .string(let name) = value else {
            throw RuntimeError("\(function): 'meter' must be \"auto\", \"none\" or a meter name, got \(value.typeName)", argument: "meter")
        }
        switch name {
        case "none": return nil
        case "auto": return Meters.firstAvailable()
        default:
            guard Meters.kinds.contains(where: { $0.name == name }) else {
                throw RuntimeError("\(function): unknown meter \"\(name)\"",
                                   hint: "use \"auto\", \"none\" or one of " + Meters.kinds.map(\.name).joined(separator: ", "),
                                   argument: "meter")
            }
            do {
                return try Meters.open(name)
            } catch let error as MeterError {
                throw RuntimeError("\(function): meter \(name) cannot be used here: \(error.reason)",
                                   hint: "meter: \"none\" uses the estimate instead; meters() lists what works", argument: "meter")
            }
        }
    }
}
