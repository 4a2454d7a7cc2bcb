import EffKernels
@testable import EffModels
import XCTest

final class MixtureOfExpertsTests: XCTestCase {
    private func moe(experts: Int = 4, top: Int = 2, hidden: Int = 6, capacity: Double? = nil, width: Int = 8,
                     seed: UInt64 = 3) throws -> MixtureOfExpertsMixer {
        var random = RandomGenerator(seed: seed)
        var arguments: [String: LayerArgument] = ["experts": .number(Double(experts)), "top": .number(Double(top)),
                                                  "hidden": .number(Double(hidden))]
        if let capacity { arguments["capacity"] = .number(capacity) }
        return try XCTUnwrap(BlockKind.named("moe")).mixer(arguments, width: width, random: &random) as! MixtureOfExpertsMixer
    }

    /// The smallest gap, over rows, between the router logit of a token's last chosen expert and its best unchosen
    /// one, for the input `GradientCheck.check` draws (same seed, same order of draws).
    private func routingMargin(_ mixer: MixtureOfExpertsMixer, shape: SequenceShape, seed: UInt64 = 7) -> Float {
        let logits = mixer.router(gradientCheckInput(mixer, shape, seed: seed), rows: shape.rows)
        let count = mixer.expertCount
        guard mixer.top < count else { return .infinity }
        return (0..<shape.rows).map { row in
            let sorted = logits[(row * count)..<((row + 1) * count)].sorted(by: >)
            return sorted[mixer.top - 1] - sorted[mixer.top]
        }.min()!
    }

    /// Routing is a step function of the router logits: a finite difference across a near-tie would measure the jump,
    /// not the derivative. A step h on input x[r, c] moves row r's logit e by h·W[e, c], so a gap between two logits by
    /// at most 2h·max|W|; a step on W[e, c] moves logit e of row r by h·x[r, c], a gap by at most h·max|x|. Each case
    /// first checks that every token's last chosen and best unchosen logits are further apart than that (the seeds
    /// are chosen for it; the margins are about 0.08 against a bound of about 0.025), so no choice flips within ±h.
    /// Capacity drops follow the choices in token order, so they do not flip either. Experts and the expert weights
    /// move nothing in routing. auxiliaryWeight 0.5 makes the balancing gradient a visible part of every router
    /// derivative (leaving it out of the backward fails this test at >100 coordinates).
    func testBackwardMatchesFiniteDifferences() throws {
        let shape = SequenceShape(batch: 2, length: 5)
        for (top, capacity, seed) in [(1, nil, UInt64(3)), (2, nil, 3), (1, 0.75, 3), (2, 0.75, 3)] as [(Int, Double?, UInt64)] {
            let mixer = try moe(top: top, capacity: capacity, seed: seed)
            let margin = routingMargin(mixer, shape: shape)
            let input = gradientCheckInput(mixer, shape)
            let largestInput = input.map(abs).max()!, largestWeight = mixer.router.weight.map(abs).max()!
            let bound = GradientCheck.step * max(largestInput, 2 * largestWeight)
            XCTAssertGreaterThan(margin, bound, "\(mixer): a near-tie in routing; choose another seed")
            print("\(mixer): routing margin \(margin) > \(bound), the most a step moves a gap")
            if capacity != nil {
                let probabilities = mixer.softmax(mixer.router(input, rows: shape.rows),
                                                  rows: shape.rows)
                XCTAssertTrue(mixer.route(probabilities, rows: shape.rows).kept.contains(false), "\(mixer): capacity drops some")
            }
            try GradientCheck.check(mixer, shape: shape, auxiliaryWeight: 0.5)
        }
    }

    private func gradientCheckInput(_ mixer: MixtureOfExpertsMixer, _ shape: SequenceShape, seed: UInt64 = 7) -> [Float] {
        var random = RandomGenerator(seed: seed)
        return (0..<(shape.rows * mixer.width)).map { _ in random.nextNormal() }
    }

    /// Work charges the router plus exactly `top` experts per token: top 1 is the router + one dense FFN of the same
    /// hidden width + the gated sum; top 2 adds one more FFN's worth.
    func testWorkChargesOnlyTheVisitedExperts() throws {
        let shape = SequenceShape(batch: 2, length: 16)
        let one = try moe(experts: 8, top: 1, hidden: 12), two = try moe(experts: 8, top: 2, hidden: 12)
        var random = RandomGenerator(seed: 1)
        let dense = try FeedForwardNetwork(width: 8, hidden: 12, activation: .swiglu, random: &random)
        func multiplyAdds(_ work: Work) -> UInt64 { work.operations[.f32MultiplyAdd] ?? 0 }
        let rows = UInt64(shape.rows), router = rows * 8 * 8, gatedSum = rows * 8
        XCTAssertEqual(multiplyAdds(one.forwardWork(shape: shape)), router + multiplyAdds(dense.work(rows: shape.rows)) + gatedSum)
        XCTAssertEqual(multiplyAdds(two.forwardWork(shape: shape)), router + 2 * (multiplyAdds(dense.work(rows: shape.rows)) + gatedSum))
        XCTAssertEqual(multiplyAdds(two.tokenWork(context: 100)), 8 * 8 + 2 * (multiplyAdds(dense.work(rows: 1)) + 8))
        // Per token it reads the router and two experts' weights, not eight.
        XCTAssertEqual(two.tokenWork(context: 1).weightBytesRead, UInt64(8 * 8 + 2 * dense.parameterCount) * 4)
        XCTAssertEqual(two.activeParameterCount, 8 * 8 + 2 * dense.parameterCount)
        XCTAssertEqual(two.parameterCount, 8 * 8 + 8 * dense.parameterCount)
        // A capacity factor bounds the assignments: ⌈0.5 · 32 · 2 / 8⌉ = 4 per expert, 32 in all instead of 64.
        let capped = try moe(experts: 8, top: 2, hidden: 12, capacity: 0.5)
        XCTAssertEqual(multiplyAdds(capped.forwardWork(shape: shape)), multiplyAdds(one.forwardWork(shape: shape)))
    }

    /// With every expert the same network and top = experts, the renormalised gates sum to 1: one FFN.
    func testIdenticalExpertsWithAllChosenAreOneNetwork() throws {
        var mixer = try moe(experts: 3, top: 3, hidden: 6)
        for e in 1..<3 { mixer.experts[e] = mixer.experts[0] }
        let shape = SequenceShape(batch: 2, length: 4)
        var random = RandomGenerator(seed: 5)
        let input = (0..<(shape.rows * 8)).map { _ in random.nextNormal() }
        let expected = mixer.experts[0].forward(input, rows: shape.rows).output
        let output = try mixer.forward(input, shape: shape).output
        for (a, b) in zip(output, expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    /// Two experts, top 1, width 2, router W = identity so the logits are the inputs. Rows: (0, ln 3) three times →
    /// p = (1/4, 3/4), expert 1; then (0, 0) → p = (1/2, 1/2), a tie, expert 0 (the lower index).
    /// f = (1/4, 3/4); P_0 = (3 · 1/4 + 1/2) / 4 = 0.3125, P_1 = 0.6875;
    /// aux = 2 · (1/4 · 0.3125 + 3/4 · 0.6875) = 2 · 0.59375 = 1.1875.
    func testBalancingLossByHand() throws {
        var mixer = try moe(experts: 2, top: 1, hidden: 4, width: 2)
        mixer.router.weight = [1, 0, 0, 1]
        let ln3 = Float(Foundation.log(3.0))
        let input: [Float] = [0, ln3, 0, ln3, 0, ln3, 0, 0]
        let shape = SequenceShape(batch: 1, length: 4)
        let result = try mixer.forward(input, shape: shape)
        XCTAssertEqual(result.auxiliaryLoss, 1.1875, accuracy: 1e-6)
        let routing = mixer.route(result.saved[0], rows: 4)
        XCTAssertEqual(routing.choices, [1, 1, 1, 0])
        XCTAssertEqual(routing.gates, [1, 1, 1, 1])   // top 1: the renormalised gate is 1
        // Uniform routing gives 1: two rows to each expert.
        let balanced = try mixer.forward([0, ln3, ln3, 0, 0, ln3, ln3, 0], shape: shape)
        XCTAssertEqual(balanced.auxiliaryLoss, 1, accuracy: 1e-6)

        // Capacity 0.5: ⌈0.5 · 4 · 1 / 2⌉ = 1 assignment per expert, in token order: expert 1 keeps row 0 and drops
        // rows 1 and 2; expert 0 keeps row 3. Dropped rows output 0 (the residual carries them).
        var capped = try moe(experts: 2, top: 1, hidden: 4, capacity: 0.5, width: 2)
        capped.setParameters(mixer.parameters)
        let cappedResult = try capped.forward(input, shape: shape)
        let cappedRouting = capped.route(cappedResult.saved[0], rows: 4)
        XCTAssertEqual(cappedRouting.kept, [true, false, false, true])
        XCTAssertEqual(cappedRouting.assignments.map { $0.map(\.row) }, [[3], [0]])
        XCTAssertEqual(Array(cappedResult.output[2..<6]), [0, 0, 0, 0])
        for c in [0, 1, 6, 7] { XCTAssertEqual(cappedResult.output[c], result.output[c], accuracy: 1e-6) }
        // f counts choices before the drop, so the loss is unchanged.
        XCTAssertEqual(cappedResult.auxiliaryLoss, 1.1875, accuracy: 1e-6)
    }

    /// Top 2 of 3: gates renormalised over the chosen two (Mixtral). Logits (0, ln 2, ln 3) → p ∝ (1, 2, 3):
    /// experts 2 then 1, gates 3/5 and 2/5.
    func testTopTwoGatesAreRenormalised() throws {
        var mixer = try moe(experts: 3, top: 2, hidden: 4, width: 3)
        mixer.router.weight = [1, 0, 0, 0, 1, 0, 0, 0, 1]
        let probabilities = mixer.softmax(mixer.router([0, Float(Foundation.log(2.0)), Float(Foundation.log(3.0))], rows: 1), rows: 1)
        let routing = mixer.route(probabilities, rows: 1)
        XCTAssertEqual(routing.choices, [2, 1])
        XCTAssertEqual(routing.gates[0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(routing.gates[1], 0.4, accuracy: 1e-6)
    }

    func testMalformedDeclarationsAreClearErrors() throws {
        func message(_ arguments: [String: LayerArgument]) -> String {
            var random = RandomGenerator(seed: 1)
            do { _ = try BlockKind.named("moe")!.mixer(arguments, width: 8, random: &random); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message(["experts": .number(2), "top": .number(3), "hidden": .number(4)]),
                       "moe: top 3 of 2 experts; top must be ≤ experts")
        XCTAssertEqual(message(["experts": .number(0), "top": .number(1), "hidden": .number(4)]),
                       "moe: 0 experts; experts must be ≥ 1")
        XCTAssertEqual(message(["experts": .number(4), "top": .number(0), "hidden": .number(4)]), "moe: top 0; top must be ≥ 1")
        XCTAssertEqual(message(["hidden": .number(4), "capacity": .number(0)]),
                       "moe: capacity factor 0; it must be > 0 (or none)")
        XCTAssertEqual(message(["hidden": .number(4), "capacity": .name("lots")]),
                       "moe: capacity must be a factor such as 1.25, or none; got 'lots'")
        XCTAssertEqual(message(["hidden": .number(4)]), "no error")
    }

    /// Through a whole model (norms, residuals, head) with the balancing loss weighted 0.5; and the model counts
    /// only the router and two of four experts as active per token.
    func testModelGradientsAndActiveParameters() throws {
        let specs = [LayerSpec(kind: "moe", arguments: ["experts": .number(4), "top": .number(2), "hidden": .number(6)]),
                     LayerSpec(kind: "moe", arguments: ["experts": .number(3), "top": .number(1), "hidden": .number(6),
                                                        "capacity": .number(1.5)])]
        var model = try SequenceModel(vocabularySize: 11, width: 8, blocks: specs, seed: 5)
        model.embedding = model.embedding.map { $0 * 50 }   // as SequenceModelTests: linear through the RMSNorm
        try ModelGradientCheck.check(model, auxiliaryWeight: 0.5)
        let expert = 8 * 2 * 6 + 8 * 6   // SwiGLU up (2·hidden, width) + down (width, hidden)
        // Inactive per token: two of four experts, two of three, and all embedding rows but the token's own.
        XCTAssertEqual(model.parameterCount - model.activeParameterCount, 2 * expert + 2 * expert + 10 * 8)
        // The spec rebuilds the same architecture.
        for block in model.blocks {
            var random = RandomGenerator(seed: 1)
            let rebuilt = try BlockKind.named(block.mixer.spec.kind)!.mixer(block.mixer.spec.arguments, width: 8, random: &random)
            XCTAssertEqual(rebuilt.description, block.mixer.description)
            XCTAssertEqual(rebuilt.parameterShapes.map(\.shape), block.mixer.parameterShapes.map(\.shape))
        }
    }

    func testModelWithExpertsTrainsBelowUnigram() throws {
        try SequenceTrainingCheck.learns(blocks: [
            LayerSpec(kind: "attention", arguments: ["heads": .number(2)]),
            LayerSpec(kind: "moe", arguments: ["experts": .number(4), "top": .number(2), "hidden": .number(16)])])
    }
}
