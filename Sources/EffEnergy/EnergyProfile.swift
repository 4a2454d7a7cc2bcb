import Foundation
import EffKernels

/// The kernels' operation kind (Foundation also exports an `Operation`, NSOperation).
typealias Operation = EffKernels.Operation

/// Where data lives when it is accessed: the level prices a 64-bit access.
public enum MemoryLevel: String, CaseOrdered, Sendable, Codable, Hashable {
    case l1 = "L1"
    case l2 = "L2"
    case l3 = "L3"
    case dram = "DRAM"
}

/// One row of a published energy table, as printed in the source (for inspection).
public struct EnergyTableEntry: Sendable, Equatable {
    /// The row as named in the source, e.g. "f32 mult" or "SRAM read 64-bit, 32 KB".
    public var name: String
    /// Picojoules per operation or per 64-bit access.
    public var picojoules: Double
    /// Extra detail from the source (ranges, the per-32-bit figure).
    public var note: String?

    public init(name: String, picojoules: Double, note: String? = nil) {
        self.name = name
        self.picojoules = picojoules
        self.note = note
    }
}

/// The price of one `Operation` (or one 64-bit access at a `MemoryLevel`) and how it was derived.
public struct EnergyPrice: Sendable, Equatable {
    /// Picojoules per operation / per 64-bit access.
    public var picojoules: Double
    /// How the price follows from the table, e.g. "f32 mult 3.7 + f32 add 0.9".
    public var derivation: String
    /// True when the source table has no such row and the price is our stated assumption.
    public var isAssumption: Bool

    public init(picojoules: Double, derivation: String, isAssumption: Bool = false) {
        self.picojoules = picojoules
        self.derivation = derivation
        self.isAssumption = isAssumption
    }
}

/// Errors in defining or finding an energy profile.
public struct EnergyProfileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A per-operation energy model: picojoules per `Operation` and per 64-bit access at each memory level.
///
/// The estimator multiplies the exact counts a kernel reports (`Work`) by these prices.
/// Built-in profiles keep the source table rows (`table`) and derive every price from them
/// (`derivation`), so `inspect` shows exactly where each number comes from.
///
///     let mine = try EnergyProfile(name: "my-7nm", citation: "my measurements, 2026",
///                                  operationPicojoules: [.f32MultiplyAdd: 1.7, .int8MultiplyAdd: 0.1],
///                                  memoryPicojoules: [.l1: 5, .l2: 20, .l3: 50, .dram: 1000])
public struct EnergyProfile: Sendable, Equatable {
    /// Identifier used in sources and claims, e.g. "horowitz-45nm".
    public var name: String
    /// Full citation of the numbers.
    public var citation: String
    /// The published rows the prices derive from (empty for user profiles given directly).
    public var table: [EnergyTableEntry]
    /// Price per operation kind. A kind missing here cannot be priced (the estimator says so).
    public var operations: [EffKernels.Operation: EnergyPrice]
    /// Price per 64-bit access at each level; all four levels are present.
    public var memory: [MemoryLevel: EnergyPrice]

    /// Builds a profile from raw prices (user-defined profiles).
    ///
    /// - Parameters:
    ///   - operationPicojoules: pJ per operation; kinds left out cannot be priced with this profile.
    ///   - memoryPicojoules: pJ per 64-bit access for every level (L1, L2, L3, DRAM).
    /// - Throws: `EnergyProfileError` for an empty name, negative or non-finite prices, or a missing level.
    public init(name: String, citation: String,
                operationPicojoules: [EffKernels.Operation: Double],
                memoryPicojoules: [MemoryLevel: Double]) throws {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw EnergyProfileError("an energy profile needs a name") }
        for (operation, value) in operationPicojoules where !(value.isFinite && value >= 0) {
            throw EnergyProfileError("profile \(trimmed): price of \(operation.rawValue) must be a finite number ≥ 0 pJ, got \(value)")
        }
        for level in MemoryLevel.allCases {
            guard let value = memoryPicojoules[level] else {
                throw EnergyProfileError("profile \(trimmed): missing the price of a 64-bit access at \(level.rawValue) "
                    + "(give all of \(MemoryLevel.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard value.isFinite, value >= 0 else {
                throw EnergyProfileError("profile \(trimmed): price of a 64-bit \(level.rawValue) access must be a finite number ≥ 0 pJ, got \(value)")
            }
        }
        self.name = trimmed
        self.citation = citation
        self.table = []
        self.operations = operationPicojoules.mapValues { EnergyPrice(picojoules: $0, derivation: "given") }
        self.memory = memoryPicojoules.mapValues { EnergyPrice(picojoules: $0, derivation: "given") }
    }

    init(name: String, citation: String, table: [EnergyTableEntry],
         operations: [Operation: EnergyPrice], memory: [MemoryLevel: EnergyPrice]) {
        self.name = name
        self.citation = citation
        self.table = table
        self.operations = operations
        self.memory = memory
    }

    /// A printable description: citation, source rows, and every derived price.
    public func inspect() -> String {
        var lines = ["profile \(name)", "source: \(citation)"]
        if !table.isEmpty {
            lines.append("table (pJ):")
            for entry in table {
                lines.append("  \(entry.name): \(formatNumber(entry.picojoules))" + (entry.note.map { " (\($0))" } ?? ""))
            }
        }
        lines.append("operations (pJ each):")
        for operation in Operation.allCases {
            guard let price = operations[operation] else {
                lines.append("  \(operation.rawValue): not priced")
                continue
            }
            lines.append("  \(operation.rawValue): \(formatNumber(price.picojoules)) = \(price.derivation)"
                         + (price.isAssumption ? " [assumption]" : ""))
        }
        lines.append("memory (pJ per 64-bit access):")
        for level in MemoryLevel.allCases {
            if let price = memory[level] {
                lines.append("  \(level.rawValue): \(formatNumber(price.picojoules)) = \(price.derivation)"
                             + (price.isAssumption ? " [assumption]" : ""))
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// The profiles eff knows: the built-in ones plus any the user defines (one list for `profiles()`).
public struct EnergyProfileRegistry: Sendable {
    /// Profiles shipped with eff. Add one only with sourced numbers.
    public static let builtIn: [EnergyProfile] = [.horowitz45nm]
    /// The default profile's name.
    public static let defaultName = EnergyProfile.horowitz45nm.name

    public private(set) var profiles: [EnergyProfile]

    public init() { profiles = Self.builtIn }

    public var names: [String] { profiles.map(\.name) }

    /// The profile with this name; throws listing the known names otherwise.
    public func profile(named name: String) throws -> EnergyProfile {
        guard let profile = profiles.first(where: { $0.name == name }) else {
            throw EnergyProfileError("no energy profile named \"\(name)\"; known: \(names.joined(separator: ", "))")
        }
        return profile
    }

    /// Adds a user profile; throws when the name is taken by a built-in, replaces an earlier user profile.
    public mutating func register(_ profile: EnergyProfile) throws {
        if Self.builtIn.contains(where: { $0.name == profile.name }) {
            throw EnergyProfileError("\"\(profile.name)\" is a built-in profile; choose another name")
        }
        profiles.removeAll { $0.name == profile.name }
        profiles.append(profile)
    }
}
