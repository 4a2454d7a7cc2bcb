import Foundation
import EffKernels

/// Bytes that must stay resident for the work to hit in a cache, split by kind.
public struct WorkingSet: Sendable, Equatable {
    /// Weight bytes touched (all layers of a model, for repeated inferences).
    public var weightBytes: UInt64
    /// Activation bytes live at once (inputs, outputs, intermediates).
    public var activationBytes: UInt64

    public init(weightBytes: UInt64, activationBytes: UInt64) {
        self.weightBytes = weightBytes
        self.activationBytes = activationBytes
    }
}

/// Memory accesses of one kind, where they were served from, and what they cost.
public struct MemoryTraffic: Sendable, Equatable {
    /// The level the working set fits in.
    public var level: MemoryLevel
    /// 64-bit accesses: ⌈bytes / 8⌉, reads and writes counted separately then added.
    public var accesses: UInt64
    /// joules
    public var joules: Double
}

/// An estimate of the energy of some `Work`, with its breakdown and the assumptions it relied on.
public struct EnergyEstimate: Sendable, Equatable {
    /// Total, labelled `.estimated(profile:)`.
    public var energy: EnergyFigure
    /// Arithmetic only, joules.
    public var computeJoules: Double
    /// Weight and activation accesses, joules.
    public var memoryJoules: Double
    /// Arithmetic by operation kind, joules.
    public var joulesByOperation: [EffKernels.Operation: Double]
    /// Weight reads.
    public var weightTraffic: MemoryTraffic
    /// Activation reads and writes.
    public var activationTraffic: MemoryTraffic
    /// Prices used that the source table does not contain (the profile's stated assumptions).
    public var assumptions: [String]

    /// Fraction of the energy spent moving data (0...1).
    public var memoryFraction: Double {
        energy.joules > 0 ? memoryJoules / energy.joules : 0
    }
}

/// A named layer's work, as a model reports it for the per-layer breakdown.
public struct LayerWork: Sendable, Equatable {
    public var name: String
    /// Work of one call of this layer.
    public var work: Work

    public init(name: String, work: Work) {
        self.name = name
        self.work = work
    }
}

/// The estimate of a whole model and of each of its layers.
public struct LayerBreakdown: Sendable, Equatable {
    /// Layer name → its estimate, in model order.
    public var layers: [(name: String, estimate: EnergyEstimate)]
    /// The sum over layers.
    public var total: EnergyEstimate
    /// The working set used for every layer (the whole model's weights; the largest layer's activations).
    public var workingSet: WorkingSet

    public static func == (lhs: LayerBreakdown, rhs: LayerBreakdown) -> Bool {
        lhs.total == rhs.total && lhs.workingSet == rhs.workingSet
            && lhs.layers.map(\.name) == rhs.layers.map(\.name) && lhs.layers.map(\.estimate) == rhs.layers.map(\.estimate)
    }
}

/// Prices `Work` with an `EnergyProfile`: Σ count × pJ(operation) + Σ 64-bit accesses × pJ(level).
///
/// Memory: each byte count becomes ⌈bytes / 8⌉ 64-bit accesses (weights read; activations read;
/// activations written), priced at the level its working set fits in (`CacheHierarchy`), writes
/// priced as reads. Weights and activations are placed separately: a model whose weights spill
/// to DRAM still keeps its small activations in L1.
///
///     let estimator = EnergyEstimator()                     // horowitz-45nm, this machine's caches
///     let estimate = try estimator.estimate(work)           // estimate.energy.joules, .computeJoules, ...
public struct EnergyEstimator: Sendable {
    public var profile: EnergyProfile
    public var caches: CacheHierarchy

    public init(profile: EnergyProfile = .horowitz45nm, caches: CacheHierarchy = .detect()) {
        self.profile = profile
        self.caches = caches
    }

    /// The working set assumed when none is given: every byte the work reads or writes, by kind.
    public static func defaultWorkingSet(_ work: Work) -> WorkingSet {
        WorkingSet(weightBytes: work.weightBytesRead,
                   activationBytes: work.activationBytesRead + work.activationBytesWritten)
    }

    /// Estimates the energy of `work` (one call). Throws when the profile cannot price an operation it contains.
    public func estimate(_ work: Work, workingSet: WorkingSet? = nil) throws -> EnergyEstimate {
        let workingSet = workingSet ?? Self.defaultWorkingSet(work)
        var byOperation: [Operation: Double] = [:]
        var assumptions: [String] = []
        for (operation, count) in work.operations.sorted(by: { $0.key < $1.key }) {
            guard let price = profile.operations[operation] else {
                throw EnergyProfileError("profile \(profile.name) has no price for \(operation.rawValue) "
                    + "(\(count) of them in this work); define a profile that prices it")
            }
            byOperation[operation] = Double(count) * price.picojoules * 1e-12
            if price.isAssumption { assumptions.append("\(operation.rawValue): \(price.derivation)") }
        }
        let weightLevel = caches.level(forWorkingSet: workingSet.weightBytes)
        let activationLevel = caches.level(forWorkingSet: workingSet.activationBytes)
        let weightAccesses = Self.accesses(work.weightBytesRead)
        let activationAccesses = Self.accesses(work.activationBytesRead) + Self.accesses(work.activationBytesWritten)
        let weightTraffic = try traffic(level: weightLevel, accesses: weightAccesses)
        let activationTraffic = try traffic(level: activationLevel, accesses: activationAccesses)
        for (level, accesses) in [(weightLevel, weightAccesses), (activationLevel, activationAccesses)] where accesses > 0 {
            if let price = profile.memory[level], price.isAssumption {
                let note = "\(level.rawValue) access: \(price.derivation)"
                if !assumptions.contains(note) { assumptions.append(note) }
            }
        }
        // Summed in a fixed order: a Dictionary's order changes from process to process, and floating-point
        // addition in another order can flip the last digit of an estimate that must be reproducible.
        let compute = byOperation.sorted { $0.key < $1.key }.reduce(0) { $0 + $1.value }
        let memory = weightTraffic.joules + activationTraffic.joules
        return EnergyEstimate(energy: EnergyFigure(joules: compute + memory, source: .estimated(profile: profile.name)),
                              computeJoules: compute, memoryJoules: memory, joulesByOperation: byOperation,
                              weightTraffic: weightTraffic, activationTraffic: activationTraffic, assumptions: assumptions)
    }

    /// Estimates each layer and the total, placing data by the whole model's working set:
    /// all layers' weights (they cycle through the caches every inference) and the largest
    /// layer's activations.
    public func estimate(layers: [LayerWork]) throws -> LayerBreakdown {
        let weights = layers.reduce(UInt64(0)) { $0 + $1.work.weightBytesRead }
        let activations = layers.map { $0.work.activationBytesRead + $0.work.activationBytesWritten }.max() ?? 0
        let workingSet = WorkingSet(weightBytes: weights, activationBytes: activations)
        var estimates: [(name: String, estimate: EnergyEstimate)] = []
        var total = Work()
        for layer in layers {
            estimates.append((layer.name, try estimate(layer.work, workingSet: workingSet)))
            total += layer.work
        }
        return LayerBreakdown(layers: estimates, total: try estimate(total, workingSet: workingSet), workingSet: workingSet)
    }

    /// ⌈bytes / 8⌉: the 64-bit accesses needed to move `bytes`.
    public static func accesses(_ bytes: UInt64) -> UInt64 { bytes / 8 + (bytes % 8 == 0 ? 0 : 1) }

    private func traffic(level: MemoryLevel, accesses: UInt64) throws -> MemoryTraffic {
        guard let price = profile.memory[level] else {
            throw EnergyProfileError("profile \(profile.name) has no price for a 64-bit \(level.rawValue) access")
        }
        return MemoryTraffic(level: level, accesses: accesses, joules: Double(accesses) * price.picojoules * 1e-12)
    }
}

/// The coarse fallback: energy ≈ CPU power × load × elapsed time (CodeCarbon's method without RAPL).
///
/// `cpuWatts` is the CPU's TDP (or any power figure the user trusts); `load` the fraction of it
/// assumed drawn (0...1). The result is labelled `.timeTimesPower` so it is never mistaken for a
/// measurement or for the per-operation estimate. It ignores what the work is: two models that
/// take the same time get the same energy.
public func timeTimesPowerEnergy(seconds: Double, cpuWatts: Double, load: Double = 1) throws -> EnergyFigure {
    guard seconds.isFinite, seconds >= 0 else { throw EnergyProfileError("time must be a finite number ≥ 0 s, got \(seconds)") }
    guard cpuWatts.isFinite, cpuWatts > 0 else { throw EnergyProfileError("CPU power must be a positive number of watts, got \(cpuWatts)") }
    guard load.isFinite, load > 0, load <= 1 else { throw EnergyProfileError("load must be within (0, 1], got \(load)") }
    return EnergyFigure(joules: seconds * cpuWatts * load, source: .timeTimesPower(cpuWatts: cpuWatts, load: load))
}
