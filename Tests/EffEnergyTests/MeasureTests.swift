import Foundation
import XCTest
import EffKernels
@testable import EffEnergy

/// `measure` and `compare` on real closures; a generated powercap tree stands in for the RAPL counter,
/// advanced by the benchmark itself so the expected joules are known exactly.
final class MeasureTests: XCTestCase {
    let caches = CacheHierarchy(capacities: [.l1: 32 << 10, .l2: 512 << 10, .l3: 32 << 20], source: "test")

    var fastOptions: MeasureOptions {
        var options = MeasureOptions()
        options.warmupSeconds = 0.02
        options.minimumRepetitions = 8
        options.timeBudgetSeconds = 1
        options.relativePrecision = 0.05
        return options
    }

    /// Deterministic busy work the optimizer cannot remove.
    final class Spinner {
        var state: UInt64 = 1
        func spin(_ steps: Int) {
            for _ in 0..<steps { state = state &* 6364136223846793005 &+ 1442695040888963407 }
        }
    }

    func layerWork() -> Work {
        var work = Work()
        work.add(.f32MultiplyAdd, 64 * 256)
        work.add(.f32Add, 256)
        work.weightBytesRead = 65_536
        work.activationBytesRead = 1_280
        work.activationBytesWritten = 1_024
        return work
    }

    func testMeasureWithoutMeterReportsLatencyAndTheEstimate() throws {
        let spinner = Spinner()
        let benchmark = Benchmark(name: "f32", inferencesPerCall: 4, work: layerWork()) { spinner.spin(2_000) }
        let result = try EffEnergy.measure(benchmark, options: fastOptions, estimator: EnergyEstimator(caches: caches))
        XCTAssertGreaterThanOrEqual(result.latencySamples.count, 2)
        XCTAssertGreaterThan(result.latency.median, 0)
        let interval = try XCTUnwrap(result.latency.confidenceInterval)
        XCTAssertTrue(interval.contains(result.latency.median))
        XCTAssertEqual(result.throughput, 4 / result.latency.median, accuracy: 1e-9 * result.throughput)
        XCTAssertNil(result.measuredEnergy)
        // 900556.8 pJ per call (see EstimatorTests) over 4 inferences
        XCTAssertEqual(result.energyPerInference?.joules ?? 0, 900_556.8e-12 / 4, accuracy: 1e-18)
        XCTAssertEqual(result.energyPerInference?.source, .estimated(profile: "horowitz-45nm"))
        XCTAssertEqual(result.averagePower?.source, .estimated(profile: "horowitz-45nm"))
        XCTAssertEqual(result.averagePower?.watts ?? 0, 900_556.8e-12 / result.latency.median, accuracy: 1e-12)
        XCTAssertGreaterThan(result.callsPerRepetition, 0)
        XCTAssertTrue(result.description.hasPrefix("f32: latency median "), result.description)
        XCTAssertTrue(result.description.contains("nJ/inference [estimated, profile horowitz-45nm]"), result.description)
    }

    func testMeasureWithRAPLCounterReportsExactJoulesPerInference() throws {
        let tree = try TemporaryTree("measure-rapl")
        try tree.addZone("intel-rapl:0", name: "package-0", microjoules: 0)
        let meter = try RAPLMeter(root: tree.root)
        var counter: UInt64 = 0
        // Each call "uses" 1000 µJ and performs 4 inferences: 250 µJ = 2.5e-4 J per inference.
        let benchmark = Benchmark(name: "file-backed", inferencesPerCall: 4, work: layerWork()) {
            counter += 1_000
            try tree.setEnergy("intel-rapl:0", counter)
        }
        let result = try EffEnergy.measure(benchmark, options: fastOptions, meter: meter, estimator: EnergyEstimator(caches: caches))
        let measured = try XCTUnwrap(result.measuredEnergy)
        XCTAssertEqual(measured.joules, 2.5e-4, accuracy: 1e-12)
        XCTAssertEqual(measured.source, .measured(meter: "rapl", domains: ["package-0"], basis: .total))
        XCTAssertEqual(result.energyPerInference, measured, "the measurement takes precedence over the estimate")
        XCTAssertNotNil(result.estimatedEnergy)
        // Every repetition used exactly 250 µJ per inference, so the interval collapses to the point.
        XCTAssertEqual(measured.confidenceInterval?.lower ?? 0, 2.5e-4, accuracy: 1e-12)
        XCTAssertEqual(measured.confidenceInterval?.upper ?? 0, 2.5e-4, accuracy: 1e-12)
        XCTAssertEqual(result.averagePower?.source, measured.source)
        XCTAssertGreaterThan(result.averagePower?.watts ?? 0, 0)
        XCTAssertTrue(result.notes.contains("no dram zone: DRAM energy is not measured"))
    }

    func testIdleSubtractionIsLabelledNetOfIdle() throws {
        let tree = try TemporaryTree("measure-idle")
        try tree.addZone("intel-rapl:0", name: "package-0", microjoules: 0)
        let meter = try RAPLMeter(root: tree.root)
        var counter: UInt64 = 0
        let benchmark = Benchmark(name: "idle-test") {
            counter += 500
            try tree.setEnergy("intel-rapl:0", counter)
        }
        var options = fastOptions
        options.subtractIdle = true
        options.maximumIdleSeconds = 0.1
        let result = try EffEnergy.measure(benchmark, options: options, meter: meter, estimator: nil)
        XCTAssertEqual(result.idleWatts ?? -1, 0, accuracy: 1e-12, "the counter does not move while idle")
        XCTAssertEqual(result.measuredEnergy?.source, .measured(meter: "rapl", domains: ["package-0"], basis: .netOfIdle))
        XCTAssertEqual(result.measuredEnergy?.joules ?? 0, 5e-4, accuracy: 1e-12)
        XCTAssertTrue("\(result.measuredEnergy!)".contains("net of idle"))
    }

    func testCounterThatDoesNotMoveGrowsTheRepetition() throws {
        let tree = try TemporaryTree("measure-slow-counter")
        try tree.addZone("intel-rapl:0", name: "package-0", microjoules: 0)
        let meter = try RAPLMeter(root: tree.root)
        let spinner = Spinner()
        var lastUpdate = monotonicSeconds()
        var microjoules: UInt64 = 0
        // Like NVML, the counter only updates every 50 ms, while a repetition starts at ~10 ms.
        let benchmark = Benchmark(name: "coarse") {
            spinner.spin(200)
            let now = monotonicSeconds()
            if now - lastUpdate >= 0.05 {
                lastUpdate = now
                microjoules += 1_000_000
                try tree.setEnergy("intel-rapl:0", microjoules)
            }
        }
        let result = try EffEnergy.measure(benchmark, options: fastOptions, meter: meter, estimator: nil)
        XCTAssertTrue(result.notes.contains { $0.contains("too short for the rapl counter to move") }, "\(result.notes)")
        XCTAssertFalse(result.energySamples.isEmpty, "repetitions grew until the counter moved")
    }

    func testBadInputThrows() {
        var options = fastOptions
        options.minimumRepetitions = 1
        XCTAssertThrowsError(try EffEnergy.measure(Benchmark(name: "x") {}, options: options))
        XCTAssertThrowsError(try EffEnergy.measure(Benchmark(name: "x", inferencesPerCall: 0) {}, options: fastOptions))
        XCTAssertThrowsError(try compare([], options: fastOptions))
        struct Failure: Error {}
        XCTAssertThrowsError(try EffEnergy.measure(Benchmark(name: "fails") { throw Failure() }, options: fastOptions))
    }

    func testCompareInterleavesAndReportsRatiosAgainstTheFirst() throws {
        let spinner = Spinner()
        var int8Work = Work()
        int8Work.add(.convert, 64)
        int8Work.add(.int8MultiplyAdd, 64 * 256)
        int8Work.add(.f32Multiply, 256)
        int8Work.add(.f32Add, 256)
        int8Work.weightBytesRead = 17_408
        int8Work.activationBytesRead = 1_280
        int8Work.activationBytesWritten = 1_024
        let slow = Benchmark(name: "f32", work: layerWork()) { spinner.spin(40_000) }
        let fast = Benchmark(name: "int8", work: int8Work) { spinner.spin(2_000) }
        let comparison = try compare([slow, fast], options: fastOptions, estimator: EnergyEstimator(caches: caches))
        XCTAssertEqual(comparison.results.map(\.name), ["f32", "int8"])
        XCTAssertEqual(comparison.results[0].latencySamples.count, comparison.rounds)
        XCTAssertEqual(comparison.results[1].latencySamples.count, comparison.rounds)
        XCTAssertEqual(comparison.latencyRatios[0].value, 1)
        XCTAssertLessThan(comparison.latencyRatios[1].value, 1, "20× less busy work is faster")
        XCTAssertNotNil(comparison.latencyRatios[1].confidenceInterval)
        // Hand-computed estimates (EstimatorTests): 55430.4 / 900556.8, exact.
        let energy = try XCTUnwrap(comparison.energyRatios[1])
        XCTAssertEqual(energy.value, 55_430.4 / 900_556.8, accuracy: 1e-12)
        XCTAssertNil(energy.confidenceInterval)
        XCTAssertTrue(energy.method.contains("exact"))
        XCTAssertTrue(comparison.description.contains("interleaved rounds"), comparison.description)
    }
}
