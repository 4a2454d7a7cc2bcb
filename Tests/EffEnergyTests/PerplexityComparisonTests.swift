@testable import EffEnergy
import XCTest

final class PerplexityComparisonTests: XCTestCase {
    /// Losses (nats/token) per window: candidate 1, 2, 3; baseline 1, 1, 1. Differences 0, 1, 2 with mean 1, so the
    /// perplexity ratio is e¹ = 2.718…; perplexities e² = 7.389 and e¹ = 2.718. Every bootstrap resample's mean
    /// difference lies in [0, 2], so the interval lies in [1, e²].
    func testRatioIsExpOfTheMeanLossDifference() throws {
        let comparison = try PerplexityComparison(candidate: [1, 2, 3], baseline: [1, 1, 1])
        XCTAssertEqual(comparison.ratio, exp(1), accuracy: 1e-12)
        XCTAssertEqual(comparison.candidatePerplexity, exp(2), accuracy: 1e-12)
        XCTAssertEqual(comparison.baselinePerplexity, exp(1), accuracy: 1e-12)
        XCTAssertGreaterThanOrEqual(comparison.interval.lower, 1)
        XCTAssertLessThanOrEqual(comparison.interval.upper, exp(2))
        XCTAssertLessThan(comparison.interval.lower, comparison.ratio)
        XCTAssertGreaterThan(comparison.interval.upper, comparison.ratio)
    }

    /// A constant difference of 0.1 nats in every window: every resample gives e^0.1, so the interval is that point.
    func testConstantDifferenceGivesAPointInterval() throws {
        let comparison = try PerplexityComparison(candidate: [2.1, 3.1, 1.6, 2.6], baseline: [2, 3, 1.5, 2.5])
        XCTAssertEqual(comparison.interval.lower, exp(0.1), accuracy: 1e-9)
        XCTAssertEqual(comparison.interval.upper, exp(0.1), accuracy: 1e-9)
        let result = try evaluateClaim([ClaimCondition(.perplexity, .atMost, 1.2)],
                                       candidate: SystemEvidence(name: "a", windowLosses: [2.1, 3.1, 1.6, 2.6]),
                                       baseline: SystemEvidence(name: "b", windowLosses: [2, 3, 1.5, 2.5]))
        XCTAssertEqual(result.verdict, .supported)   // e^0.1 = 1.105 ≤ 1.2
        let strict = try evaluateClaim([ClaimCondition(.perplexity, .atMost, 1.05)],
                                       candidate: SystemEvidence(name: "a", windowLosses: [2.1, 3.1, 1.6, 2.6]),
                                       baseline: SystemEvidence(name: "b", windowLosses: [2, 3, 1.5, 2.5]))
        XCTAssertEqual(strict.verdict, .notSupported)
    }

    func testMismatchedOrMissingWindowsAreErrors() {
        XCTAssertThrowsError(try PerplexityComparison(candidate: [1, 2], baseline: [1])) { error in
            XCTAssertEqual("\(error)", "perplexity claims need both models on the same windows: 2 vs 1")
        }
        XCTAssertThrowsError(try evaluateClaim([ClaimCondition(.perplexity, .atMost, 1)],
                                               candidate: SystemEvidence(name: "a"), baseline: SystemEvidence(name: "b"))) { error in
            XCTAssertEqual("\(error)", "perplexity claims need held-out window losses for both a and b")
        }
    }
}
