import EffKernels
@testable import EffLLM
import XCTest

/// TokenCost's counts against hand arithmetic on the tiny fixture: width 64, 4 query heads and 2 KV heads of 16,
/// feed-forward 128, 2 blocks, vocabulary 512, rope 16 (8 pairs); token_embd Q8_0 (tied head); block 0: q Q4_0,
/// k Q4_1, v Q8_0, o F16, gate BF16, up F32, down Q4_1; block 1: q F16, k BF16, v F32, o Q4_0, gate Q4_1, up Q8_0, down Q4_0.
final class TokenCostTests: XCTestCase {
    func model() throws -> LanguageModel { try LanguageModelBadInputTests.tinyModel() }

    func testKVAttentionOfOneDecodedTokenAtContext128() throws {
        let cost = try TokenCost.decode(model(), context: 128)
        XCTAssertEqual(cost.tokens, 1)
        XCTAssertEqual(cost.context, 128)
        let part = cost[.kvAttention]
        // Per block and query head over L = 128 positions: 2·L·d multiply-adds (q·k, p·v), 2L multiplies (scale,
        // normalize), L compares, L exps, 2L adds, 1 divide. 4 heads, 2 blocks.
        XCTAssertEqual(part.work[.f32MultiplyAdd], 2 * 4 * 2 * 128 * 16)
        XCTAssertEqual(part.work[.f32Multiply], 2 * 4 * 2 * 128)
        XCTAssertEqual(part.work[.f32Compare], 2 * 4 * 128)
        XCTAssertEqual(part.work[.f32Transcendental], 2 * 4 * 128)
        XCTAssertEqual(part.work[.f32Add], 2 * 4 * 2 * 128)
        XCTAssertEqual(part.work[.f32Divide], 2 * 4)
        // Keys and values of 128 positions × 32 values × 4 bytes read, one position's written, per block.
        XCTAssertEqual(part.kvBytesRead, 2 * 128 * 2 * 32 * 4)
        XCTAssertEqual(part.kvBytesWritten, 2 * 2 * 32 * 4)
        // Plus k, v read from the projections (2·32·4) and q read, attended written (64·4 each), per block.
        XCTAssertEqual(part.work.activationBytesRead, part.kvBytesRead + 2 * (2 * 32 * 4 + 64 * 4))
        XCTAssertEqual(part.work.activationBytesWritten, part.kvBytesWritten + 2 * 64 * 4)
        XCTAssertEqual(cost.cacheBytes, 128 * 2 * 2 * 32 * 4)
        // An f16 cache halves the bytes and converts every key and value it reads.
        let half = try TokenCost.decode(model(), context: 128, cachePrecision: .f16)[.kvAttention]
        XCTAssertEqual(half.kvBytesRead, part.kvBytesRead / 2)
        XCTAssertEqual(half.work[.convert], 2 * (4 * 2 * 128 * 16 + 2 * 32))
    }

    func testMatrixCountsFollowTheKernels() throws {
        // Q4_1 (32 × 64) on one vector: 2048 int8 multiply-adds; 64 blocks × (4 conversions, 2 multiplies,
        // 2 multiply-adds); quantizing x: 64 compares, multiplies, conversions, int32 adds, 2 × 2 divides.
        let q41 = Kernels.work(.q4_1, rows: 32, columns: 64, batch: 1)
        XCTAssertEqual(q41[.int8MultiplyAdd], 2048)
        XCTAssertEqual(q41[.convert], 4 * 64 + 64)
        XCTAssertEqual(q41[.f32Multiply], 2 * 64 + 64)
        XCTAssertEqual(q41[.f32MultiplyAdd], 2 * 64)
        XCTAssertEqual(q41[.f32Compare], 64)
        XCTAssertEqual(q41[.int32Add], 64)
        XCTAssertEqual(q41[.f32Divide], 4)
        XCTAssertEqual(q41.weightBytesRead, 32 * 2 * 20)
        XCTAssertEqual(q41.activationBytesRead, 64 * 4)
        XCTAssertEqual(q41.activationBytesWritten, 32 * 4)
        // 128 vectors go through dequantize + f32 GEMM: 2048 + 2·64 conversions, 2048 + 128·32·64 multiply-adds,
        // the f32 copy of the weights written and read once.
        let gemm = Kernels.work(.q4_1, rows: 32, columns: 64, batch: 128)
        XCTAssertEqual(gemm[.int8MultiplyAdd], 0)
        XCTAssertEqual(gemm[.convert], 2048 + 128)
        XCTAssertEqual(gemm[.f32MultiplyAdd], 2048 + 128 * 32 * 64)
        XCTAssertEqual(gemm.weightBytesRead, 1280)
        XCTAssertEqual(gemm.activationBytesWritten, 2048 * 4 + 128 * 32 * 4)
        XCTAssertEqual(gemm.activationBytesRead, 2048 * 4 + 128 * 64 * 4)
    }

    func testWholeTokenCounts() throws {
        let lm = try model()
        let cost = try TokenCost.decode(lm, context: 1)
        // int8 multiply-adds: one per weight of every Q matrix and of the Q8_0 head.
        let block0 = 64 * 64 + 32 * 64 + 32 * 64 + 64 * 128          // q Q4_0, k Q4_1, v Q8_0, down Q4_1
        let block1 = 64 * 64 + 128 * 64 + 128 * 64 + 64 * 128        // o Q4_0, gate Q4_1, up Q8_0, down Q4_0
        XCTAssertEqual(cost.total[.int8MultiplyAdd], UInt64(block0 + block1 + 512 * 64))
        // Weight bytes: every matrix once, one Q8_0 embedding row (2 blocks of 34 bytes), 5 norm gains.
        let matrixBytes = lm.blockShapes.flatMap { $0.attention + $0.ffn }.reduce(0) { $0 + $1.byteCount }
        XCTAssertEqual(cost.total.weightBytesRead, UInt64(matrixBytes + 512 * 68 + 68 + 5 * 64 * 4))
        XCTAssertEqual(cost.residentWeightBytes, UInt64(matrixBytes + 512 * 68 + 5 * 64 * 4))
        // RoPE per token and block: 2·(2·8 + 1) transcendentals.
        XCTAssertEqual(cost[.attention].work[.f32Transcendental], 2 * 2 * 17)
        // silu·mul: 128 values per block, one exp each.
        XCTAssertEqual(cost[.ffn].work[.f32Transcendental], 2 * 128)
        // The head: one Q8_0 row per vocabulary entry on the last position only, also for a prompt.
        let t = GGMLMatrix.gemmBatch  // the shortest prompt that takes the GEMM path
        let prompt = try TokenCost.prefill(lm, promptTokens: t)
        XCTAssertEqual(prompt[.head].work[.int8MultiplyAdd], 512 * 64)
        XCTAssertEqual(prompt.tokens, t)
        // The prompt's attention runs as two GEMMs over the full t × t rectangle per head (masked entries too).
        XCTAssertEqual(prompt[.kvAttention].work[.f32MultiplyAdd], UInt64(2 * 4 * 2 * t * t * 16))
        XCTAssertEqual(prompt[.kvAttention].work[.f32Transcendental], UInt64(2 * 4 * (t * (t + 1) / 2)))
        // One token fewer: one query at a time, each over the positions it sees.
        let short = try TokenCost.prefill(lm, promptTokens: t - 1)
        XCTAssertEqual(short[.kvAttention].work[.f32MultiplyAdd], UInt64(2 * 4 * 2 * ((t - 1) * t / 2) * 16))
    }

    func testHypotheticalFormatsSubstituteBytesAndKernels() throws {
        let lm = try model()
        let f32 = try TokenCost.decode(lm, context: 1, format: "f32")
        // Every matrix (64·64·2 + 32·64·2 + 128·64·3 per block, twice, and the 512 × 64 head) at 4 bytes a weight.
        let weights = 2 * (64 * 64 * 2 + 32 * 64 * 2 + 128 * 64 * 3) + 512 * 64
        XCTAssertEqual(f32.total[.int8MultiplyAdd], 0)
        XCTAssertEqual(f32.residentWeightBytes, UInt64(weights * 4 + 5 * 64 * 4))
        let q8 = try TokenCost.decode(lm, context: 1, format: "q8_0")
        XCTAssertEqual(q8.total[.int8MultiplyAdd], UInt64(weights))
        XCTAssertEqual(q8.residentWeightBytes, UInt64(weights / 32 * 34 + 5 * 64 * 4))
        let int4 = try TokenCost.decode(lm, context: 1, format: "int4")
        XCTAssertEqual(int4.total[.int8MultiplyAdd], UInt64(weights))
        XCTAssertThrowsError(try TokenCost.decode(lm, context: 1, format: "q5_k")) { error in
            XCTAssert("\(error)".contains("no cost model for weight format 'q5_k'"), "\(error)")
        }
        XCTAssertThrowsError(try TokenCost.decode(lm, context: 257)) { error in
            XCTAssert("\(error)".contains("context must be within 1...256"), "\(error)")
        }
    }
}
