@testable import EffModels
import XCTest

final class SequenceModelTests: XCTestCase {
    private func mixer(_ kind: String, _ arguments: [String: LayerArgument], width: Int = 8, seed: UInt64 = 3) throws -> any SequenceMixer {
        var random = RandomGenerator(seed: seed)
        return try XCTUnwrap(BlockKind.named(kind)).mixer(arguments, width: width, random: &random)
    }

    func testAttentionBackwardMatchesFiniteDifferences() throws {
        let shape = SequenceShape(batch: 2, length: 6)
        try GradientCheck.check(mixer("attention", ["heads": .number(2)]), shape: shape)
        try GradientCheck.check(mixer("attention", ["heads": .number(2), "window": .number(3)]), shape: shape)
        try GradientCheck.check(mixer("attention", ["heads": .number(1), "block": .number(2)]), shape: shape)
    }

    func testFeedForwardBackwardMatchesFiniteDifferences() throws {
        let shape = SequenceShape(batch: 2, length: 3)
        try GradientCheck.check(mixer("ffn", ["hidden": .number(12)]), shape: shape)
        try GradientCheck.check(mixer("ffn", ["hidden": .number(12), "activation": .name("gelu")]), shape: shape)
    }

    func testAttentionPatternsMaskTheRightKeys() throws {
        let shape = SequenceShape(batch: 1, length: 8)
        var random = RandomGenerator(seed: 1)
        let input = (0..<(8 * 8)).map { _ in random.nextNormal() }
        for (arguments, allowed) in [
            (["heads": LayerArgument.number(2)], { (i: Int, j: Int) in j <= i }),
            (["heads": .number(2), "window": .number(3)], { (i: Int, j: Int) in j <= i && i - j < 3 }),
            (["heads": .number(2), "block": .number(4)], { (i: Int, j: Int) in j <= i && (j / 4 == i / 4 || j % 4 == 3) }),
        ] {
            let attention = try mixer("attention", arguments) as! AttentionMixer
            let probabilities = try attention.forward(input, shape: shape).saved[1]   // (1, heads, 8, 8)
            for h in 0..<2 {
                for i in 0..<8 {
                    var total: Float = 0
                    for j in 0..<8 {
                        let p = probabilities[(h * 8 + i) * 8 + j]
                        total += p
                        XCTAssertEqual(p > 0, allowed(i, j), "\(attention): head \(h) query \(i) key \(j)")
                    }
                    XCTAssertEqual(total, 1, accuracy: 1e-5)
                    XCTAssertEqual(attention.pattern.keyCount(query: i), (0..<8).filter { allowed(i, $0) }.count)
                }
            }
        }
        // A window as long as the sequence is dense attention.
        let dense = try mixer("attention", ["heads": .number(2)])
        let wide = try mixer("attention", ["heads": .number(2), "window": .number(8)])
        XCTAssertEqual(try dense.forward(input, shape: shape).output, try wide.forward(input, shape: shape).output)
    }

    /// Work counts follow the pattern: over one sequence of 8 positions a dense head scores 1+2+…+8 = 36 pairs, a
    /// window of 3 scores 1+2+3·6 = 21; each pair is a q·k and a p·v of 4 (head size) multiply-adds, so 2 heads × 15
    /// fewer pairs × 8 = 240 fewer. Generating at a context past the window costs what it costs at the window.
    func testAttentionWorkCountsOnlyAllowedPairs() throws {
        let dense = try mixer("attention", ["heads": .number(2)])
        let window = try mixer("attention", ["heads": .number(2), "window": .number(3)])
        let shape = SequenceShape(batch: 1, length: 8)
        let saved = (dense.forwardWork(shape: shape).operations[.f32MultiplyAdd] ?? 0)
            - (window.forwardWork(shape: shape).operations[.f32MultiplyAdd] ?? 0)
        XCTAssertEqual(saved, 240)
        XCTAssertEqual(window.tokenWork(context: 4096), window.tokenWork(context: 3))
        XCTAssertEqual(window.cacheValues(context: 4096), 2 * 8 * 3)
        XCTAssertGreaterThan(dense.tokenWork(context: 4096).totalBytes, dense.tokenWork(context: 3).totalBytes)
        XCTAssertEqual(dense.cacheValues(context: 4096), 2 * 8 * 4096)
    }

    func testMalformedDeclarationsAreClearErrors() throws {
        func message(_ kind: String, _ arguments: [String: LayerArgument]) -> String {
            do { _ = try mixer(kind, arguments); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("attention", ["heads": .number(3)]), "attention: 3 heads do not divide the width 8")
        XCTAssertEqual(message("attention", ["heads": .number(2), "window": .number(0)]),
                       "attention needs 'window', a whole number in 1…16777216 (leave it out for none)")
        XCTAssertEqual(message("attention", ["heads": .number(2), "window": .number(2), "block": .number(2)]),
                       "attention takes 'window' or 'block', not both")
        XCTAssertEqual(message("attention", ["heads": .number(2), "depth": .number(2)]),
                       "a attention block has no field 'depth' (fields: heads, window, block, base)")
        XCTAssertEqual(message("ffn", ["hidden": .number(4), "activation": .name("tanh")]),
                       "feed-forward activation must be one of: swiglu, gelu; got 'tanh'")
        XCTAssertThrowsError(try SequenceModel(vocabularySize: 10, width: 8, blocks: [LayerSpec(kind: "conv")], seed: 1)) { error in
            XCTAssertTrue("\(error)".hasPrefix("model 'model', block 1: unknown block kind 'conv'"), "\(error)")
        }
    }

    /// The whole model (embedding, residual blocks with their norms, final norm, head, cross-entropy) against
    /// finite differences of its mean loss.
    func testModelGradientsMatchFiniteDifferences() throws {
        let specs = [LayerSpec(kind: "attention", arguments: ["heads": .number(2)]),
                     LayerSpec(kind: "ffn", arguments: ["hidden": .number(16)])]
        var model = try SequenceModel(vocabularySize: 11, width: 8, blocks: specs, seed: 5)
        // Embeddings start at N(0, 0.02²): too small for a step of 1e-2 to be linear through the RMSNorm that follows.
        model.embedding = model.embedding.map { $0 * 50 }
        try ModelGradientCheck.check(model)
    }

    /// A tiny model learns a repetitive text far below the unigram baseline, and training is deterministic.
    func testTrainingLearnsAndIsDeterministic() throws {
        let specs = [LayerSpec(kind: "attention", arguments: ["heads": .number(2)]),
                     LayerSpec(kind: "ffn", arguments: ["hidden": .number(32)])]
        let first = try SequenceTrainingCheck.learns(blocks: specs)
        let (train, heldOut, vocabulary) = try SequenceTrainingCheck.cats()
        XCTAssertEqual(first.vocabulary, vocabulary)
        // Stopping early keeps the steps made.
        var stopped = try SequenceModel(vocabularySize: vocabulary.count, width: 16, blocks: specs, seed: 1)
        let partial = try stopped.train(on: train, heldOut: heldOut, options: SequenceTrainingCheck.options) { $0.step < 3 }
        XCTAssertTrue(partial.stoppedEarly)
        XCTAssertEqual(partial.steps.count, 3)
        XCTAssertNotNil(partial.heldOutLoss)
    }

    func testLearningRateScheduleWarmsUpThenDecays() {
        var options = SequenceTrainingOptions(steps: 110)
        options.warmup = 10
        options.learningRate = 1
        options.minimumRate = 0.1
        XCTAssertEqual(options.rate(step: 0), 0.1, accuracy: 1e-12)
        XCTAssertEqual(options.rate(step: 9), 1, accuracy: 1e-12)
        XCTAssertEqual(options.rate(step: 10), 1, accuracy: 1e-12)
        XCTAssertEqual(options.rate(step: 60), 0.55, accuracy: 1e-12)   // half-way: 0.1 + 0.9 · 0.5
        XCTAssertEqual(options.rate(step: 110), 0.1, accuracy: 1e-12)
    }
}

/// A tiny training run on a repetitive text, shared by the block kinds' tests.
enum SequenceTrainingCheck {
    static func cats() throws -> (train: TokenSequence, heldOut: TokenSequence, vocabulary: TokenVocabulary) {
        let data = try TokenSequence.characters(String(repeating: "the cat sat on the mat. ", count: 60), name: "cats")
        let (train, heldOut) = try data.split(heldOut: 0.2)
        return (train, heldOut, data.vocabulary)
    }

    static var options: SequenceTrainingOptions {
        var options = SequenceTrainingOptions(steps: 60)
        options.batch = 8
        options.length = 24
        options.warmup = 5
        options.learningRate = 1e-2
        options.evaluateEvery = 0
        options.evaluationWindows = 4
        return options
    }

    /// Trains a width-16 model of `specs` twice from seed 1: the same weights both times, and a held-out perplexity
    /// under half the unigram baseline's. Returns the trained model.
    @discardableResult
    static func learns(blocks specs: [LayerSpec], file: StaticString = #filePath, line: UInt = #line) throws -> SequenceModel {
        let (train, heldOut, vocabulary) = try cats()
        var first = try SequenceModel(vocabularySize: vocabulary.count, width: 16, blocks: specs, seed: 1)
        var second = first
        let history = try first.train(on: train, heldOut: heldOut, options: options)
        _ = try second.train(on: train, heldOut: heldOut, options: options)
        XCTAssertEqual(first.parameters, second.parameters, "same seed, same weights", file: file, line: line)
        let unigram = train.unigramPerplexity(on: heldOut)
        let perplexity = try XCTUnwrap(history.heldOutPerplexity, file: file, line: line)
        print("\(first): held-out perplexity \(perplexity), unigram \(unigram)")
        XCTAssertLessThan(perplexity, unigram / 2, "held-out perplexity \(perplexity) vs unigram \(unigram)", file: file, line: line)
        return first
    }
}
