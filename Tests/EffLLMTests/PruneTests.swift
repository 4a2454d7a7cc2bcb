import EffKernels
@testable import EffLLM
import XCTest

/// `LanguageModel.pruned` on the tiny fixtures: which weights go (`MagnitudePruning`, as for MLPs), how they are
/// stored (sparse_csr, sparse_2of4), and that the sparse kernels compute what a dense model with the same zeros does.
final class PruneTests: XCTestCase {
    /// Every attention and FFN matrix of the source and of the variant, by name, as f32 (rows, columns).
    static func prunedMatrices(_ source: LanguageModel, _ variant: LanguageModel)
        -> [(name: String, original: [Float], pruned: [Float], matrix: DecoderMatrix)] {
        zip(source.decoder.weights.namedMatrices, variant.decoder.weights.namedMatrices).compactMap { original, pruned in
            guard original.0 != "token_embd" && original.0 != "output" else { return nil }
            return (original.0, original.1.dequantized(), pruned.1.dequantized(), pruned.1)
        }
    }

    /// Unstructured 50%: in every matrix the zeros are exactly max(⌊n/2⌋, zeros already there) — the ⌊n/2⌋ smallest
    /// magnitudes go, and a weight the source already held as 0 is among them — every kept weight is the source's
    /// exactly, and none that went was larger than one that stayed.
    func testUnstructuredZerosHalfOfEveryMatrix() throws {
        for fixture in ["tiny-llama.gguf", "tiny-llama-untied.gguf"] {
            let lm = try RequantizeTests.tinyModel(fixture)
            let pruned = try lm.pruned(sparsity: 0.5, structure: .unstructured)
            XCTAssertEqual(pruned.name, "\(lm.name) (pruned 50% unstructured)")
            XCTAssertEqual(pruned.requantization, "sparse_csr, pruned 50% unstructured")
            let matrices = Self.prunedMatrices(lm, pruned)
            XCTAssertEqual(matrices.count, 7 * lm.config.blockCount)
            for (name, original, values, matrix) in matrices {
                XCTAssertEqual(matrix.formatName, "sparse_csr", name)
                let zeros = values.filter { $0 == 0 }.count, originalZeros = original.filter { $0 == 0 }.count
                XCTAssertEqual(zeros, max(original.count / 2, originalZeros), "\(fixture) \(name): zeros")
                var largestRemoved: Float = 0, smallestKept = Float.infinity
                for (w, p) in zip(original, values) {
                    if p == 0 { largestRemoved = max(largestRemoved, abs(w)) } else {
                        XCTAssertEqual(p, w, "\(name): a kept weight changed"); smallestKept = min(smallestKept, abs(w))
                    }
                }
                XCTAssertLessThanOrEqual(largestRemoved, smallestKept, "\(fixture) \(name)")
            }
            // The embedding and output head are left alone.
            XCTAssertEqual(pruned.decoder.weights.tokenEmbedding.formatName, lm.decoder.weights.tokenEmbedding.formatName)
            XCTAssertEqual(pruned.decoder.weights.outputHead.formatName, lm.decoder.weights.outputHead.formatName)
            XCTAssertEqual(pruned.decoder.weights.outputHead.dequantized(), lm.decoder.weights.outputHead.dequantized())
        }
        // Another sparsity: max(⌊0.3·n⌋, zeros already there) zeros per matrix, by the same rule.
        let lm = try RequantizeTests.tinyModel()
        let light = try lm.pruned(sparsity: 0.3)
        XCTAssertEqual(light.name, "\(lm.name) (pruned 30% unstructured)")
        for (name, original, values, _) in Self.prunedMatrices(lm, light) {
            let zeros = values.filter { $0 == 0 }.count, originalZeros = original.filter { $0 == 0 }.count
            XCTAssertEqual(zeros, max(Int((0.3 * Double(original.count)).rounded(.down)), originalZeros), name)
        }
    }

    /// 2:4: in every group of 4 consecutive weights of every row at most 2 are nonzero, the 2 kept are the group's
    /// largest magnitudes and unchanged, and the matrices are stored as sparse_2of4 (2 values per group).
    func testTwoOfFourHoldsInEveryGroup() throws {
        let lm = try RequantizeTests.tinyModel()
        let pruned = try lm.pruned(sparsity: 0.5, structure: .twoOfFour)
        XCTAssertEqual(pruned.name, "\(lm.name) (pruned 2:4)")
        for (name, original, values, matrix) in Self.prunedMatrices(lm, pruned) {
            XCTAssertEqual(matrix.formatName, "sparse_2of4", name)
            XCTAssertEqual(matrix.columns % 4, 0, name)
            guard case .eff(let sparse) = matrix else { return XCTFail("\(name) is not one of eff's formats") }
            XCTAssertEqual(sparse.storedWeightCount, matrix.rows * matrix.columns / 2, name)
            for group in stride(from: 0, to: values.count, by: 4) {
                let kept = (group..<(group + 4)).filter { values[$0] != 0 }
                XCTAssertLessThanOrEqual(kept.count, 2, "\(name) group at \(group)")
                for k in kept { XCTAssertEqual(values[k], original[k], name) }
                let removed = (group..<(group + 4)).filter { values[$0] == 0 }.map { abs(original[$0]) }.max() ?? 0
                XCTAssertLessThanOrEqual(removed, kept.map { abs(original[$0]) }.min() ?? .infinity, "\(name) group at \(group)")
            }
        }
    }

    /// The sparse kernels (f32 activations) against a dense f32 model holding the same zeroed weights: the last
    /// position's logits, for a short prompt (one token at a time) and a long one (the batched prompt path), agree
    /// to f32 rounding — only the order of the sums differs. Budget: max |Δ| ≤ 1e-4 × max |logit| (measured below
    /// 1e-6 relative).
    func testPrunedLogitsEqualTheDenseReference() throws {
        let lm = try RequantizeTests.tinyModel()
        for structure in [SparsityStructure.unstructured, .twoOfFour] {
            let sparse = try lm.pruned(sparsity: 0.5, structure: structure)
            let dense = try lm.pruned(sparsity: 0.5, structure: structure, name: nil, storedAs: .f32)
            XCTAssertEqual(Set(dense.bytesByFormat.map(\.format)).contains("f32"), true)
            for prompt in ["Hi", "The capital of France is a city on the Seine, and its river flows to the sea."] {
                let reference = try RequantizeTests.lastLogits(dense, prompt)
                let logits = try RequantizeTests.lastLogits(sparse, prompt)
                let scale = reference.map(abs).max() ?? 1
                let difference = zip(logits, reference).map { abs($0 - $1) }.max() ?? 0
                print("PruneTests: \(structure.rawValue), \(prompt.count) characters: max |Δlogit| \(difference) of max |logit| \(scale)")
                XCTAssertLessThanOrEqual(difference, 1e-4 * scale, "\(structure.rawValue): \(prompt)")
            }
            let generation = try sparse.generate("Hello", options: .init(maxTokens: 4, stopAtEndOfGeneration: false))
            XCTAssertEqual(generation.generatedTokens.count, 4)
        }
    }

    /// The cost model counts the multiply-adds the sparse kernels do: one per stored (nonzero) CSR weight, half of
    /// the (padded) weights for 2:4 — against a dense f32 model with the same zeros, exactly the removed weights fewer.
    func testWorkPerTokenCountsTheStoredWeights() throws {
        let lm = try RequantizeTests.tinyModel()
        for structure in [SparsityStructure.unstructured, .twoOfFour] {
            let sparse = try lm.pruned(sparsity: 0.5, structure: structure)
            let dense = try lm.pruned(sparsity: 0.5, structure: structure, name: nil, storedAs: .f32)
            var removed = 0
            for (name, matrix) in sparse.decoder.weights.namedMatrices where name != "token_embd" && name != "output" {
                guard case .eff(let m) = matrix else { return XCTFail(name) }
                removed += m.rows * m.columns - m.storedWeightCount
            }
            XCTAssertGreaterThanOrEqual(removed, 7 * lm.config.blockCount, structure.rawValue)
            let difference = try dense.workPerToken(context: 8).multiplyAdds - sparse.workPerToken(context: 8).multiplyAdds
            XCTAssertEqual(difference, removed, structure.rawValue)
        }
    }

    func testBadSparsityAndStructureAreRefused() throws {
        let lm = try RequantizeTests.tinyModel()
        func message(_ sparsity: Double, _ structure: SparsityStructure) -> String {
            do { _ = try lm.pruned(sparsity: sparsity, structure: structure); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message(1, .unstructured).contains("sparsity must be in [0, 1), got 1.0"), message(1, .unstructured))
        XCTAssertTrue(message(0.3, .twoOfFour).contains("2:4 structure removes exactly half the weights; use sparsity 0.5, got 0.3"))
        XCTAssertTrue(message(0.5, .neurons).contains("\"neurons\" removes whole hidden units of an MLP"), message(0.5, .neurons))
    }

    /// The shared selection on small hand-made matrices.
    func testMagnitudePruningSelection() {
        let weights: [Float] = [0.5, -0.1, 0.1, 2, -3, 0.1, 0, 1]
        // 4 of 8 go: 0, then the three 0.1s (|−0.1| = 0.1 too), earliest first.
        XCTAssertEqual(weights.withUnsafeBufferPointer { MagnitudePruning.unstructured($0, sparsity: 0.5) },
                       [true, false, false, true, true, false, false, true])
        // 3 of 8 (⌊3.2⌋): 0 and the two earliest 0.1s.
        XCTAssertEqual(weights.withUnsafeBufferPointer { MagnitudePruning.unstructured($0, sparsity: 0.4) },
                       [true, false, false, true, true, true, false, true])
        // 2:4 on one row of 8: [0.5, −0.1, 0.1, 2] keeps 0.5 and 2; [−3, 0.1, 0, 1] keeps −3 and 1. On a tie the later
        // column goes: [1, 1, 1, 1] keeps the first two. A row of 6 keeps the larger 1 of its last pair.
        XCTAssertEqual(weights.withUnsafeBufferPointer { MagnitudePruning.twoOfFour($0, rows: 1, columns: 8) },
                       [true, false, false, true, true, false, false, true])
        XCTAssertEqual([Float](repeating: 1, count: 4).withUnsafeBufferPointer { MagnitudePruning.twoOfFour($0, rows: 1, columns: 4) },
                       [true, true, false, false])
        XCTAssertEqual(([1, 2, 3, 4, 0.5, -7] as [Float]).withUnsafeBufferPointer { MagnitudePruning.twoOfFour($0, rows: 1, columns: 6) },
                       [false, false, true, true, false, true])
    }
}
