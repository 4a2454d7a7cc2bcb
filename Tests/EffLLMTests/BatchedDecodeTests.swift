import EffKernels
import XCTest
@testable import EffLLM

/// Several sequences decoded together give each sequence the result it gets alone, and `eff bench llm`'s
/// measurements carry every field, for each thread count and batch size.
final class BatchedDecodeTests: XCTestCase {
    private func tinyModel() throws -> LanguageModel {
        try LanguageModel(path: XCTUnwrap(Fixtures.url("tiny-llama.gguf")).path)
    }

    func testABatchedStepEqualsEachSequenceAlone() throws {
        let lm = try tinyModel()
        let prompts: [[Int32]] = [[1, 5, 9, 12], [1, 7], [1, 3, 3, 3, 3, 3, 3, 3, 3, 20]]  // short, shorter, GEMM-sized
        let next: [Int32] = [4, 17, 30]
        // Alone: prefill, then one decode step per sequence.
        var alone: [[Float]] = []
        for (prompt, token) in zip(prompts, next) {
            let cache = lm.decoder.makeCache()
            _ = try lm.decoder.forward(prompt, cache: cache)
            alone.append(try lm.decoder.forward([token], cache: cache))
        }
        // Together: the same prefills (alone: a batched prefill of 16 rows would take the f32 GEMM path, not the
        // int8 one the short prompts take alone), then the three decode steps as one batch.
        let caches = prompts.map { _ in lm.decoder.makeCache() }
        for (prompt, cache) in zip(prompts, caches) { _ = try lm.decoder.forward(prompt, cache: cache) }
        let together = try lm.decoder.forward(batch: zip(next, caches).map { (tokens: [$0], cache: $1) })
        let width = lm.config.width
        for s in 0..<3 {
            XCTAssertEqual(caches[s].count, prompts[s].count + 1)
            for i in 0..<width {
                // The batched step quantizes each row's activations exactly as a step alone does: same numbers.
                XCTAssertEqual(together[s * width + i], alone[s][i], accuracy: 1e-5, "sequence \(s), value \(i)")
            }
        }
    }

    func testABatchedPrefillKeepsTheLastPositionsOfEachSequence() throws {
        let lm = try tinyModel()
        // Both prompts long enough for the f32 GEMM path alone as well as together, so the numbers agree.
        let prompts: [[Int32]] = [[1, 5, 9, 4, 4, 6, 7, 8], [1, 7, 8, 9, 10, 11, 12, 13, 14, 15]]
        let caches = prompts.map { _ in lm.decoder.makeCache() }
        let hidden = try lm.decoder.forward(batch: zip(prompts, caches).map { (tokens: $0, cache: $1) }, keep: 2)
        let width = lm.config.width
        XCTAssertEqual(hidden.count, 4 * width, "two kept positions per sequence")
        XCTAssertEqual(caches.map(\.count), [8, 10])
        for (s, prompt) in prompts.enumerated() {
            let alone = try lm.decoder.forward(prompt, cache: lm.decoder.makeCache(), keep: 2)
            for i in 0..<(2 * width) {
                XCTAssertEqual(hidden[s * 2 * width + i], alone[i], accuracy: 1e-4, "sequence \(s), value \(i)")
            }
        }
    }

    /// A prompt long enough for the GEMM attention path, over an f16 cache: the keys and values are widened as
    /// they are copied, so the result differs from an f32 cache's only by f16 rounding of the cached values.
    func testAPromptOverAHalfCacheTakesTheGEMMPath() throws {
        let lm = try tinyModel()
        let prompt = (0..<Int32(GGMLMatrix.gemmBatch + 8)).map { 1 + $0 % 40 }
        let f32 = try lm.decoder.forward(prompt, cache: lm.decoder.makeCache(precision: .f32))
        let f16 = try lm.decoder.forward(prompt, cache: lm.decoder.makeCache(precision: .f16))
        let rms = (f32.reduce(0) { $0 + $1 * $1 } / Float(f32.count)).squareRoot()
        let worst = zip(f32, f16).map { abs($0 - $1) }.max()!
        // f16 keeps 11 significant bits (relative 2⁻¹¹ ≈ 4.9e-4 per value); budget 1% of the RMS after 2 blocks.
        XCTAssertLessThan(worst, 0.01 * rms, "f16 cache prompt differs by \(worst) (RMS \(rms))")
        XCTAssertGreaterThan(worst, 0, "the f16 cache rounds, so the results are not bit-equal")
    }

    func testABatchSharingACacheIsAnError() throws {
        let lm = try tinyModel()
        let cache = lm.decoder.makeCache()
        XCTAssertThrowsError(try lm.decoder.forward(batch: [(tokens: [1], cache: cache), (tokens: [2], cache: cache)])) {
            XCTAssertTrue("\($0)".contains("shares its KV cache"), "\($0)")
        }
        XCTAssertThrowsError(try lm.decoder.forward(batch: [])) { XCTAssertTrue("\($0)".contains("no sequences"), "\($0)") }
        XCTAssertEqual(cache.count, 0, "a refused batch leaves the cache as it was")
    }

    func testBenchmarkRecordsEveryThreadCountAndBatch() throws {
        let lm = try tinyModel()
        var configuration = LanguageModelBenchmark.Configuration()
        configuration.promptTokens = 8
        configuration.genTokens = 3
        configuration.threads = [1, 2]
        configuration.batches = [1, 3]
        configuration.repeats = 2
        let records = try LanguageModelBenchmark.run(lm, configuration)
        XCTAssertEqual(records.map { "\($0.threads)×\($0.batch)" }, ["1×1", "1×3", "2×1", "2×3"])
        for r in records {
            XCTAssertEqual(r.prompt_tokens, 8)
            XCTAssertEqual(r.gen_tokens, 3)
            XCTAssertGreaterThan(r.prefill_tps, 0)
            XCTAssertGreaterThan(r.decode_tps, 0)
            XCTAssertGreaterThan(r.peak_rss_bytes, 0)
            XCTAssertGreaterThan(r.roof_fraction, 0)
            XCTAssertGreaterThan(r.read_bandwidth, 0)
            XCTAssertEqual(r.repeats, 2)
        }
        // A step reads every weight once whatever the batch, plus per sequence an embedding row and its KV cache.
        let one = LanguageModelBenchmark.bytesPerDecodeStep(lm, batch: 1, context: 9, precision: .f32)
        let three = LanguageModelBenchmark.bytesPerDecodeStep(lm, batch: 3, context: 9, precision: .f32)
        let c = lm.config
        let perSequence = lm.decoder.weights.tokenEmbedding.byteCount / c.vocabularySize + c.blockCount * 9 * c.kvWidth * 2 * 4
        XCTAssertEqual(three - one, 2 * perSequence)
        configuration.batches = [0]
        XCTAssertThrowsError(try LanguageModelBenchmark.run(lm, configuration))
        configuration.batches = [1]
        configuration.promptTokens = c.contextLength
        XCTAssertThrowsError(try LanguageModelBenchmark.run(lm, configuration)) { XCTAssertTrue("\($0)".contains("exceed")) }
    }
}
