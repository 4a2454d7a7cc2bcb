import EffLab
import EffLanguage
import XCTest

/// `claim` on sequence models: estimated J/token at a context (exact ratio) and held-out perplexity (paired windows).
final class SequenceClaimTests: XCTestCase {
    private func run(_ source: String) -> (text: String, errors: [String]) {
        var lines: [String] = []
        let diagnostics = LargeStack.run { () -> [Diagnostic] in
            do {
                let session = try Session(builtins: Builtins.core + LabBuiltins.all, output: { lines.append($0) },
                                          displayContext: DisplayContext(width: 200))
                return session.run(SourceFile(name: "test.eff", text: source))
            } catch {
                return [Diagnostic(.runtime, "session failed: \(error)", at: nil)]
            }
        }
        return (lines.joined(separator: "\n"), diagnostics.map(\.message))
    }

    private let models = """
        let data = tokens(corpus("persuasion"), "chars", heldout: 0.05)
        model dense {
          input data.vocabulary
          embed 32
          block attention(heads: 2)
          block ffn(hidden: 64)
          head
        }
        model sliding {
          input data.vocabulary
          embed 32
          block attention(heads: 2, window: 16)
          block ffn(hidden: 64)
          head
        }
        let h1 = train(dense, data, steps: 30, batch: 8, length: 32, lr: 0.01)
        let h2 = train(sliding, data, steps: 30, batch: 8, length: 32, lr: 0.01)

        """

    func testEnergyRatioIsTheRatioOfTheEstimatesAndPerplexityIsPaired() {
        let result = run(models + """
            let v = claim(sliding, dense, data, [{metric: "energy", relation: "<=", bound: 1/2},
                                                 {metric: "perplexity", relation: "<=", bound: 2}], context: 4096)
            let e = estimate([sliding, dense], context: 4096)
            print(abs(v.energy_ratio - e.rows[0].per_token / e.rows[1].per_token) < 1e-12)
            print(v.energy_ratio < 1/2, v.verdict == "SUPPORTED" or v.verdict == "INCONCLUSIVE")
            print(v.conditions.data)
            v
            """)
        XCTAssertEqual(result.errors, [])
        let lines = result.text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "true", result.text)
        XCTAssertEqual(lines.dropFirst().first, "true true", result.text)
        // 5% of Persuasion's 466,000 characters held out = ~23,300; 256 windows of the baseline's 32 tokens fit.
        XCTAssertTrue(result.text.contains("tokens, 256 windows of 32"), result.text)
        XCTAssertTrue(result.text.contains("paired over 256 held-out windows"), result.text)
        XCTAssertTrue(result.text.contains("[estimated, profile"), result.text)
    }

    func testLatencyAndAccuracyAreNotSequenceModelMetrics() {
        let result = run(models + "claim sliding vs dense on data: accuracy >= 0")
        XCTAssertEqual(result.errors, ["claim: sequence models are judged on energy and perplexity, not accuracy"])
    }
}
