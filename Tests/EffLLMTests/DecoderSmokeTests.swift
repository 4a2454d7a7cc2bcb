import EffKernels
import EffLLM
import XCTest

final class DecoderSmokeTests: XCTestCase {
    func testRealModelGreedyStep() throws {
        let decoder = try RealModel.decoder()
        XCTAssertEqual(decoder.config.blockCount, 30)
        let ids: [Int32] = [19556, 905, 28, 451, 314, 253, 1028, 282, 260, 46119, 30]
        let cache = decoder.makeCache()
        let clock = ContinuousClock()
        let t0 = clock.now
        let hidden = try decoder.forward(ids, cache: cache)
        let logits = try decoder.logits(hidden)
        print("prefill \(ids.count) tokens: \(clock.now - t0)")
        XCTAssertTrue(logits.allSatisfy(\.isFinite))
        let best = logits.indices.max { logits[$0] < logits[$1] }!
        print("next token", best, logits[best])
        var next = Int32(best)
        var generated: [Int32] = []
        let t1 = clock.now
        for _ in 0..<16 {
            let l = try decoder.logits(try decoder.forward([next], cache: cache))
            next = Int32(l.indices.max { l[$0] < l[$1] }!)
            generated.append(next)
        }
        print("16 decode steps: \(clock.now - t1)", generated)
    }
}
