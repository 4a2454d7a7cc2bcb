import Foundation

/// Probability distributions needed for confidence intervals and exact tests.
///
/// Implemented from standard formulas (log-gamma, the regularized incomplete beta by
/// Lentz's continued fraction as in Numerical Recipes §6.4, and bisection for quantiles);
/// tests check them against scipy.stats.
public enum Distributions {
    /// log C(n, k), via lgamma so large n does not overflow.
    static func logBinomialCoefficient(_ n: Int, _ k: Int) -> Double {
        lgamma(Double(n) + 1) - lgamma(Double(k) + 1) - lgamma(Double(n - k) + 1)
    }

    /// P(X = k) for X ~ Binomial(trials, probability).
    public static func binomialPMF(_ successes: Int, trials: Int, probability: Double) -> Double {
        guard trials >= 0, successes >= 0, successes <= trials else { return 0 }
        if probability <= 0 { return successes == 0 ? 1 : 0 }
        if probability >= 1 { return successes == trials ? 1 : 0 }
        let logValue = logBinomialCoefficient(trials, successes)
            + Double(successes) * log(probability) + Double(trials - successes) * log1p(-probability)
        return exp(logValue)
    }

    /// P(X ≤ k) for X ~ Binomial(trials, probability), summed exactly term by term.
    public static func binomialCDF(_ successes: Int, trials: Int, probability: Double) -> Double {
        guard successes >= 0 else { return 0 }
        guard successes < trials else { return 1 }
        var total = 0.0
        for k in 0...successes { total += binomialPMF(k, trials: trials, probability: probability) }
        return min(1, total)
    }

    /// The regularized incomplete beta function I_x(a, b).
    public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        // The continued fraction converges fast for x < (a+1)/(a+b+2); use symmetry otherwise.
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaContinuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * betaContinuedFraction(1 - x, a: b, b: a) / b
    }

    private static func betaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var result = d
        for m in 1...300 {
            let m = Double(m)
            let evenTerm = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + evenTerm * d; if abs(d) < tiny { d = tiny }
            c = 1 + evenTerm / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            result *= d * c
            let oddTerm = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + oddTerm * d; if abs(d) < tiny { d = tiny }
            c = 1 + oddTerm / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            result *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return result
    }

    /// P(T ≤ t) for Student's t with ν degrees of freedom.
    public static func studentTCDF(_ t: Double, degreesOfFreedom: Double) -> Double {
        let x = degreesOfFreedom / (degreesOfFreedom + t * t)
        let tail = 0.5 * regularizedIncompleteBeta(x, a: degreesOfFreedom / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// The p-quantile of Student's t (e.g. p = 0.975 for a two-sided 95 % interval).
    public static func studentTQuantile(_ p: Double, degreesOfFreedom: Double) throws -> Double {
        guard p > 0, p < 1 else { throw StatisticsError("quantile probability must be within (0, 1), got \(p)") }
        guard degreesOfFreedom > 0, degreesOfFreedom.isFinite else {
            throw StatisticsError("degrees of freedom must be positive, got \(degreesOfFreedom)")
        }
        return bisect(target: p, lower: -1e6, upper: 1e6) { studentTCDF($0, degreesOfFreedom: degreesOfFreedom) }
    }

    /// P(Z ≤ z) for the standard normal.
    public static func normalCDF(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

    /// The p-quantile of the standard normal.
    public static func normalQuantile(_ p: Double) throws -> Double {
        guard p > 0, p < 1 else { throw StatisticsError("quantile probability must be within (0, 1), got \(p)") }
        return bisect(target: p, lower: -40, upper: 40, normalCDF)
    }

    /// Solves cdf(x) = target for a monotone increasing cdf by bisection to double precision.
    private static func bisect(target: Double, lower: Double, upper: Double, _ cdf: (Double) -> Double) -> Double {
        var low = lower, high = upper
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if cdf(middle) < target { low = middle } else { high = middle }
            if high - low <= 1e-14 * max(1, abs(middle)) { break }
        }
        return (low + high) / 2
    }
}

/// McNemar's exact test on paired binary outcomes (two classifiers on the same examples).
///
/// Only discordant pairs carry information: b = examples A got right and B wrong, c = the
/// reverse. Under "equally accurate", b ~ Binomial(b + c, ½); the two-sided exact p-value is
/// min(1, 2 · P(X ≤ min(b, c))). This equals scipy.stats.binomtest(b, b + c, 0.5).pvalue and
/// statsmodels' mcnemar(exact=True).
public struct McNemarTest: Sendable, Equatable {
    /// Examples the first system got right and the second wrong.
    public var firstOnlyCorrect: Int
    /// Examples the second system got right and the first wrong.
    public var secondOnlyCorrect: Int
    /// Two-sided exact p-value (1 when there are no discordant pairs).
    public var pValue: Double

    /// Runs the test on two equally long arrays of per-example correctness.
    public init(first: [Bool], second: [Bool]) throws {
        guard first.count == second.count else {
            throw StatisticsError("McNemar's test needs paired results on the same examples: got \(first.count) and \(second.count)")
        }
        guard !first.isEmpty else { throw StatisticsError("McNemar's test needs at least one example") }
        var b = 0, c = 0
        for (a, other) in zip(first, second) where a != other {
            if a { b += 1 } else { c += 1 }
        }
        self.init(firstOnlyCorrect: b, secondOnlyCorrect: c)
    }

    /// Runs the test from the discordant counts directly.
    public init(firstOnlyCorrect: Int, secondOnlyCorrect: Int) {
        self.firstOnlyCorrect = firstOnlyCorrect
        self.secondOnlyCorrect = secondOnlyCorrect
        let discordant = firstOnlyCorrect + secondOnlyCorrect
        if discordant == 0 {
            pValue = 1
        } else {
            let tail = Distributions.binomialCDF(min(firstOnlyCorrect, secondOnlyCorrect), trials: discordant, probability: 0.5)
            pValue = min(1, 2 * tail)
        }
    }
}

extension Distributions {
    /// The p-quantile of the Beta(a, b) distribution (bisection on the regularized incomplete beta).
    public static func betaQuantile(_ p: Double, a: Double, b: Double) throws -> Double {
        guard p >= 0, p <= 1 else { throw StatisticsError("quantile probability must be within [0, 1], got \(p)") }
        guard a > 0, b > 0, a.isFinite, b.isFinite else { throw StatisticsError("beta parameters must be positive, got \(a), \(b)") }
        var low = 0.0, high = 1.0
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if regularizedIncompleteBeta(middle, a: a, b: b) < p { low = middle } else { high = middle }
            if high - low < 1e-15 { break }
        }
        return (low + high) / 2
    }

    /// The exact (Clopper–Pearson) confidence interval of a binomial proportion: `successes` of `trials`.
    public static func clopperPearsonInterval(successes: Int, trials: Int, level: Double = 0.95) throws -> ConfidenceInterval {
        guard trials >= 1, successes >= 0, successes <= trials else {
            throw StatisticsError("Clopper–Pearson needs 0 ≤ successes ≤ trials and trials ≥ 1, got \(successes) of \(trials)")
        }
        guard level > 0, level < 1 else { throw StatisticsError("confidence level must be within (0, 1), got \(level)") }
        let alpha = 1 - level
        let lower = successes == 0 ? 0 : try betaQuantile(alpha / 2, a: Double(successes), b: Double(trials - successes + 1))
        let upper = successes == trials ? 1 : try betaQuantile(1 - alpha / 2, a: Double(successes + 1), b: Double(trials - successes))
        return ConfidenceInterval(lower: lower, upper: upper, level: level)
    }
}

extension Distributions {
    /// The Wilson score interval of a binomial proportion (Wilson 1927): the p with |x/n − p| ≤ z·√(p(1 − p)/n).
    public static func wilsonInterval(successes: Int, trials: Int, level: Double = 0.95) throws -> ConfidenceInterval {
        guard trials >= 1, successes >= 0, successes <= trials else {
            throw StatisticsError("the Wilson interval needs 0 ≤ successes ≤ trials and trials ≥ 1, got \(successes) of \(trials)")
        }
        guard level > 0, level < 1 else { throw StatisticsError("confidence level must be within (0, 1), got \(level)") }
        let z = try normalQuantile(1 - (1 - level) / 2), n = Double(trials), p = Double(successes) / n
        let center = p + z * z / (2 * n), half = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot()
        let denominator = 1 + z * z / n
        // At 0 or n successes one limit is exactly 0 or 1 (the formula gives it up to rounding).
        return ConfidenceInterval(lower: successes == 0 ? 0 : (center - half) / denominator,
                                  upper: successes == trials ? 1 : (center + half) / denominator, level: level)
    }

    /// Newcombe's hybrid score interval for the difference of two paired proportions, θ = (a + b)/n − (a + c)/n
    /// = (b − c)/n, from the paired 2×2 table: a both right, b only the first, c only the second, d neither.
    ///
    /// R. G. Newcombe, "Improved confidence intervals for the difference between binomial proportions based on
    /// paired data", Statistics in Medicine 17 (1998) 2635–2650, method 10 (as also given in Altman et al.,
    /// *Statistics with Confidence*, 2nd ed., and Fagerland, Lydersen & Laake, *Statistical Analysis of
    /// Contingency Tables*, ch. 8, "Newcombe square-and-add"). With Wilson intervals (l₁, u₁) for p₁ = (a + b)/n
    /// and (l₂, u₂) for p₂ = (a + c)/n:
    ///
    ///     L = θ − √((p₁ − l₁)² − 2φ(p₁ − l₁)(u₂ − p₂) + (u₂ − p₂)²)
    ///     U = θ + √((u₁ − p₁)² − 2φ(u₁ − p₁)(p₂ − l₂) + (p₂ − l₂)²)
    ///
    /// where φ estimates the correlation of the two proportions from the table, corrected for continuity:
    /// with A = ad − bc, φ = (A − n/2)/√((a+b)(c+d)(a+c)(b+d)) when A > n/2, 0 when 0 ≤ A ≤ n/2, A/√(…) when
    /// A < 0, and 0 when a margin is 0 (the denominator vanishes). The correction is what keeps the interval
    /// from collapsing: with no discordant pairs (b = c = 0) the uncorrected φ is 1 and L = U = 0, while the
    /// corrected one leaves an interval as wide as n allows (a = d = 3: ±25.5 points; d = 6: ±39.0 points).
    public static func newcombePairedDifferenceInterval(bothRight a: Int, firstOnly b: Int, secondOnly c: Int, neither d: Int,
                                                        level: Double = 0.95) throws -> ConfidenceInterval {
        guard a >= 0, b >= 0, c >= 0, d >= 0, a + b + c + d >= 1 else {
            throw StatisticsError("Newcombe's paired interval needs non-negative counts and at least one pair, got \(a), \(b), \(c), \(d)")
        }
        let n = Double(a + b + c + d)
        let p1 = Double(a + b) / n, p2 = Double(a + c) / n
        let first = try wilsonInterval(successes: a + b, trials: a + b + c + d, level: level)
        let second = try wilsonInterval(successes: a + c, trials: a + b + c + d, level: level)
        let margins = Double(a + b) * Double(c + d) * Double(a + c) * Double(b + d)
        let agreement = Double(a) * Double(d) - Double(b) * Double(c)
        let phi: Double
        if margins == 0 || (agreement >= 0 && agreement <= n / 2) {
            phi = 0
        } else {
            phi = (agreement > n / 2 ? agreement - n / 2 : agreement) / margins.squareRoot()
        }
        func combined(_ x: Double, _ y: Double) -> Double { max(0, x * x - 2 * phi * x * y + y * y).squareRoot() }
        let theta = p1 - p2
        return ConfidenceInterval(lower: max(-1, theta - combined(p1 - first.lower, second.upper - p2)),
                                  upper: min(1, theta + combined(first.upper - p1, p2 - second.lower)), level: level)
    }
}
