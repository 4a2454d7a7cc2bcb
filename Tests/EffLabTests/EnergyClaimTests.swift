import EffEnergy
import EffLab
import EffLanguage
import EffModels
import Foundation
import XCTest

/// claim, compare and measure through a session.
final class EnergyClaimTests: XCTestCase {
    /// small = mlp [4, 3, 2], big = mlp [4, 64, 2], untrained; d = 40 random examples of 4 features, 2 classes.
    func globals() throws -> [String: Value] {
        ["small": try modelGlobal([4, 3, 2], seed: 7, name: "small"),
         "big": try modelGlobal([4, 64, 2], seed: 8, name: "big"),
         "other": try modelGlobal([4, 3, 2], seed: 11, name: "other"),
         "d": .object(DatasetValue(try randomDataset(count: 40, features: 4, classes: 2, seed: 3)))]
    }

    func testEnergyClaimsWithEstimatesAreExactAndDeterministic() throws {
        let output = energyClean("""
            let ratio = estimate(small).energy / estimate(big).energy
            let yes = claim(small, big, d, [{metric: "energy", relation: "<=", bound: 1/2}])
            let no = claim(small, big, d, [{metric: "energy", relation: "<=", bound: 1/100}])
            print(type(yes), yes.verdict, no.verdict)
            print(yes.energy_ratio == ratio, yes.energy_low == ratio, yes.energy_high == ratio)
            print(no.evidence[0])
            print(yes.energy_source)
            """, globals: try globals())
        let lines = paddedLines(output)
        XCTAssertEqual(lines[0], "verdict SUPPORTED NOT SUPPORTED")
        XCTAssertEqual(lines[1], "true true true")
        XCTAssert(lines[2].hasPrefix("energy ratio 1/"), lines[2])
        XCTAssert(lines[2].contains("(exact) [estimated, profile horowitz-45nm (Horowitz ISSCC 2014, 45 nm)]; claim energy <= 1/100: NOT SUPPORTED"), lines[2])
        XCTAssertEqual(lines[3], "estimated, profile horowitz-45nm (Horowitz ISSCC 2014, 45 nm)")
    }

    func testAccuracyClaimsUseThePairedEvidence() throws {
        let output = energyClean("""
            let same = claim(small, small, d, [{metric: "accuracy", relation: ">=", bound: 0}])
            let strict = claim(small, small, d, [{metric: "accuracy", relation: ">", bound: 0}])
            print(same.verdict, strict.verdict, same.accuracy_difference, same.p_value, same.accuracy_low < 0, same.accuracy_high > 0)
            let v = claim(other, small, d, [{metric: "accuracy", relation: ">=", bound: 0}])
            print(v.verdict, v.p_value > 0.05, v.accuracy_low < 0, v.accuracy_high > 0)
            print(v.accuracy_difference == v.candidate_accuracy - v.baseline_accuracy)
            v
            print(v.evidence[0])
            """, globals: try globals(), width: 1000)
        let lines = paddedLines(output)
        // Identical predictions: difference exactly 0, but 40 examples leave Newcombe's interval on both sides of 0,
        // so neither ">= 0" nor "> 0" is shown (docs/energy.md).
        XCTAssertEqual(lines[0], "INCONCLUSIVE INCONCLUSIVE 0 1 true true")
        // Two untrained models disagree on some examples both ways: the interval straddles 0.
        XCTAssertEqual(lines[1], "INCONCLUSIVE true true true")
        XCTAssertEqual(lines[2], "true")
        XCTAssert(lines[3].hasPrefix("INCONCLUSIVE: other vs small"), lines[3])
        XCTAssert(lines[4].contains("McNemar p = "), lines[4])
        XCTAssert(lines[5].hasSuffix("conditions: data random (40 examples); batch 1; formats other f32, small f32"), lines[5])
        // Nothing here was measured on this machine, so neither threads nor machine are part of the conditions.
        XCTAssertFalse(lines[5].contains("machine"), lines[5])
        // Cross-check with EffEnergy on the same per-example outcomes.
        let data = try randomDataset(count: 40, features: 4, classes: 2, seed: 3)
        let first = try Model.mlp([4, 3, 2], seed: 11, name: "other").evaluate(on: data).correct
        let second = try Model.mlp([4, 3, 2], seed: 7, name: "small").evaluate(on: data).correct
        let test = try McNemarTest(first: first, second: second)
        XCTAssert(lines[6].contains("McNemar p = \(QuantityFormatterProxy.number(test.pValue)), \(test.firstOnlyCorrect) only other right, \(test.secondOnlyCorrect) only small right, of 40"), lines[6])
        // At 80 columns the display wraps with a hanging indent, never past the width.
        let narrow = energyClean("claim(other, small, d, [{metric: \"accuracy\", relation: \">=\", bound: 0}])", globals: try globals())
        for line in narrow.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 80, String(line)) }
    }

    func testConjunctionAndLatencyConditions() throws {
        let output = energyClean("""
            let v = claim(small, big, d, [{metric: "energy", relation: "<=", bound: 1/2}, {metric: "accuracy", relation: ">=", bound: 0.5}])
            print(v.verdict, len(v.evidence))
            let fast = claim(small, big, d, [{metric: "latency", relation: "<", bound: 1000}], budget: 0.2 s)
            print(fast.verdict, fast.latency_ratio > 0, fast.latency_low <= fast.latency_high)
            """, globals: try globals())
        let lines = paddedLines(output)
        // Energy is supported, but an accuracy gain of 50 points is not: the conjunction is NOT SUPPORTED.
        XCTAssertEqual(lines[0], "NOT SUPPORTED 2")
        XCTAssertEqual(lines[1], "SUPPORTED true true")
    }

    func testBadConditionsAreErrors() throws {
        let g = try globals()
        energyError("claim(small, big, d, [])", globals: g, contains: "'conditions' is empty")
        energyError("claim(small, big, d, [{metric: \"speed\", relation: \"<=\", bound: 1}])", globals: g,
                    contains: "condition 1: metric must be one of \"energy\", \"latency\", \"accuracy\", \"perplexity\", got \"speed\"")
        energyError("claim(small, big, d, [{metric: \"energy\", relation: \"=<\", bound: 1}])", globals: g,
                    contains: "relation must be one of")
        energyError("claim(small, big, d, [{metric: \"energy\", relation: \"<=\", bound: \"1/100\"}])", globals: g,
                    contains: "bound must be a finite number")
        energyError("claim(small, big, d, [{metric: \"energy\", relation: \"<=\", bound: 0}])", globals: g,
                    contains: "must be > 0")
        energyError("claim(small, big, d, [{metric: \"accuracy\", relation: \">=\", bound: 5}])", globals: g,
                    contains: "within -1...1")
        energyError("claim(small, big, d, [\"energy <= 1/100\"])", globals: g, contains: "condition 1 must be a record")
        energyError("claim(small, big, d, [{metric: \"energy\", relation: \"<=\", bound: 1}], meter: \"watts\")", globals: g,
                    contains: "unknown meter \"watts\"")
        energyError("claim(small, 3, d, [{metric: \"energy\", relation: \"<=\", bound: 1}])", globals: g,
                    contains: "'baseline' must be a model")
        let wide: [String: Value] = g.merging(["wide": try modelGlobal([5, 3, 2], seed: 1, name: "wide")]) { $1 }
        energyError("claim(wide, small, d, [{metric: \"accuracy\", relation: \">=\", bound: 0}])", globals: wide,
                    contains: "takes 5 features")
    }

    func testCompareTableHasTheDocumentedColumns() throws {
        let output = energyClean("""
            let r = compare([big, small], d, budget: 0.2 s, meter: "none")
            print(type(r), r.columns)
            print(r.name, r.format, r.parameters, r.operations)
            print(r.estimated_ratio[0], r.estimated_ratio[1] == estimate(small).energy / estimate(big).energy)
            print(r.energy == r.estimated_energy, r.energy_ratio == r.estimated_ratio)
            print(r.accuracy[1] == evaluate(small, d).accuracy, r.latency_ratio[0], type(r.latency[1]))
            """, globals: try globals())
        let lines = paddedLines(output)
        XCTAssertEqual(lines[0], "table [\"name\", \"format\", \"accuracy\", \"parameters\", \"bytes\", \"operations\", \"latency\", "
            + "\"latency_ratio\", \"energy\", \"energy_ratio\", \"energy_source\", \"estimated_energy\", \"estimated_ratio\"]")
        // big: 64·4 + 64 + 2·64 + 2 = 450 parameters; operations 256 + 64 + 64 (relu) + 128 + 2 = 514.
        // small: 12 + 3 + 6 + 2 = 23 parameters; operations 12 + 3 + 3 + 6 + 2 = 26.
        XCTAssertEqual(lines[1], "[\"big\", \"small\"] [\"f32\", \"f32\"] [450, 23] [514, 26]")
        XCTAssertEqual(lines[2], "1 true")
        XCTAssertEqual(lines[3], "true true")
        XCTAssertEqual(lines[4], "true 1 time")
    }

    func testMeasureReportsLatencyAndLabelledEnergy() throws {
        let output = energyClean("""
            let m = measure(small, d, budget: 0.2 s, meter: "none")
            print(type(m), m.energy == estimate(small).energy, m.source, m.basis)
            print(type(m.latency), m.latency_low <= m.latency, m.latency <= m.latency_high, m.throughput > 0, m.repetitions >= 2)
            print(m.layers.layer)
            """, globals: try globals())
        let lines = paddedLines(output)
        XCTAssertEqual(lines[0], "measurement true estimated, profile horowitz-45nm (Horowitz ISSCC 2014, 45 nm) estimate (no meter)")
        XCTAssertEqual(lines[1], "time true true true true")
        XCTAssertEqual(lines[2], "[\"0 dense 4→3 f32\", \"1 dense 3→2 f32\"]")
        energyError("measure(small, d, target_ci: 2)", globals: try globals(), contains: "target_ci must be within (0, 1)")
        energyError("measure(small, d, budget: 5 J)", globals: try globals(), contains: "'budget' must be a time")
        energyError("measure(small, d, idle: true, meter: \"none\")", globals: try globals(), contains: "idle: true needs a meter")
    }
}

extension EnergyClaimTests {
    /// A generated powercap tree with one package zone whose counter never moves: the meter opens
    /// (meters() lists it as available), and a measured claim refuses to report energy it did not see.
    func testMeasuredEnergyNeedsACounterThatMoves() throws {
        let root = try Self.stuckPowercapTree()
        defer { try? FileManager.default.removeItem(at: root); unsetenv("EFF_POWERCAP_ROOT") }
        let output = energyClean("for row in meters() { if row.meter == \"rapl\" { print(row.available, row.reason) } }")
        XCTAssert(output.hasPrefix("true domains package-0"), output)
        energyError("claim(small, big, d, [{metric: \"energy\", relation: \"<=\", bound: 1}], meter: \"rapl\", budget: 0.1 s)",
                    globals: try globals(), contains: "the rapl counter never moved while measuring small")
    }
}

extension EnergyClaimTests {
    /// Writes a powercap tree with one package zone whose counter never moves and points EFF_POWERCAP_ROOT at it
    /// (the caller removes it and unsets the variable).
    static func stuckPowercapTree() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("eff-powercap-\(UUID().uuidString)")
        let zone = root.appendingPathComponent("intel-rapl:0")
        try FileManager.default.createDirectory(at: zone, withIntermediateDirectories: true)
        try "package-0\n".write(to: zone.appendingPathComponent("name"), atomically: true, encoding: .utf8)
        try "123456\n".write(to: zone.appendingPathComponent("energy_uj"), atomically: true, encoding: .utf8)
        try "262143328850\n".write(to: zone.appendingPathComponent("max_energy_range_uj"), atomically: true, encoding: .utf8)
        setenv("EFF_POWERCAP_ROOT", root.path, 1)
        return root
    }
}

/// eff's number formatting (what `print` writes for a number), for expected strings.
enum QuantityFormatterProxy {
    static func number(_ value: Double) -> String { Value.number(value).text() }
}
