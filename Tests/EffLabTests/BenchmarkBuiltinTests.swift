import EffLab
import EffLanguage
import Foundation
import XCTest

/// `benchmark` and `evaluate`/`claim`/`compare` on benchmarks through the language, on the tiny fixture model and
/// our own small task files (the installed GSM8K/GPQA are exercised by Examples/hundredx_llm.eff and docs).
final class BenchmarkBuiltinTests: XCTestCase {
    static let benchmarks = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("EffLLMTests/Fixtures/benchmarks").path
    var gsm8k: String { Self.benchmarks + "/gsm8k/test.jsonl" }
    var gpqa: String { Self.benchmarks + "/gpqa/gpqa_diamond.csv" }
    var tiny: String { LanguageModelQuantizeTests.tinyPath }

    func testEvaluateOnAGenerationTask() {
        let run = LLMRun("""
            let r = evaluate(load("\(tiny)"), benchmark("\(gsm8k)"), limit: 2, shots: 1, tokens: 4)
            print(r.count, r.planned, r.partial, r.shots, len(r.outcomes), r.energy > 0 J, r.tokens > 0)
            r
            """)
        XCTAssertEqual(run.errors, [])
        XCTAssertEqual(run.output.first, "2 2 false 1 2 true true")
        XCTAssertTrue(run.text.contains("1-shot, seed 1234, 2 of 2 examples"), run.text)
        XCTAssertTrue(run.text.contains("95% CI 0.0%–84.2% (Clopper–Pearson)"), run.text)
        XCTAssertTrue(run.text.contains("estimated, profile horowitz-45nm"), run.text)
    }

    func testEvaluateOnMultipleChoice() {
        let run = LLMRun("""
            let r = evaluate(load("\(tiny)"), benchmark("\(gpqa)"))
            print(r.count, r.chance, r.answer_perplexity > 1, len(r.outcomes[0].logprobs))
            """)
        XCTAssertEqual(run.errors, [])
        XCTAssertEqual(run.output.first, "3 0.25 true 4")
    }

    /// A benchmark asked of a model without a tokenizer (an MLP), and a language model given an MLP data set.
    func testBenchmarkNeedsALanguageModel() {
        let mlp = LLMRun("evaluate(mlp([4, 8, 3]), benchmark(\"\(gsm8k)\"))")
        XCTAssertEqual(mlp.errors.count, 1)
        XCTAssertTrue(mlp.errors[0].contains("a benchmark is a task for a language model with a tokenizer; 'model' is model"), "\(mlp.errors)")
        let data = LLMRun("evaluate(load(\"\(tiny)\"), dataset(\"iris\"))")
        XCTAssertTrue(data.errors.first?.contains("a language model is evaluated on a benchmark, got dataset") ?? false, "\(data.errors)")
        let accuracy = LLMRun("let lm = load(\"\(tiny)\")\nclaim(lm, lm, \"Hello\", [{metric: \"accuracy\", relation: \">=\", bound: 0}])")
        XCTAssertTrue(accuracy.errors.first?.contains("accuracy claims about language models need a benchmark") ?? false, "\(accuracy.errors)")
    }

    func testMalformedTaskFileIsAnErrorWithItsLine() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("eff-bad-\(UUID().uuidString).jsonl").path
        try Data("{\"question\": \"q\", \"answer\": \"1\"}\n{\"question\": 3}\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = LLMRun("benchmark(\"\(path)\")\nlet after = 1")
        XCTAssertEqual(run.errors, ["benchmark: \(path):2: field 'answer' is missing"])
        let unknown = LLMRun("benchmark(\"mmlu\")")
        XCTAssertTrue(unknown.errors.first?.contains("known names are gsm8k, gpqa, aime2025") ?? false, "\(unknown.errors)")
    }

    /// claim and compare pair the per-example outcomes: a model against itself ties (McNemar p = 1).
    func testClaimAndCompareOnABenchmark() {
        let claim = LLMRun("""
            let lm = load("\(tiny)")
            let v = claim(lm, lm, benchmark("\(gpqa)"), [{metric: "accuracy", relation: ">=", bound: -0.5}], tokens: 2, repeats: 2)
            print(v.verdict)
            v
            """)
        XCTAssertEqual(claim.errors, [])
        XCTAssertTrue(claim.text.contains("McNemar p = 1"), claim.text)
        XCTAssertTrue(claim.text.contains("gpqa_diamond (zero-shot, seed 1234, 3 of 3 examples)"), claim.text)
        let compare = LLMRun("""
            let lm = load("\(tiny)")
            let t = compare([lm, lm], benchmark("\(gsm8k)"), limit: 2, shots: 1, tokens: 2, repeats: 2)
            print(t.mcnemar_p)
            """)
        XCTAssertEqual(compare.errors, [])
        XCTAssertEqual(compare.output.first, "[1, 1]")
    }

    /// A model agrees with itself exactly; a ternary variant of it does not.
    func testAgreementWithTheBaseModel() {
        let run = LLMRun("""
            let lm = load("\(tiny)")
            let text = corpus("persuasion")
            let same = agreement(lm, lm, text, window: 32, windows: 2)
            print(same.kl_divergence, same.same_top, same.delta_p_p50, same.tokens, same.windows)
            let t = agreement(lm, quantize(lm, "ternary"), text, window: 32, windows: 2)
            print(t.kl_divergence > 0.001, t.kl_low < t.kl_divergence, t.same_top < 1, t.kl_p99 <= t.kl_max)
            """)
        XCTAssertEqual(run.errors, [])
        XCTAssertEqual(run.output.first, "0 1 0 30 2")
        XCTAssertEqual(run.output.last, "true true true true")
        let bad = LLMRun("agreement(load(\"\(tiny)\"), mlp([2, 2]), \"text\")")
        XCTAssertTrue(bad.errors.first?.contains("'variant' must be a language model") ?? false, "\(bad.errors)")
    }

    /// limit, shots, seed, tokens given to benchmark() are the runs' defaults; a call's own arguments win.
    func testBenchmarkCarriesRunDefaults() {
        let run = LLMRun("""
            let b = benchmark("\(gsm8k)", limit: 1, shots: 2, tokens: 3)
            b
            let lm = load("\(tiny)")
            let r = evaluate(lm, b)
            let s = evaluate(lm, b, limit: 2, shots: 0)
            print(r.count, r.shots, r.outcomes[0].generated_tokens <= 3, s.count, s.shots)
            """)
        XCTAssertEqual(run.errors, [])
        XCTAssertTrue(run.text.contains("limit 1, shots 2, tokens 3"), run.text)
        XCTAssertEqual(run.output.last, "1 2 true 2 0")
        let bad = LLMRun("benchmark(\"\(gsm8k)\", shots: -1)")
        XCTAssertEqual(bad.errors, ["benchmark: 'shots' must be a whole number within 0...64, got -1"])
    }
}
