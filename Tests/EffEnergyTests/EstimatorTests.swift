import XCTest
import EffKernels
@testable import EffEnergy

/// The estimator against hand-computed values from Horowitz 2014 (45 nm).
final class EstimatorTests: XCTestCase {
    /// This machine's caches are irrelevant: tests fix L1 32 KiB, L2 512 KiB, L3 32 MiB.
    let caches = CacheHierarchy(capacities: [.l1: 32 << 10, .l2: 512 << 10, .l3: 32 << 20], source: "test")

    /// A dense f32 layer 64 → 256, batch 1, as a kernel reports it.
    var denseFloat: Work {
        var work = Work()
        work.add(.f32MultiplyAdd, 64 * 256)       // 16384 multiply-adds
        work.add(.f32Add, 256)                    // bias
        work.weightBytesRead = 64 * 256 * 4       // 65536 B of f32 weights
        work.activationBytesRead = 64 * 4 + 256 * 4   // input + bias: 1280 B
        work.activationBytesWritten = 256 * 4     // output: 1024 B
        return work
    }

    /// The same layer with int8 weights (per-row f32 scales) and int8-quantized input.
    var denseInt8: Work {
        var work = Work()
        work.add(.convert, 64)                    // quantize the input
        work.add(.int8MultiplyAdd, 64 * 256)      // 16384
        work.add(.f32Multiply, 256)               // dequantize with the row scale
        work.add(.f32Add, 256)                    // bias
        work.weightBytesRead = 64 * 256 + 256 * 4 // 16384 B weights + 1024 B scales = 17408 B
        work.activationBytesRead = 64 * 4 + 256 * 4
        work.activationBytesWritten = 256 * 4
        return work
    }

    func testHorowitzPricesFollowTheTable() {
        let profile = EnergyProfile.horowitz45nm
        XCTAssertEqual(Set(profile.operations.keys), Set(Operation.allCases), "every operation kind is priced")
        XCTAssertEqual(profile.operations[.f32MultiplyAdd]!.picojoules, 4.6, accuracy: 1e-12)  // 3.7 + 0.9
        XCTAssertEqual(profile.operations[.int8MultiplyAdd]!.picojoules, 0.3, accuracy: 1e-12) // 0.2 + 0.1
        XCTAssertEqual(profile.operations[.int8Add]!.picojoules, 0.03, accuracy: 1e-12)
        XCTAssertEqual(profile.operations[.f32MultiplyAdd]!.derivation, "f32 mult 3.7 + f32 add 0.9")
        XCTAssertFalse(profile.operations[.f32MultiplyAdd]!.isAssumption)
        XCTAssertTrue(profile.operations[.f32Transcendental]!.isAssumption)
        XCTAssertEqual(profile.memory[.l1]!.picojoules, 20)
        XCTAssertEqual(profile.memory[.dram]!.picojoules, 1300)
        XCTAssertTrue(profile.memory[.l3]!.isAssumption)
        let text = profile.inspect()
        XCTAssertTrue(text.contains("ISSCC"))
        XCTAssertTrue(text.contains("f32_multiply_add: 4.6 = f32 mult 3.7 + f32 add 0.9"))
        // The "100×" argument: an int8 add is 1/153 of an f32 multiply-add.
        XCTAssertEqual(4.6 / profile.operations[.int8Add]!.picojoules, 153.33, accuracy: 0.01)
    }

    func testDenseFloatLayerMatchesHandComputation() throws {
        let estimate = try EnergyEstimator(profile: .horowitz45nm, caches: caches).estimate(denseFloat)
        // compute: 16384 × 4.6 + 256 × 0.9 = 75366.4 + 230.4 = 75596.8 pJ
        XCTAssertEqual(estimate.computeJoules, 75_596.8e-12, accuracy: 1e-18)
        // weights 65536 B > 32 KiB L1 → L2 (SRAM 1 MB row, 100 pJ): 8192 accesses × 100 = 819200 pJ
        XCTAssertEqual(estimate.weightTraffic.level, .l2)
        XCTAssertEqual(estimate.weightTraffic.accesses, 8192)
        XCTAssertEqual(estimate.weightTraffic.joules, 819_200e-12, accuracy: 1e-18)
        // activations 2304 B → L1 (20 pJ): 160 read + 128 written = 288 accesses × 20 = 5760 pJ
        XCTAssertEqual(estimate.activationTraffic.level, .l1)
        XCTAssertEqual(estimate.activationTraffic.accesses, 288)
        XCTAssertEqual(estimate.activationTraffic.joules, 5_760e-12, accuracy: 1e-18)
        // total 75596.8 + 819200 + 5760 = 900556.8 pJ
        XCTAssertEqual(estimate.energy.joules, 900_556.8e-12, accuracy: 1e-18)
        XCTAssertEqual(estimate.energy.source, .estimated(profile: "horowitz-45nm"))
        XCTAssertEqual(estimate.memoryFraction, 824_960 / 900_556.8, accuracy: 1e-12)
        XCTAssertTrue(estimate.assumptions.isEmpty)
        XCTAssertEqual("\(estimate)", "900.6 nJ (compute 8.4%, memory 91.6%: weights L2, activations L1) [estimated, profile horowitz-45nm]")
    }

    func testInt8LayerMatchesHandComputation() throws {
        let estimate = try EnergyEstimator(profile: .horowitz45nm, caches: caches).estimate(denseInt8)
        // compute: 64 × 0.9 (convert) + 16384 × 0.3 + 256 × 3.7 + 256 × 0.9 = 57.6 + 4915.2 + 947.2 + 230.4 = 6150.4 pJ
        XCTAssertEqual(estimate.computeJoules, 6_150.4e-12, accuracy: 1e-18)
        // weights 17408 B ≤ 32 KiB → L1: 2176 accesses × 20 = 43520 pJ; activations as above 5760 pJ
        XCTAssertEqual(estimate.weightTraffic.level, .l1)
        XCTAssertEqual(estimate.weightTraffic.joules, 43_520e-12, accuracy: 1e-18)
        XCTAssertEqual(estimate.energy.joules, 55_430.4e-12, accuracy: 1e-18)
        XCTAssertEqual(estimate.assumptions, ["convert: f32 add 0.9 (no such row; align, round and saturate ≈ an f32 add)"])
        // The int8 layer is 16×, not 100×, cheaper: memory traffic dominates both.
        let float = try EnergyEstimator(profile: .horowitz45nm, caches: caches).estimate(denseFloat)
        XCTAssertEqual(float.energy.joules / estimate.energy.joules, 900_556.8 / 55_430.4, accuracy: 1e-9)
    }

    func testWeightsThatLeaveTheCachesArePricedAtDRAM() throws {
        var work = Work()
        work.add(.f32MultiplyAdd, 4096 * 4096)
        work.weightBytesRead = 4096 * 4096 * 4    // 64 MiB > 32 MiB L3
        let estimate = try EnergyEstimator(profile: .horowitz45nm, caches: caches).estimate(work)
        XCTAssertEqual(estimate.weightTraffic.level, .dram)
        // 16777216 × 4.6 pJ compute; 8388608 accesses × 1300 pJ memory
        XCTAssertEqual(estimate.computeJoules, 16_777_216 * 4.6e-12, accuracy: 1e-15)
        XCTAssertEqual(estimate.memoryJoules, 8_388_608 * 1300e-12, accuracy: 1e-12)
        XCTAssertGreaterThan(estimate.memoryFraction, 0.99)
        XCTAssertEqual(EnergyEstimator.accesses(9), 2, "bytes round up to whole 64-bit accesses")
    }

    func testLayerBreakdownSumsToTheModelAndUsesTheModelWorkingSet() throws {
        let estimator = EnergyEstimator(profile: .horowitz45nm, caches: caches)
        let breakdown = try estimator.estimate(layers: [LayerWork(name: "dense1", work: denseInt8),
                                                        LayerWork(name: "dense2", work: denseInt8)])
        XCTAssertEqual(breakdown.layers.map(\.name), ["dense1", "dense2"])
        // Two layers of 17408 B weights = 34816 B > 32 KiB: both now priced at L2.
        XCTAssertEqual(breakdown.workingSet.weightBytes, 34_816)
        XCTAssertEqual(breakdown.layers[0].estimate.weightTraffic.level, .l2)
        let sum = breakdown.layers.reduce(0) { $0 + $1.estimate.energy.joules }
        XCTAssertEqual(breakdown.total.energy.joules, sum, accuracy: 1e-18)
        // per layer: 6150.4 + 2176 × 100 + 288 × 20 = 6150.4 + 217600 + 5760 = 229510.4 pJ
        XCTAssertEqual(breakdown.layers[0].estimate.energy.joules, 229_510.4e-12, accuracy: 1e-18)
    }

    func testUserProfilesAreValidatedAndRegistered() throws {
        let custom = try EnergyProfile(name: "toy", citation: "made up for a test",
                                       operationPicojoules: [.f32MultiplyAdd: 2],
                                       memoryPicojoules: [.l1: 1, .l2: 2, .l3: 3, .dram: 100])
        var work = Work()
        work.add(.f32MultiplyAdd, 10)
        work.weightBytesRead = 80
        let estimate = try EnergyEstimator(profile: custom, caches: caches).estimate(work)
        XCTAssertEqual(estimate.energy.joules, (10 * 2 + 10 * 1) * 1e-12, accuracy: 1e-20)
        XCTAssertEqual(estimate.energy.source, .estimated(profile: "toy"))
        work.add(.int8MultiplyAdd, 1)
        XCTAssertThrowsError(try EnergyEstimator(profile: custom, caches: caches).estimate(work)) { error in
            XCTAssertTrue("\(error)".contains("no price for int8_multiply_add"))
        }
        XCTAssertThrowsError(try EnergyProfile(name: "x", citation: "", operationPicojoules: [:], memoryPicojoules: [.l1: 1]))
        XCTAssertThrowsError(try EnergyProfile(name: "x", citation: "", operationPicojoules: [.f32Add: -1],
                                               memoryPicojoules: [.l1: 1, .l2: 1, .l3: 1, .dram: 1]))
        XCTAssertThrowsError(try EnergyProfile(name: " ", citation: "", operationPicojoules: [:],
                                               memoryPicojoules: [.l1: 1, .l2: 1, .l3: 1, .dram: 1]))
        var registry = EnergyProfileRegistry()
        XCTAssertEqual(registry.names, ["horowitz-45nm"])
        try registry.register(custom)
        XCTAssertEqual(registry.names, ["horowitz-45nm", "toy"])
        XCTAssertEqual(try registry.profile(named: "toy").citation, "made up for a test")
        XCTAssertThrowsError(try registry.profile(named: "nope"))
        var clash = custom
        clash.name = "horowitz-45nm"
        XCTAssertThrowsError(try registry.register(clash))
    }

    func testCacheSizesAreReadFromSysfsWithDefaults() throws {
        let tree = try TemporaryTree("cache")
        let levels = [("index0", "1", "Data", "32K"), ("index1", "1", "Instruction", "64K"),
                      ("index2", "2", "Unified", "512K"), ("index3", "3", "Unified", "32768K")]
        for (index, level, type, size) in levels {
            try tree.write("\(index)/level", level + "\n")
            try tree.write("\(index)/type", type + "\n")
            try tree.write("\(index)/size", size + "\n")
        }
        let caches = CacheHierarchy.detect(root: tree.root)
        XCTAssertEqual(caches.capacities, [.l1: 32 << 10, .l2: 512 << 10, .l3: 32 << 20], "instruction cache ignored")
        XCTAssertEqual(caches.level(forWorkingSet: 32 << 10), .l1)
        XCTAssertEqual(caches.level(forWorkingSet: (32 << 10) + 1), .l2)
        XCTAssertEqual(caches.level(forWorkingSet: 1 << 30), .dram)
        XCTAssertEqual(CacheHierarchy.detect(root: "/nonexistent/cache"), CacheHierarchy.defaults)
        XCTAssertEqual(CacheHierarchy.parseSize("1M"), 1 << 20)
        XCTAssertNil(CacheHierarchy.parseSize("99999999999999999999K"))
    }

    func testTimeTimesPowerAndCarbon() throws {
        let coarse = try timeTimesPowerEnergy(seconds: 2, cpuWatts: 85, load: 0.5)
        XCTAssertEqual(coarse.joules, 85)
        XCTAssertEqual(coarse.source, .timeTimesPower(cpuWatts: 85, load: 0.5))
        XCTAssertTrue("\(coarse.source)".contains("CodeCarbon"))
        XCTAssertThrowsError(try timeTimesPowerEnergy(seconds: 1, cpuWatts: 0))
        // 1 kWh = 3.6e6 J at 400 g/kWh → 400 g
        XCTAssertEqual(try carbonDioxideEquivalentGrams(joules: 3.6e6, gridGramsPerKilowattHour: 400), 400, accuracy: 1e-9)
        XCTAssertThrowsError(try carbonDioxideEquivalentGrams(joules: -1, gridGramsPerKilowattHour: 400))
    }

    func testCPUModelIsReadFromCpuinfo() throws {
        let tree = try TemporaryTree("cpuinfo")
        try tree.write("cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz\n")
        XCTAssertEqual(MachineInfo.cpuModel(path: tree.root + "/cpuinfo"), "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz")
        try tree.write("arm", "processor\t: 0\nCPU part\t: 0xd0c\n")
        XCTAssertEqual(MachineInfo.cpuModel(path: tree.root + "/arm"), "Arm CPU part 0xd0c")
        XCTAssertEqual(MachineInfo.cpuModel(path: "/nonexistent/cpuinfo"), "unknown CPU")
    }
}
