import XCTest
@testable import EffEnergy

/// Claim verdicts: supported only when the whole interval satisfies the bound.
final class ClaimTests: XCTestCase {
    let profileSource = EnergySource.estimated(profile: "horowitz-45nm")
    let conditions = ClaimConditions(dataset: "digits", batchSize: 1, threads: 1, machine: "test CPU")

    /// Correctness arrays of `count` examples with b examples only the candidate gets right,
    /// c only the baseline gets right, and `both` right for both.
    func paired(count: Int, b: Int, c: Int, both: Int) -> (candidate: [Bool], baseline: [Bool]) {
        var candidate: [Bool] = [], baseline: [Bool] = []
        for index in 0..<count {
            switch index {
            case 0..<b: candidate.append(true); baseline.append(false)
            case b..<(b + c): candidate.append(false); baseline.append(true)
            case (b + c)..<(b + c + both): candidate.append(true); baseline.append(true)
            default: candidate.append(false); baseline.append(false)
            }
        }
        return (candidate, baseline)
    }

    func testJudgeUsesTheWholeInterval() {
        let atMost = ClaimCondition(.energy, .atMost, 0.01)
        XCTAssertEqual(atMost.judge(ConfidenceInterval(lower: 0.004, upper: 0.009, level: 0.95)), .supported)
        XCTAssertEqual(atMost.judge(ConfidenceInterval(lower: 0.04, upper: 0.05, level: 0.95)), .notSupported)
        XCTAssertEqual(atMost.judge(ConfidenceInterval(lower: 0.008, upper: 0.012, level: 0.95)), .inconclusive)
        let greater = ClaimCondition(.accuracy, .greaterThan, 0)
        XCTAssertEqual(greater.judge(ConfidenceInterval(lower: 0, upper: 0.01, level: 0.95)), .inconclusive)
        XCTAssertEqual(greater.judge(ConfidenceInterval(lower: -0.02, upper: 0, level: 0.95)), .notSupported)
        XCTAssertEqual(Verdict.all([.supported, .inconclusive]), .inconclusive)
        XCTAssertEqual(Verdict.all([.supported, .notSupported, .inconclusive]), .notSupported)
        XCTAssertEqual(Verdict.all([.supported, .supported]), .supported)
    }

    func testEstimatedSixteenfoldIsNotAHundredfold() throws {
        let data = paired(count: 360, b: 0, c: 0, both: 350)
        let tern = SystemEvidence(name: "int8", energy: EnergyFigure(joules: 55_430.4e-12, source: profileSource),
                                  correct: data.candidate, format: "int8")
        let base = SystemEvidence(name: "baseline", energy: EnergyFigure(joules: 900_556.8e-12, source: profileSource),
                                  correct: data.baseline, format: "f32")
        let result = try evaluateClaim([ClaimCondition(.energy, .atMost, 1.0 / 100), ClaimCondition(.accuracy, .atLeast, 0)],
                                       candidate: tern, baseline: base, conditions: conditions)
        XCTAssertEqual(result.verdict, .notSupported)
        XCTAssertEqual(result.results[0].verdict, .notSupported)
        XCTAssertEqual(result.results[0].value, 55_430.4 / 900_556.8, accuracy: 1e-12)
        // Identical predictions (350 right, 10 wrong for both): the difference is 0, but Newcombe's interval keeps
        // ±1.13 points (φ = (3500 − 180)/3500), so "accuracy ≥ 0" cannot be told from a small loss.
        XCTAssertEqual(result.results[1].verdict, .inconclusive, "identical predictions: difference 0, interval ±1.13 pt")
        XCTAssertEqual(result.results[1].interval.lower, -0.0113471896, accuracy: 1e-9)
        XCTAssertEqual(result.conditions.formats, ["int8": "int8", "baseline": "f32"])
        XCTAssertEqual(result.conditions.datasetSize, 360)
        XCTAssertEqual(result.conditions.energySource, "estimated, profile horowitz-45nm")
        XCTAssertTrue(result.summary.hasPrefix("NOT SUPPORTED: int8 vs baseline: energy ratio 1/16 (exact), estimated, profile horowitz-45nm"),
                      result.summary)
        XCTAssertTrue(result.summary.contains("machine test CPU"))
    }

    /// Both wrong (or both right) on the same 6 problems: b = c = 0. The bootstrap and the exact conditional
    /// interval are both [0, 0] (they only see discordant pairs); Newcombe's paired score interval is not, so
    /// "accuracy ≥ 0" is INCONCLUSIVE, not SUPPORTED, and "accuracy ≥ −0.5" (within 50 points) is supported.
    func testNoDiscordantPairsOnSixProblemsIsInconclusive() throws {
        for both in [0, 3, 6] {
            let data = paired(count: 6, b: 0, c: 0, both: both)
            let candidate = SystemEvidence(name: "small", correct: data.candidate)
            let baseline = SystemEvidence(name: "base", correct: data.baseline)
            let result = try evaluateClaim([ClaimCondition(.accuracy, .atLeast, 0)], candidate: candidate, baseline: baseline,
                                           conditions: conditions)
            XCTAssertEqual(result.verdict, .inconclusive, "\(both) of 6 right for both: \(result.summary)")
            let accuracy = try XCTUnwrap(result.accuracy)
            XCTAssertEqual(accuracy.exactInterval, ConfidenceInterval(lower: 0, upper: 0, level: 0.95))
            XCTAssertEqual(accuracy.bootstrapInterval, ConfidenceInterval(lower: 0, upper: 0, level: 0.95))
            // Distributions tests: ±0.390334 when a margin is 0 (0 or 6 right), ±0.255060 for 3 of 6.
            let half = both == 3 ? 0.2550602177 : 0.3903342879
            XCTAssertEqual(accuracy.interval.lower, -half, accuracy: 1e-9)
            XCTAssertEqual(accuracy.interval.upper, half, accuracy: 1e-9)
            XCTAssertTrue(result.summary.contains("95% CI −\(both == 3 ? "25.5" : "39") pt..+"), result.summary)
            let loose = try evaluateClaim([ClaimCondition(.accuracy, .atLeast, -0.5)], candidate: candidate, baseline: baseline,
                                          conditions: conditions)
            XCTAssertEqual(loose.verdict, .supported, loose.summary)
        }
    }

    func testOneExampleEdgeOn360IsInconclusive() throws {
        let data = paired(count: 360, b: 1, c: 0, both: 330)
        let candidate = SystemEvidence(name: "tern", correct: data.candidate)
        let baseline = SystemEvidence(name: "base", correct: data.baseline)
        for relation in [ClaimRelation.atLeast, .greaterThan] {
            let result = try evaluateClaim([ClaimCondition(.accuracy, relation, 0)], candidate: candidate, baseline: baseline,
                                           conditions: conditions)
            XCTAssertEqual(result.verdict, .inconclusive, "accuracy \(relation.rawValue) 0: \(result.summary)")
            let accuracy = try XCTUnwrap(result.accuracy)
            // scipy.stats.binomtest(1, 1, 0.5).pvalue = 1.0
            XCTAssertEqual(accuracy.mcnemar.pValue, 1)
            XCTAssertEqual(accuracy.difference, 1.0 / 360, accuracy: 1e-15)
            XCTAssertLessThan(accuracy.interval.lower, 0)
        }
    }

    func testClearAccuracyGainIsSupportedWithMcNemar() throws {
        let data = paired(count: 360, b: 30, c: 10, both: 300)
        let result = try evaluateClaim([ClaimCondition(.accuracy, .greaterThan, 0)],
                                       candidate: SystemEvidence(name: "a", correct: data.candidate),
                                       baseline: SystemEvidence(name: "b", correct: data.baseline), conditions: conditions)
        XCTAssertEqual(result.verdict, .supported)
        let accuracy = try XCTUnwrap(result.accuracy)
        // scipy.stats.binomtest(10, 40, 0.5).pvalue
        XCTAssertEqual(accuracy.mcnemar.pValue, 0.0022214337732293643, accuracy: 1e-12)
        // Exact conditional interval: 40/360 × (2p − 1) for p in scipy.stats.beta.ppf(0.025, 30, 11) .. beta.ppf(0.975, 31, 10)
        XCTAssertEqual(accuracy.exactInterval.lower, 40.0 / 360 * (2 * 0.5880380198485702 - 1), accuracy: 1e-9)
        XCTAssertEqual(accuracy.exactInterval.upper, 40.0 / 360 * (2 * 0.873085201067155 - 1), accuracy: 1e-9)
        XCTAssertTrue(accuracy.bootstrapInterval.contains(20.0 / 360))
        let again = try AccuracyComparison(candidate: data.candidate, baseline: data.baseline, seed: 42)
        XCTAssertEqual(again.bootstrapInterval, accuracy.bootstrapInterval, "seeded")
    }

    func testMeasuredEnergyRatioUsesItsConfidenceInterval() throws {
        let source = EnergySource.measured(meter: "rapl", domains: ["package-0"], basis: .total)
        let baselineSamples = (0..<30).map { 1.0 + 0.02 * Double($0 % 5) }
        let candidateSamples = (0..<30).map { 0.005 + 0.0002 * Double($0 % 3) }
        let candidate = SystemEvidence(name: "tiny", energy: EnergyFigure(joules: 0.0052, source: source), energySamples: candidateSamples)
        let baseline = SystemEvidence(name: "big", energy: EnergyFigure(joules: 1.04, source: source), energySamples: baselineSamples)
        let supported = try evaluateClaim([ClaimCondition(.energy, .atMost, 1.0 / 100)], candidate: candidate, baseline: baseline,
                                          conditions: conditions)
        XCTAssertEqual(supported.verdict, .supported)
        XCTAssertNotNil(supported.energyRatio?.confidenceInterval)
        let borderline = try evaluateClaim([ClaimCondition(.energy, .atMost, 0.005)], candidate: candidate, baseline: baseline,
                                           conditions: conditions)
        XCTAssertEqual(borderline.verdict, .inconclusive, borderline.summary)
    }

    func testMismatchedOrMissingEvidenceThrows() {
        let measured = EnergySource.measured(meter: "rapl", domains: ["package-0"], basis: .total)
        let a = SystemEvidence(name: "a", energy: EnergyFigure(joules: 1, source: measured), energySamples: [1, 1.1, 0.9])
        let b = SystemEvidence(name: "b", energy: EnergyFigure(joules: 2, source: profileSource))
        XCTAssertThrowsError(try evaluateClaim([ClaimCondition(.energy, .atMost, 1)], candidate: a, baseline: b)) { error in
            XCTAssertTrue("\(error)".contains("use the same meter or the same profile"))
        }
        XCTAssertThrowsError(try evaluateClaim([ClaimCondition(.accuracy, .atLeast, 0)], candidate: a, baseline: b))
        XCTAssertThrowsError(try evaluateClaim([], candidate: a, baseline: b))
        let short = SystemEvidence(name: "s", correct: [true])
        let long = SystemEvidence(name: "l", correct: [true, false])
        XCTAssertThrowsError(try evaluateClaim([ClaimCondition(.accuracy, .atLeast, 0)], candidate: short, baseline: long))
    }

    func testFormatting() {
        XCTAssertEqual(formatRatio(1.0 / 23), "1/23")
        XCTAssertEqual(formatRatio(0.4), "1/2.5")
        XCTAssertEqual(formatRatio(2), "2")
        XCTAssertEqual(formatPoints(-0.006), "−0.6 pt")
        XCTAssertEqual(formatJoules(4.6e-12), "4.6 pJ")
        XCTAssertEqual(formatJoules(0.25), "250 mJ")
    }
}
