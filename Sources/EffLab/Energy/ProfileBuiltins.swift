import EffEnergy
import EffKernels
import EffLanguage
import EffUnits
import Foundation

/// The energy profiles a process knows: EffEnergy's built-in ones plus those `profile(...)` defined.
///
/// Builtins are static, so user profiles live for the process (one eff run, prompt or notebook),
/// which is what "defined for the session" means to a user. Guarded by a lock because tests run
/// sessions on several threads.
enum SessionProfiles {
    private static let lock = NSLock()
    private static var registry = EnergyProfileRegistry()

    /// Every known profile, built-in first, in definition order.
    static var all: [EnergyProfile] {
        lock.lock()
        defer { lock.unlock() }
        return registry.profiles
    }

    /// The profile with this name; a runtime error listing the known names otherwise.
    static func named(_ name: String, function: String, argument: String = "profile") throws -> EnergyProfile {
        lock.lock()
        defer { lock.unlock() }
        do {
            return try registry.profile(named: name)
        } catch let error as EnergyProfileError {
            throw RuntimeError("\(function): \(error.message)",
                               hint: "define one with profile(name: …, ops: {…}, memory: {…}) or list them with profiles()",
                               argument: argument)
        }
    }

    /// Adds (or replaces) a user profile.
    static func register(_ profile: EnergyProfile) throws {
        lock.lock()
        defer { lock.unlock() }
        do {
            try registry.register(profile)
        } catch let error as EnergyProfileError {
            throw RuntimeError("profile: \(error.message)", argument: "name")
        }
    }

    /// The profile an argument names: a string, a profile value, or nil for the default.
    static func resolve(_ value: Value, function: String, argument: String = "profile") throws -> EnergyProfile {
        switch value {
        case .nilValue: return try named(EnergyProfileRegistry.defaultName, function: function, argument: argument)
        case .string(let name): return try named(name, function: function, argument: argument)
        case .object(let object as ProfileValue): return object.profile
        default:
            throw RuntimeError("\(function): '\(argument)' must be a profile name (a string) or a profile, got \(value.typeName)",
                               hint: "e.g. profile: \"\(EnergyProfileRegistry.defaultName)\"", argument: argument)
        }
    }

    /// A short citation for source labels: "Horowitz ISSCC 2014, 45 nm" for the default profile,
    /// the user's citation otherwise (first sentence, at most 60 characters).
    static func shortCitation(_ profileName: String) -> String? {
        if profileName == EnergyProfile.horowitz45nm.name { return "Horowitz ISSCC 2014, 45 nm" }
        guard let profile = all.first(where: { $0.name == profileName }) else { return nil }
        let citation = profile.citation.trimmingCharacters(in: .whitespaces)
        guard !citation.isEmpty else { return nil }
        let sentence = citation.split(separator: ".", maxSplits: 1).first.map(String.init) ?? citation
        return sentence.count <= 60 ? sentence : String(sentence.prefix(59)) + "…"
    }
}

/// An energy profile as an eff value: what `energy_table` shows and `profile(...)` returns.
final class ProfileValue: EffObject {
    let profile: EnergyProfile

    init(_ profile: EnergyProfile) { self.profile = profile }

    var typeName: String { "energy profile" }

    /// Operation rows: {operation, energy, derivation, assumption}; unpriced operations are left out.
    var operationRecords: [Record] {
        EffKernels.Operation.allCases.compactMap { operation in
            guard let price = profile.operations[operation] else { return nil }
            return Record([("operation", .string(operation.rawValue)), ("energy", picojoules(price.picojoules)),
                           ("derivation", .string(price.derivation)), ("assumption", .bool(price.isAssumption))])
        }
    }

    /// Memory rows: {level, energy (per 64-bit access), derivation, assumption}.
    var memoryRecords: [Record] {
        MemoryLevel.allCases.compactMap { level in
            guard let price = profile.memory[level] else { return nil }
            return Record([("level", .string(level.rawValue)), ("energy", picojoules(price.picojoules)),
                           ("derivation", .string(price.derivation)), ("assumption", .bool(price.isAssumption))])
        }
    }

    func display(_ context: DisplayContext) -> String {
        var lines = ["energy profile \(profile.name)", "source: \(profile.citation.isEmpty ? "(no citation given)" : profile.citation)"]
        let operations = operationRecords, memory = memoryRecords
        let width = (operations.compactMap { $0["operation"]?.text() } + memory.map { "\($0["level"]?.text() ?? "") access" })
            .map(\.count).max() ?? 0
        func row(_ name: String, _ record: Record) -> String {
            let energy = record["energy"]?.text(context) ?? ""
            let derivation = record["derivation"]?.text(context) ?? ""
            var flag = ""
            if case .bool(true)? = record["assumption"] { flag = " [assumption]" }
            let prefix = "  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                + energy.padding(toLength: 8, withPad: " ", startingAt: 0) + "  "
            // Long derivations continue under the derivation column.
            let pieces = EnergyLabels.wrap(derivation + flag, width: max(20, context.width - prefix.count), indent: "")
            let indent = String(repeating: " ", count: prefix.count)
            return pieces.enumerated().map { ($0.offset == 0 ? prefix : indent) + $0.element }.joined(separator: "\n")
        }
        lines.append("per operation:")
        lines += operations.map { row($0["operation"]?.text() ?? "", $0) }
        let unpriced = EffKernels.Operation.allCases.filter { profile.operations[$0] == nil }.map(\.rawValue)
        if !unpriced.isEmpty { lines.append("  not priced (estimates that need them fail): " + unpriced.joined(separator: ", ")) }
        lines.append("per 64-bit memory access:")
        lines += memory.map { row("\($0["level"]?.text() ?? "") access", $0) }
        return lines.flatMap { $0.contains("\n") ? [$0] : EnergyLabels.wrap($0, width: context.width, indent: "    ") }
            .joined(separator: "\n")
    }

    func field(_ name: String) -> Value? {
        switch name {
        case "name": return .string(profile.name)
        case "citation": return .string(profile.citation)
        case "operations": return .list(operationRecords.map { .record($0) })
        case "memory": return .list(memoryRecords.map { .record($0) })
        case "source_table":
            return .list(profile.table.map { entry in
                .record(Record([("row", .string(entry.name)), ("energy", picojoules(entry.picojoules)),
                                ("note", entry.note.map { .string($0) } ?? .nilValue)]))
            })
        default: return nil
        }
    }

    var fieldNames: [String] { ["name", "citation", "operations", "memory", "source_table"] }
}

/// pJ as an energy quantity displayed in pJ.
func picojoules(_ value: Double) -> Value {
    .quantity(Quantity(value * 1e-12, .energy, preferredUnit: "pJ"))
}

enum ProfileBuiltins {
    static let list: [Builtin] = [
        Builtin("profiles", [], category: "energy",
                summary: "The energy profiles known: name, citation and whether built in or defined with profile(...).",
                example: "profiles()") { _ in
            let builtIn = Set(EnergyProfileRegistry.builtIn.map(\.name))
            return .object(Table(records: SessionProfiles.all.map { profile in
                Record([("name", .string(profile.name)), ("kind", .string(builtIn.contains(profile.name) ? "built-in" : "user")),
                        ("operations", .number(Double(profile.operations.count))), ("citation", .string(profile.citation))])
            }))
        },
        Builtin("energy_table", [.optional("profile", .string(EnergyProfileRegistry.defaultName))], category: "energy",
                summary: "An energy profile's prices: pJ per operation and per 64-bit memory access, each with its derivation and citation.",
                example: "energy_table(\"horowitz-45nm\").operations") { arguments in
            .object(ProfileValue(try SessionProfiles.resolve(arguments.value("profile"), function: "energy_table")))
        },
        Builtin("profile", [.required("name"), .optional("citation", .string("")), .required("ops"), .required("memory")],
                category: "energy",
                summary: "Defines an energy profile from pJ per operation and per 64-bit access at L1, L2, L3 and DRAM; estimate(…, profile: name) then uses it.",
                example: "profile(name: \"my-7nm\", citation: \"my notes\", ops: {f32_multiply_add: 1.2 pJ, f32_add: 0.2 pJ, f32_compare: 0.2 pJ}, memory: {L1: 5 pJ, L2: 20 pJ, L3: 40 pJ, DRAM: 800 pJ})") { arguments in
            let profile = try makeProfile(arguments)
            try SessionProfiles.register(profile)
            return .object(ProfileValue(profile))
        },
    ]

    /// Reads `ops` and `memory` records of energy quantities into an `EnergyProfile`.
    static func makeProfile(_ arguments: Arguments) throws -> EnergyProfile {
        let name = try arguments.string("name")
        let citation = try arguments.string("citation")
        func record(_ argument: String) throws -> Record {
            guard case .record(let record) = arguments.value(argument) else {
                throw RuntimeError("profile: '\(argument)' must be a record of energies, got \(arguments.value(argument).typeName)",
                                   hint: argument == "ops" ? "e.g. ops: {f32_multiply_add: 4.6 pJ}" : "e.g. memory: {L1: 20 pJ, L2: 100 pJ, L3: 100 pJ, DRAM: 1300 pJ}",
                                   argument: argument)
            }
            return record
        }
        func picojoulesOf(_ value: Value, _ field: String, _ argument: String) throws -> Double {
            guard case .quantity(let quantity) = value, quantity.dimension == .energy else {
                throw RuntimeError("profile: \(argument).\(field) must be an energy such as 4.6 pJ, got \(value.typeName)",
                                   hint: "attach a unit: \(field): \(value.text()) pJ", argument: argument)
            }
            return quantity.value * 1e12
        }
        var operations: [EffKernels.Operation: Double] = [:]
        for field in try record("ops").fields {
            guard let operation = EffKernels.Operation(rawValue: field.name) else {
                throw RuntimeError("profile: unknown operation \"\(field.name)\" in ops",
                                   hint: "operations: " + EffKernels.Operation.allCases.map(\.rawValue).joined(separator: ", "), argument: "ops")
            }
            operations[operation] = try picojoulesOf(field.value, field.name, "ops")
        }
        var memory: [MemoryLevel: Double] = [:]
        for field in try record("memory").fields {
            guard let level = MemoryLevel.allCases.first(where: { $0.rawValue.lowercased() == field.name.lowercased() }) else {
                throw RuntimeError("profile: unknown memory level \"\(field.name)\"",
                                   hint: "levels: " + MemoryLevel.allCases.map(\.rawValue).joined(separator: ", "), argument: "memory")
            }
            memory[level] = try picojoulesOf(field.value, field.name, "memory")
        }
        do {
            return try EnergyProfile(name: name, citation: citation, operationPicojoules: operations, memoryPicojoules: memory)
        } catch let error as EnergyProfileError {
            throw RuntimeError("profile: \(error.message)")
        }
    }
}
