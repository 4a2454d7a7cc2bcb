import EffEnergy
import EffLab
import EffLanguage
import EffModels
import Foundation
import XCTest

/// meters, profiles, energy_table, profile and estimate through a session.
final class EnergyBuiltinTests: XCTestCase {
    /// With empty powercap/perf trees and no NVML library, every meter is listed as unavailable with its reason.
    func testMetersListsEachMeterWithItsReason() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("eff-meters-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        setenv("EFF_POWERCAP_ROOT", empty.path, 1)
        setenv("EFF_PERF_POWER_ROOT", empty.path, 1)
        setenv("EFF_NVML_LIBRARY", empty.appendingPathComponent("libnvidia-ml.so.1").path, 1)
        defer { unsetenv("EFF_POWERCAP_ROOT"); unsetenv("EFF_PERF_POWER_ROOT"); unsetenv("EFF_NVML_LIBRARY") }
        let output = energyClean("""
            let m = meters()
            print(type(m), m.columns)
            print(m.meter)
            print(m.available)
            for row in m { print(row.meter, "-", row.reason) }
            """)
        let lines = paddedLines(output)
        XCTAssertEqual(lines[0], "table [\"meter\", \"available\", \"reason\"]")
        XCTAssertEqual(lines[1], "[\"rapl\", \"perf-power\", \"nvml\"]")
        XCTAssertEqual(lines[2], "[false, false, false]")
        // The reasons are the meters' own (EffEnergy's), never an empty string or "0 J".
        let reasons = Meters.survey().map { $0.reason ?? "" }
        XCTAssertEqual(lines[3], "rapl - " + reasons[0])
        XCTAssertEqual(lines[4], "perf-power - " + reasons[1])
        XCTAssertEqual(lines[5], "nvml - " + reasons[2])
        XCTAssert(lines[5].contains("libnvidia-ml"), lines[5])
        // Naming an unavailable meter is an error carrying its reason, not a silent estimate.
        energyError("measure(m, d, meter: \"rapl\")",
                    globals: ["m": try modelGlobal([4, 3, 2], seed: 1, name: "tiny"),
                              "d": .object(DatasetValue(try randomDataset(count: 8, features: 4, classes: 2, seed: 1)))],
                    contains: "meter rapl cannot be used here: " + reasons[0])
    }

    func testProfilesAndEnergyTableShowTheCitedPrices() {
        let output = energyClean("""
            let p = profiles()
            print(p.name[0], p.kind[0], p.columns)
            let t = energy_table()
            print(t.name)
            for row in t.operations { if row.operation == "f32_multiply_add" or row.operation == "int8_add" { print(row.operation, row.energy, row.derivation) } }
            for row in t.memory { if row.level == "DRAM" { print(row.level, row.energy, row.assumption) } }
            t
            """)
        // User profiles defined by other tests may follow (they live for the process); the built-in comes first.
        XCTAssert(output.contains("horowitz-45nm built-in [\"name\", \"kind\", \"operations\", \"citation\"]"), output)
        XCTAssert(output.contains("f32_multiply_add 4.6 pJ f32 mult 3.7 + f32 add 0.9"), output)
        XCTAssert(output.contains("int8_add 0.03 pJ int8 add 0.03"), output)
        XCTAssert(output.contains("DRAM 1300 pJ true"), output)
        XCTAssert(output.contains("source: M. Horowitz"), output)
        XCTAssert(output.contains("doi:10.1109/ISSCC.2014.6757323"), output)
    }

    /// mlp [4, 3, 2], f32, batch 1, priced by hand with horowitz-45nm (every working set fits any L1):
    /// layer 1 (3×4, relu): 12 multiply-adds, 3 bias adds, 3 relu compares; layer 2 (2×3): 6 multiply-adds, 2 bias adds.
    /// Compute: 18 × 4.6 + 5 × 0.9 (f32 add) + 3 × 0.9 (compare = f32 add) = 90 pJ.
    /// Memory (total work): weights 48 + 24 = 72 B → 9 accesses; activations read 16 + 12 (bias) + 12 + 8 (bias) = 48 B → 6,
    /// written 12 + 8 = 20 B → 3; 18 accesses × 20 pJ (L1, SRAM 32 KB) = 360 pJ. Total 450 pJ.
    func testEstimateOfASmallMLPMatchesTheHandComputedPrice() throws {
        let model = try Model.mlp([4, 3, 2], seed: 7, name: "tiny")
        let output = energyClean("""
            let e = estimate(m)
            print(type(e), value(e.energy, "pJ"), value(e.compute, "pJ"), value(e.memory, "pJ"))
            print(e.source)
            print(e.weights_level, e.activations_level, e.batch, e.model)
            print(e.layers.layer)
            let e4 = estimate(m, batch: 4)
            print(value(e4.energy, "pJ"))
            e
            """, globals: ["m": .object(ModelValue(model))], width: 200)
        let lines = paddedLines(output)
        XCTAssertEqual(lines[0], "estimate 450 90 360")
        XCTAssertEqual(lines[1], "estimated, profile horowitz-45nm (Horowitz ISSCC 2014, 45 nm)")
        XCTAssertEqual(lines[2], "L1 L1 1 tiny")
        XCTAssertEqual(lines[3], "[\"0 dense 4→3 f32\", \"1 dense 3→2 f32\"]")
        // Batch 4: the weights are read once per call, so the per-inference energy falls:
        // compute 4 × 90 = 360; weights 9, activations ⌈(4·16 + 12 + 4·12 + 8)/8⌉ = 17 and ⌈(4·12 + 4·8)/8⌉ = 10 accesses;
        // (9 + 17 + 10) × 20 = 720; (360 + 720) / 4 = 270 pJ per inference.
        XCTAssertEqual(lines[4], "270")
        XCTAssert(lines[5].hasPrefix("estimate tiny: 450 pJ per inference (batch 1) [estimated, profile horowitz-45nm (Horowitz ISSCC 2014, 45 nm)]"), lines[5])
        // The same number as EffEnergy's estimator called directly.
        let direct = try EnergyEstimator().estimate(layers: model.layerWork(batch: 1).enumerated().map { LayerWork(name: "\($0.offset)", work: $0.element) })
        XCTAssertEqual(direct.total.energy.joules * 1e12, 450, accuracy: 1e-9)
    }

    func testUserProfilePricesAnEstimate() {
        let output = energyClean("""
            let p = profile(name: "test-half", citation: "half of Horowitz, for a test",
                            ops: {f32_multiply_add: 2.3 pJ, f32_add: 0.45 pJ, f32_compare: 0.45 pJ},
                            memory: {L1: 10 pJ, L2: 50 pJ, L3: 50 pJ, DRAM: 650 pJ})
            print(type(p), p.name)
            print(value(estimate(m, profile: "test-half").energy, "pJ"))
            print(estimate(m, profile: p).source)
            print(contains(profiles().name, "test-half"))
            """, globals: ["m": (try? modelGlobal([4, 3, 2], seed: 7, name: "tiny")) ?? .nilValue])
        XCTAssertEqual(output.split(separator: "\n").map(String.init),
                       ["energy profile test-half", "225", "estimated, profile test-half (half of Horowitz, for a test)", "true"])
    }

    func testEnergyErrorsNameTheProblem() throws {
        let globals: [String: Value] = ["m": try modelGlobal([4, 3, 2], seed: 7, name: "tiny")]
        energyError("estimate(m, profile: \"horowitz-7nm\")", globals: globals, contains: "no energy profile named \"horowitz-7nm\"")
        energyError("energy_table(\"nope\")", contains: "no energy profile named \"nope\"")
        energyError("estimate(3)", contains: "estimate: 'model' must be a model, got number")
        energyError("estimate(m, batch: 0)", globals: globals, contains: "batch must be within 1...65536")
        energyError("profile(name: \"x1\", ops: {f32_multiply_add: 4.6}, memory: {L1: 1 pJ, L2: 1 pJ, L3: 1 pJ, DRAM: 1 pJ})",
                    contains: "ops.f32_multiply_add must be an energy")
        energyError("profile(name: \"x2\", ops: {f32_fma: 4.6 pJ}, memory: {L1: 1 pJ, L2: 1 pJ, L3: 1 pJ, DRAM: 1 pJ})",
                    contains: "unknown operation \"f32_fma\"")
        energyError("profile(name: \"x3\", ops: {f32_add: 1 pJ}, memory: {L1: 1 pJ, L2: 1 pJ})",
                    contains: "missing the price of a 64-bit access at L3")
        energyError("profile(name: \"horowitz-45nm\", ops: {f32_add: 1 pJ}, memory: {L1: 1 pJ, L2: 1 pJ, L3: 1 pJ, DRAM: 1 pJ})",
                    contains: "is a built-in profile")
        // A profile that cannot price an operation the model does makes the estimate fail, naming it.
        energyError("""
            profile(name: "adds-only", ops: {f32_add: 1 pJ}, memory: {L1: 1 pJ, L2: 1 pJ, L3: 1 pJ, DRAM: 1 pJ})
            estimate(m, profile: "adds-only")
            """, globals: globals, contains: "has no price for f32_multiply_add")
    }
}

/// Every energy builtin's help example runs (help, the prompt and docs show them).
final class EnergyExamplesRunTests: XCTestCase {
    func testEveryEnergyBuiltinHasARunnableExample() {
        for builtin in LabEnergyBuiltins.list {
            XCTAssertEqual(builtin.category, "energy", builtin.name)
            XCTAssertFalse(builtin.summary.isEmpty, builtin.name)
            let run = EnergyRun(builtin.example)
            XCTAssertEqual(run.errors, [], "example of \(builtin.name): \(builtin.example)")
        }
        XCTAssertEqual(LabEnergyBuiltins.list.map(\.name),
                       ["meters", "profiles", "energy_table", "profile", "estimate", "measure", "compare", "claim"])
    }
}

/// RMSNorm (one file and one registry line in EffModels) is declared, summarised, trained and estimated
/// through the language like the other kinds.
final class RMSNormLanguageTests: XCTestCase {
    func testDeclaredInAModelBlockSummarisedTrainedAndEstimated() throws {
        let output = energyClean("""
            model tiny {
              input 4
              dense 8, relu
              rmsnorm
              dense 3
            }
            print(tiny)
            let s = summary(tiny)
            print(map(weights(tiny), fn(w) => w.kind))
            let e = estimate(tiny)
            print(e.layers.layer)
            print(value(e.energy, "pJ") > 0)
            let data = dataset("iris")
            let history = train(tiny, data, epochs: 2)
            print(evaluate(tiny, data).accuracy > 0)
            """, width: 200)
        let lines = paddedLines(output)
        XCTAssertTrue(lines[0].contains("dense 4→8 relu → rmsnorm 8 → dense 8→3"), lines[0])
        XCTAssertEqual(lines[1], "[\"dense\", \"rmsnorm\", \"dense\"]")
        XCTAssertEqual(lines[2], "[\"0 dense 4→8 f32\", \"1 rmsnorm\", \"2 dense 8→3 f32\"]")
        XCTAssertEqual(lines[3], "true")
        XCTAssertEqual(output.split(separator: "\n").last, "true", output)
    }
}
