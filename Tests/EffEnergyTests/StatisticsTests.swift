import XCTest
@testable import EffEnergy

/// Reference values computed with python3, numpy 2.4 and scipy 1.17.1 (commands in each comment).
final class StatisticsTests: XCTestCase {
    // x as below; numpy.median(x), numpy.percentile(x, 25), numpy.percentile(x, 90),
    // numpy.mean(x), numpy.std(x, ddof=1)
    let sample = [12.1, 11.8, 12.5, 13.0, 11.9, 12.2, 12.7, 12.0, 12.3, 14.1]

    func testDescriptiveStatisticsMatchNumpy() throws {
        XCTAssertEqual(try Statistics.median(sample), 12.25, accuracy: 1e-12)
        XCTAssertEqual(try Statistics.percentile(sample, 25), 12.025, accuracy: 1e-12)
        XCTAssertEqual(try Statistics.percentile(sample, 90), 13.11, accuracy: 1e-12)
        XCTAssertEqual(try Statistics.mean(sample), 12.46, accuracy: 1e-12)
        XCTAssertEqual(try Statistics.standardDeviation(sample), 0.68507907086214, accuracy: 1e-12)
        XCTAssertEqual(try Statistics.median([3, 1, 2]), 2)
        XCTAssertEqual(try Statistics.percentile([1, 2, 3, 4], 0), 1)
        XCTAssertEqual(try Statistics.percentile([1, 2, 3, 4], 100), 4)
    }

    func testBadInputThrowsInsteadOfCrashing() {
        XCTAssertThrowsError(try Statistics.median([]))
        XCTAssertThrowsError(try Statistics.standardDeviation([1]))
        XCTAssertThrowsError(try Statistics.percentile([1, 2], 101))
        XCTAssertThrowsError(try Statistics.mean([1, .nan]))
        XCTAssertThrowsError(try Statistics.meanConfidenceInterval([1, 2, 3], level: 1.5))
        XCTAssertThrowsError(try Distributions.studentTQuantile(1, degreesOfFreedom: 3))
    }

    func testStudentTMatchesScipy() throws {
        // scipy.stats.t.ppf(0.975, df) for df = 1, 2, 5, 9, 29, 100
        let expected: [(Double, Double)] = [(1, 12.706204736174694), (2, 4.302652729749462), (5, 2.5705818356363146),
                                            (9, 2.262157162798205), (29, 2.045229642132703), (100, 1.9839715185235518)]
        for (degrees, quantile) in expected {
            XCTAssertEqual(try Distributions.studentTQuantile(0.975, degreesOfFreedom: degrees), quantile,
                           accuracy: 1e-9 * quantile, "df \(degrees)")
        }
        // scipy.stats.t.cdf(1.5, 7), scipy.stats.t.cdf(-2.0, 3)
        XCTAssertEqual(Distributions.studentTCDF(1.5, degreesOfFreedom: 7), 0.911350756505015, accuracy: 1e-12)
        XCTAssertEqual(Distributions.studentTCDF(-2.0, degreesOfFreedom: 3), 0.06966298427942152, accuracy: 1e-12)
        // scipy.special.betainc(2.5, 3.5, 0.4)
        XCTAssertEqual(Distributions.regularizedIncompleteBeta(0.4, a: 2.5, b: 3.5), 0.4869041915261176, accuracy: 1e-12)
    }

    func testNormalQuantileMatchesScipy() throws {
        // scipy.stats.norm.ppf(0.975), scipy.stats.norm.ppf(0.01)
        XCTAssertEqual(try Distributions.normalQuantile(0.975), 1.959963984540054, accuracy: 1e-10)
        XCTAssertEqual(try Distributions.normalQuantile(0.01), -2.3263478740408408, accuracy: 1e-10)
    }

    func testBinomialMatchesScipy() {
        // scipy.stats.binom.cdf(3, 10, 0.3), binom.pmf(4, 10, 0.3), binom.cdf(480, 1000, 0.5)
        XCTAssertEqual(Distributions.binomialCDF(3, trials: 10, probability: 0.3), 0.6496107184000002, accuracy: 1e-12)
        XCTAssertEqual(Distributions.binomialPMF(4, trials: 10, probability: 0.3), 0.20012094899999988, accuracy: 1e-12)
        XCTAssertEqual(Distributions.binomialCDF(480, trials: 1000, probability: 0.5), 0.10872414660207075, accuracy: 1e-10)
        XCTAssertEqual(Distributions.binomialCDF(10, trials: 10, probability: 0.5), 1)
        XCTAssertEqual(Distributions.binomialCDF(-1, trials: 10, probability: 0.5), 0)
    }

    func testMcNemarExactMatchesScipyBinomtest() throws {
        // scipy.stats.binomtest(b, b + c, 0.5).pvalue for (b, b + c) below
        let cases: [(Int, Int, Double)] = [(1, 1, 1.0), (3, 20, 0.0025768280029296875), (10, 40, 0.0022214337732293643),
                                           (0, 5, 0.0625), (25, 60, 0.2450608330229457), (500, 1040, 0.22651558839716407),
                                           (7, 7, 0.015625)]
        for (b, discordant, p) in cases {
            let test = McNemarTest(firstOnlyCorrect: b, secondOnlyCorrect: discordant - b)
            XCTAssertEqual(test.pValue, p, accuracy: 1e-12 + 1e-9 * p, "b \(b) of \(discordant)")
        }
        XCTAssertEqual(McNemarTest(firstOnlyCorrect: 0, secondOnlyCorrect: 0).pValue, 1)
    }

    func testMcNemarCountsDiscordantPairsFromArrays() throws {
        let first: [Bool] = [true, true, false, false, true, true]
        let second: [Bool] = [true, false, true, false, false, true]
        let test = try McNemarTest(first: first, second: second)
        XCTAssertEqual(test.firstOnlyCorrect, 2)
        XCTAssertEqual(test.secondOnlyCorrect, 1)
        XCTAssertThrowsError(try McNemarTest(first: [true], second: [true, false]))
    }

    func testMeanConfidenceIntervalMatchesScipy() throws {
        // m ± scipy.stats.t.ppf(0.975, 9) * numpy.std(x, ddof=1) / sqrt(10)
        let interval = try Statistics.meanConfidenceInterval(sample)
        XCTAssertEqual(interval.lower, 11.969923955522798, accuracy: 1e-9)
        XCTAssertEqual(interval.upper, 12.950076044477196, accuracy: 1e-9)
    }

    func testMedianConfidenceIntervalUsesOrderStatistics() throws {
        // n = 10: coverage of [x(j), x(n-j+1)] is 1 - 2 * scipy.stats.binom.cdf(j-1, 10, 0.5):
        // j = 2 gives 0.978515625 (j = 3 gives 0.890625 < 0.95), so the CI is [x(2), x(9)] = [11.9, 13.0].
        let interval = try Statistics.medianConfidenceInterval(sample)
        XCTAssertEqual(interval.lower, 11.9)
        XCTAssertEqual(interval.upper, 13.0)
        XCTAssertEqual(interval.level, 0.978515625, accuracy: 1e-12)
        // n = 20: j = 6 gives 0.9586105346679688; j = 7 gives 0.8846817016601562.
        let twenty = (1...20).map(Double.init)
        let wide = try Statistics.medianConfidenceInterval(twenty)
        XCTAssertEqual(wide.lower, 6)
        XCTAssertEqual(wide.upper, 15)
        XCTAssertEqual(wide.level, 0.9586105346679688, accuracy: 1e-12)
        XCTAssertThrowsError(try Statistics.medianConfidenceInterval([1, 2, 3, 4, 5]))
    }

    func testBetaQuantileAndClopperPearsonMatchScipy() throws {
        // scipy.stats.beta.ppf(0.025, 30, 11), scipy.stats.beta.ppf(0.975, 31, 10): 30 of 40 at 95 %
        let interval = try Distributions.clopperPearsonInterval(successes: 30, trials: 40)
        XCTAssertEqual(interval.lower, 0.5880380198485702, accuracy: 1e-10)
        XCTAssertEqual(interval.upper, 0.873085201067155, accuracy: 1e-10)
        // 1 of 1: lower = scipy.stats.beta.ppf(0.025, 1, 1) = 0.025, upper = 1
        let single = try Distributions.clopperPearsonInterval(successes: 1, trials: 1)
        XCTAssertEqual(single.lower, 0.025, accuracy: 1e-12)
        XCTAssertEqual(single.upper, 1)
    }

    /// Wilson (1927) score limits, by hand: (x/n + z²/2n ± z·√(x/n·(1 − x/n)/n + z²/4n²)) / (1 + z²/n), z = 1.959964.
    func testWilsonInterval() throws {
        // 48 of 50: (0.96 + 0.038415 ± 1.959964·√(0.000768 + 0.00038415)) / 1.076829 = 0.865399 .. 0.988961
        let high = try Distributions.wilsonInterval(successes: 48, trials: 50)
        XCTAssertEqual(high.lower, 0.8653990931, accuracy: 1e-9)
        XCTAssertEqual(high.upper, 0.9889611157, accuracy: 1e-9)
        // 0 of 6: lower exactly 0, upper (z²/n)/(1 + z²/n) = 0.640244/1.640244 = 0.390334
        let none = try Distributions.wilsonInterval(successes: 0, trials: 6)
        XCTAssertEqual(none.lower, 0)
        XCTAssertEqual(none.upper, 0.3903342879, accuracy: 1e-9)
        XCTAssertEqual(try Distributions.wilsonInterval(successes: 6, trials: 6).upper, 1)
        XCTAssertThrowsError(try Distributions.wilsonInterval(successes: 3, trials: 2))
    }

    /// Newcombe (1998, Stat Med 17:2635) method 10, from the paper's formulas with the continuity-corrected φ.
    /// Table (a, b, c, d): a both right, b only the first, c only the second, d neither; θ = (b − c)/n.
    func testNewcombePairedDifferenceInterval() throws {
        func interval(_ a: Int, _ b: Int, _ c: Int, _ d: Int) throws -> ConfidenceInterval {
            try Distributions.newcombePairedDifferenceInterval(bothRight: a, firstOnly: b, secondOnly: c, neither: d)
        }
        // Newcombe's first example, (36, 12, 2, 0), n = 50: p₁ = 0.96, Wilson 0.865399..0.988961; p₂ = 0.76, Wilson
        // 0.625873..0.857026; A = ad − bc = −24 < 0, so φ = −24/√(48·2·38·12) = −0.114708 (no correction).
        // L = 0.2 − √(0.094601² + 2·0.114708·0.094601·0.097026 + 0.097026²) = 0.2 − 0.143070 = 0.056930
        // U = 0.2 + √(0.028961² + 2·0.114708·0.028961·0.134127 + 0.134127²) = 0.2 + 0.140428 = 0.340428
        // (by hand from the formulas; the paper's own table was not at hand to compare with).
        let first = try interval(36, 12, 2, 0)
        XCTAssertEqual(first.lower, 0.0569295840, accuracy: 1e-8)
        XCTAssertEqual(first.upper, 0.3404276030, accuracy: 1e-8)
        // Fagerland, Lydersen & Laake's example (Cavo et al. 2012), (59, 6, 16, 80), n = 161: A = 4624 > n/2, so
        // φ = (4624 − 80.5)/√(65·96·75·86) = 0.716174; their published result: −0.0621 (95% CI −0.1186 to −0.0046).
        let cavo = try interval(59, 6, 16, 80)
        XCTAssertEqual(cavo.lower, -0.1186211956, accuracy: 1e-8)
        XCTAssertEqual(cavo.upper, -0.0046251139, accuracy: 1e-8)
        // No discordant pair on 6 problems, all wrong for both: a margin is 0, so φ = 0 and the limits are ±(Wilson
        // upper limit of 0/6) = ±0.390334 — a true difference of ±39 points cannot be excluded.
        let allWrong = try interval(0, 0, 0, 6)
        XCTAssertEqual(allWrong.lower, -0.3903342879, accuracy: 1e-9)
        XCTAssertEqual(allWrong.upper, 0.3903342879, accuracy: 1e-9)
        // No discordant pair, 3 right and 3 wrong for both: A = 9 > 3, φ = (9 − 3)/√(3·3·3·3) = 2/3; Wilson for 3/6 is
        // 0.187616..0.812384, so the limits are ±0.312384·√(2 − 4/3) = ±0.255060. Without the correction φ would be 1
        // and the interval [0, 0].
        let split = try interval(3, 0, 0, 3)
        XCTAssertEqual(split.lower, -0.2550602177, accuracy: 1e-9)
        XCTAssertEqual(split.upper, 0.2550602177, accuracy: 1e-9)
        XCTAssertThrowsError(try interval(0, 0, 0, 0))
        XCTAssertThrowsError(try interval(1, -1, 0, 0))
    }

    func testBootstrapIsSeededAndCoversTheStatistic() throws {
        let values = (0..<50).map { Double($0 % 7) + 0.5 * Double($0 % 3) }
        let first = try Statistics.bootstrapConfidenceInterval(count: values.count, seed: 7) { indices in
            try Statistics.mean(indices.map { values[$0] })
        }
        let again = try Statistics.bootstrapConfidenceInterval(count: values.count, seed: 7) { indices in
            try Statistics.mean(indices.map { values[$0] })
        }
        XCTAssertEqual(first, again, "same seed, same interval")
        let mean = try Statistics.mean(values)
        XCTAssertTrue(first.contains(mean))
        // The bootstrap interval of a mean is close to the t interval for a sample this size.
        let t = try Statistics.meanConfidenceInterval(values)
        XCTAssertEqual(first.lower, t.lower, accuracy: 0.25)
        XCTAssertEqual(first.upper, t.upper, accuracy: 0.25)
    }

    func testRatioConfidenceInterval() throws {
        let baseline = (0..<40).map { 10 + Double($0 % 5) * 0.1 }
        let candidate = baseline.map { $0 / 4 }
        let ratio = try Statistics.ratioConfidenceInterval(numerator: candidate, denominator: baseline)
        XCTAssertEqual(ratio.value, 0.25, accuracy: 1e-12)
        // Paired samples with an exact 1/4 relation: every resample gives 1/4.
        XCTAssertEqual(ratio.interval.lower, 0.25, accuracy: 1e-12)
        XCTAssertEqual(ratio.interval.upper, 0.25, accuracy: 1e-12)
        let independent = try Statistics.ratioConfidenceInterval(numerator: candidate, denominator: baseline, paired: false)
        XCTAssertTrue(independent.interval.contains(0.25))
        XCTAssertGreaterThan(independent.interval.upper - independent.interval.lower, 0)
        XCTAssertThrowsError(try Statistics.ratioConfidenceInterval(numerator: [1, 2], denominator: [0, 0]))
    }
}
