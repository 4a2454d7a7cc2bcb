import EffKernels
@testable import EffModels
import XCTest

final class StateSpaceTests: XCTestCase {
    private func ssm(state: Int = 4, expand: Int = 2, conv: Int = 4, width: Int = 8, seed: UInt64 = 3) throws -> StateSpaceMixer {
        var random = RandomGenerator(seed: seed)
        return try XCTUnwrap(BlockKind.named("ssm")).mixer(
            ["state": .number(Double(state)), "expand": .number(Double(expand)), "conv": .number(Double(conv))],
            width: width, random: &random) as! StateSpaceMixer
    }

    /// Every tensor, conv 1 (no convolution) and 4, two sequences of 7. The Δ bias starts at softplus⁻¹ of
    /// 1e-3…1e-1, where Ā ≈ 1 and the state barely decays; raising it to Δ ≈ 0.5…1 makes the decay terms (∂/∂A_log,
    /// the Ā part of ∂/∂Δ) large enough that a wrong one could not hide in the budget.
    func testBackwardMatchesFiniteDifferences() throws {
        let shape = SequenceShape(batch: 2, length: 7)
        for conv in [1, 4] {
            var mixer = try ssm(conv: conv)
            mixer.dtBias = mixer.dtBias.indices.map { 0.5 * Float($0 % 2) }   // softplus: 0.69 or 0.97
            try GradientCheck.check(mixer, shape: shape)
        }
    }

    /// Changing position 3 of a sequence changes no output before it, and does change the outputs at and after it.
    func testOutputIsCausal() throws {
        let mixer = try ssm()
        let shape = SequenceShape(batch: 1, length: 8)
        var random = RandomGenerator(seed: 2)
        let input = (0..<(8 * 8)).map { _ in random.nextNormal() }
        var changed = input
        for c in 0..<8 { changed[3 * 8 + c] += 1 }
        let before = try mixer.forward(input, shape: shape).output, after = try mixer.forward(changed, shape: shape).output
        for t in 0..<8 {
            let same = (0..<8).allSatisfy { before[t * 8 + $0] == after[t * 8 + $0] }
            XCTAssertEqual(same, t < 3, "position \(t)")
        }
    }

    /// The recurrence by hand, one channel, N = 1: A_log = 0 → A = −1; Δ = softplus(0) = ln 2 → Ā = e^(−ln 2) = 1/2;
    /// D = 0.5; u = (1, 2, −1), B = (1, 1, 2), C = (2, 1, 1).
    ///   h0 = ½·0 + ln2·1·1 = 0.693147,           y0 = 2·0.693147 + 0.5·1 = 1.886294
    ///   h1 = ½·0.693147 + ln2·1·2 = 1.732868,    y1 = 1·1.732868 + 0.5·2 = 2.732868
    ///   h2 = ½·1.732868 + ln2·2·(−1) = −0.519860, y2 = 1·(−0.519860) + 0.5·(−1) = −1.019860
    func testRecurrenceByHand() throws {
        var mixer = try ssm(state: 1, expand: 1, conv: 1, width: 1)
        XCTAssertEqual(mixer.dtRank, 1)
        mixer.logDecay = [0]
        mixer.skip = [0.5]
        let shape = SequenceShape(batch: 1, length: 3)
        // (rows, R + 2N) = (δ, B, C) per row; the scan reads B and C (δ went into Δ already).
        let projected: [Float] = [0, 1, 2, 0, 1, 1, 0, 2, 1]
        var states = [Float](repeating: 0, count: 3), y = states
        mixer.scan(u: [1, 2, -1], projected: projected, dtPre: [0, 0, 0], shape: shape, states: &states, y: &y)
        for (value, expected) in zip(states, [0.693147, 1.732868, -0.519860] as [Float]) { XCTAssertEqual(value, expected, accuracy: 1e-5) }
        for (value, expected) in zip(y, [1.886294, 2.732868, -1.019860] as [Float]) { XCTAssertEqual(value, expected, accuracy: 1e-5) }
    }

    /// A fixed-size state: generating a token costs the same at context 256 and 4096, and a forward is linear in length.
    func testWorkIsLinearInLengthAndTokenWorkIgnoresContext() throws {
        let mixer = try ssm(state: 16, expand: 2, conv: 4, width: 64)
        XCTAssertEqual(mixer.tokenWork(context: 256), mixer.tokenWork(context: 4096))
        XCTAssertEqual(mixer.cacheValues(context: 256), 128 * 16 + 128 * 3)
        XCTAssertEqual(mixer.cacheValues(context: 4096), mixer.cacheValues(context: 1))
        let short = mixer.forwardWork(shape: SequenceShape(batch: 1, length: 256))
        let long = mixer.forwardWork(shape: SequenceShape(batch: 1, length: 4096))
        for (operation, count) in short.operations { XCTAssertEqual(long.operations[operation], 16 * count, "\(operation)") }
    }

    func testMalformedDeclarationsAreClearErrors() throws {
        func message(_ arguments: [String: LayerArgument]) -> String {
            var random = RandomGenerator(seed: 1)
            do { _ = try BlockKind.named("ssm")!.mixer(arguments, width: 8, random: &random); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message(["state": .number(0)]), "ssm needs 'state', a whole number in 1…4096")
        XCTAssertEqual(message(["expand": .number(0)]), "ssm needs 'expand', a whole number in 1…64")
        XCTAssertEqual(message(["conv": .number(0)]), "ssm needs 'conv', a whole number in 1…64")
        XCTAssertEqual(message(["state": .number(1.5)]), "ssm needs 'state', a whole number in 1…4096")
        // Built directly (not from a declaration), the same limits.
        var random = RandomGenerator(seed: 1)
        XCTAssertThrowsError(try StateSpaceMixer(width: 8, state: 0, random: &random)) {
            XCTAssertEqual("\($0)", "ssm: state 0; state must be in 1…4096")
        }
        XCTAssertThrowsError(try StateSpaceMixer(width: 8, expand: 0, random: &random)) {
            XCTAssertEqual("\($0)", "ssm: expand 0; expand must be in 1…64")
        }
        XCTAssertEqual(message([:]), "no error")
    }

    /// Through a whole model (norms, residuals, head); and the spec rebuilds the same block.
    func testModelGradientsAndSpec() throws {
        let specs = [LayerSpec(kind: "ssm", arguments: ["state": .number(4), "conv": .number(3)]),
                     LayerSpec(kind: "ffn", arguments: ["hidden": .number(8)])]
        var model = try SequenceModel(vocabularySize: 11, width: 8, blocks: specs, seed: 5)
        model.embedding = model.embedding.map { $0 * 50 }   // as SequenceModelTests: linear through the RMSNorm
        try ModelGradientCheck.check(model)
        let mixer = model.blocks[0].mixer
        var random = RandomGenerator(seed: 1)
        let rebuilt = try BlockKind.named(mixer.spec.kind)!.mixer(mixer.spec.arguments, width: 8, random: &random)
        XCTAssertEqual(rebuilt.description, "ssm state 4, inner 16, conv 3")
        XCTAssertEqual(rebuilt.parameterShapes.map(\.shape), mixer.parameterShapes.map(\.shape))
        XCTAssertEqual(mixer.decaysParameters.count, mixer.parameters.count)
    }

    func testModelWithStateSpaceBlocksTrainsBelowUnigram() throws {
        try SequenceTrainingCheck.learns(blocks: [
            LayerSpec(kind: "ssm", arguments: ["state": .number(8)]),
            LayerSpec(kind: "ffn", arguments: ["hidden": .number(32)])])
    }
}
