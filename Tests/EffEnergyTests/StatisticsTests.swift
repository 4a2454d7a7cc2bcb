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
