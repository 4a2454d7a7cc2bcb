import EffKernels
import XCTest
@testable import EffModels

final class CompressionTests: XCTestCase {
    func testQuantizedFormatsRoundWeightsToTheKernelGrids() throws {
        var random = RandomGenerator(seed: 1)
        let weights = (0..<(3 * 40)).map { _ in random.nextNormal() }
        for format in WeightFormat.allCases {
            let rounded = try format.roundTrip(weights, rows: 3, columns: 40)
            XCTAssertEqual(rounded.count, weights.count)
            let distinct = (0..<3).map { row in Set(rounded[(row * 40)..<((row + 1) * 40)].map { abs($0) }).count }
            switch format {
            case .binary: XCTAssertEqual(distinct.max(), 1, "binary: one magnitude per row")
            case .ternary: XCTAssertLessThanOrEqual(distinct.max()!, 2, "ternary: 0 and one magnitude per row")
            case .int4Block32: XCTAssertLessThanOrEqual(distinct.max()!, 2 * 8, "int4: 8 magnitudes per block of 32")
            case .sparse2of4:
                for group in stride(from: 0, to: 120, by: 4) {
                    XCTAssertLessThanOrEqual(rounded[group..<(group + 4)].filter { $0 != 0 }.count, 2)
                }
            case .f32, .sparseCSR: XCTAssertEqual(rounded, weights)
            default: break
            }
        }
        XCTAssertEqual(try WeightFormat.int8PerRow.roundTrip([127, -63.4, 0.2], rows: 1, columns: 3), [127, -63, 0])
        XCTAssertEqual(try WeightFormat.ternary.roundTrip([2, -1, 0.1, 0.9], rows: 1, columns: 4), [1, -1, 0, 1])
        XCTAssertEqual(try WeightFormat.binary.roundTrip([2, -1, 0.5, -0.5], rows: 1, columns: 4), [1, -1, 1, -1])
        XCTAssertEqual(try WeightFormat.int4Block32.roundTrip([-7, 4, 1, 0], rows: 1, columns: 4), [-7, 4, 1, 0])
    }

    func testPostTrainingQuantizationKeepsAccuracy() throws {
        let parts = try TestSupport.digitsParts()
        var model = try Model.mlp([64, 64, 10], seed: 4)
        try model.train(on: parts.train, options: TrainingOptions(epochs: 8, seed: 4))
        let baseline = try model.evaluate(on: parts.test).accuracy
        let int8 = try model.quantized(.int8PerRow)
        XCTAssertEqual(int8.name, "mlp.int8")
        XCTAssertTrue(int8.denseLayers.allSatisfy { $0.layer.format == .int8PerRow })
        XCTAssertGreaterThanOrEqual(try int8.evaluate(on: parts.test).accuracy, baseline - 0.005)
        for format in [WeightFormat.f16, .bf16] {
            XCTAssertGreaterThanOrEqual(try model.quantized(format).evaluate(on: parts.test).accuracy, baseline - 0.005)
        }
        XCTAssertLessThan(try model.quantized(.ternary).summary.bytes, model.summary.bytes / 3)
    }

    func testUnstructuredAndTwoOfFourPruning() throws {
        let model = try Model.mlp([16, 32, 4], seed: 2)
        let pruned = try model.pruned(sparsity: 0.75)
        for ((_, original), (_, sparse)) in zip(model.denseLayers, pruned.denseLayers) {
            XCTAssertEqual(sparse.weights.count - sparse.nonzeroWeightCount, Int(0.75 * Double(original.weights.count)))
            let keptMinimum = sparse.weights.filter { $0 != 0 }.map(abs).min()!
            let droppedMaximum = zip(original.weights, sparse.weights).filter { $1 == 0 }.map { abs($0.0) }.max()!
            XCTAssertLessThanOrEqual(droppedMaximum, keptMinimum, "the smallest magnitudes are removed")
            XCTAssertEqual(sparse.format, .sparseCSR)
        }
        let twoFour = try model.pruned(sparsity: 0.5, structure: .twoOfFour)
        for (_, layer) in twoFour.denseLayers {
            for group in stride(from: 0, to: layer.weights.count, by: 4) {
                XCTAssertEqual(layer.weights[group..<(group + 4)].filter { $0 != 0 }.count, 2)
            }
        }
        TestSupport.assertThrows(try model.pruned(sparsity: 0.6, structure: .twoOfFour), kind: .model, containing: ["0.5"])
        TestSupport.assertThrows(try model.pruned(sparsity: 1), kind: .model, containing: ["[0, 1)"])
    }

    func testPrunedWeightsStayZeroWhenTraining() throws {
        let parts = try Dataset.builtin("iris").split(trainFraction: 0.8, seed: 1)
        var model = try Model.mlp([4, 16, 3], seed: 2).pruned(sparsity: 0.5)
        let zerosBefore = model.denseLayers.map { $0.layer.weights.map { $0 == 0 } }
        try model.train(on: parts.train, options: TrainingOptions(epochs: 3, seed: 1))
        for (before, (_, layer)) in zip(zerosBefore, model.denseLayers) {
            for (wasZero, value) in zip(before, layer.weights) where wasZero { XCTAssertEqual(value, 0) }
        }
        // Fine-tuning keeps the pruned format (and so the pruned size), for both structures.
        XCTAssertEqual(model.denseLayers.map(\.layer.format), [.sparseCSR, .sparseCSR])
        var twoOfFour = try Model.mlp([4, 16, 3], seed: 2).pruned(sparsity: 0.5, structure: .twoOfFour)
        let bytes = twoOfFour.denseLayers.map(\.layer.weightBytes)
        try twoOfFour.train(on: parts.train, options: TrainingOptions(epochs: 2, seed: 1))
        XCTAssertEqual(twoOfFour.denseLayers.map(\.layer.format), [.sparse2of4, .sparse2of4])
        XCTAssertEqual(twoOfFour.denseLayers.map(\.layer.weightBytes), bytes)
    }

    func testNeuronPruningShrinksTheModelAndKeepsStrongNeurons() throws {
        // Hidden neuron 1 has no outgoing weight, so it is the one removed.
        let first = try DenseLayer(inputCount: 2, outputCount: 3, weights: [1, 1, 5, 5, 2, 2], bias: [0, 0, 0], activation: .relu)
        let second = try DenseLayer(inputCount: 3, outputCount: 2, weights: [1, 0, 1, 1, 0, 1], bias: [0, 0])
        let model = try Model(inputCount: 2, layers: [first, second])
        let pruned = try model.pruned(sparsity: 0.34, structure: .neurons)
        XCTAssertEqual(pruned.layers.map(\.summary), ["dense 2→2 relu", "dense 2→2"])
        XCTAssertEqual(try pruned.logits([1, 2], count: 1), try model.logits([1, 2], count: 1))
        let withNorm = try Model(inputCount: 4, specs: [.dense(units: 8, activation: .relu), .layerNorm,
                                                        .dense(units: 2, activation: .none)], seed: 1)
        TestSupport.assertThrows(try withNorm.pruned(sparsity: 0.5, structure: .neurons), kind: .model, containing: ["layernorm"])
    }

    func testSingularValueDecompositionReconstructs() {
        var random = RandomGenerator(seed: 8)
        for (rows, columns) in [(6, 4), (4, 6), (5, 5)] {
            let matrix = (0..<(rows * columns)).map { _ in random.nextNormal() }
            let (u, sigma, v) = singularValueDecomposition(matrix, rows: rows, columns: columns)
            let k = min(rows, columns)
            XCTAssertEqual(sigma, sigma.sorted(by: >))
            for row in 0..<rows {
                for column in 0..<columns {
                    let value = (0..<k).reduce(0.0) { $0 + u[row * k + $1] * sigma[$1] * v[column * k + $1] }
                    XCTAssertEqual(value, Double(matrix[row * columns + column]), accuracy: 1e-5)
                }
            }
        }
    }

    func testLowRankFactorsLayersAndIsExactAtFullRank() throws {
        let model = try Model.mlp([12, 10, 3], seed: 5)
        let factored = try model.lowRank(4)
        XCTAssertEqual(factored.layers.map(\.summary), ["dense 12→4", "dense 4→10 relu", "dense 10→3"])
        XCTAssertLessThan(factored.parameterCount, model.parameterCount)
        XCTAssertEqual(try model.lowRank(10).layers.count, 2, "rank ≥ min(inputs, outputs) keeps a layer as it is")
        var random = RandomGenerator(seed: 1)
        let inputs = (0..<36).map { _ in random.nextNormal() }
        // Factoring a matrix whose rank really is 1 at rank 1 is exact.
        let lowRankWeights = (0..<10).flatMap { row in (0..<12).map { Float(row % 3 + 1) * Float($0 % 4) } }  // rank 1
        let rankOne = try Model(inputCount: 12, layers: [
            (try DenseLayer(inputCount: 12, outputCount: 10, weights: lowRankWeights, bias: nil, activation: .relu)),
            (try DenseLayer(inputCount: 10, outputCount: 3, weights: [Float](repeating: 0.1, count: 30), bias: nil)),
        ])
        let compressed = try rankOne.lowRank(1)
        let expected = try rankOne.logits(inputs, count: 3)
        for (a, b) in zip(try compressed.logits(inputs, count: 3), expected) { XCTAssertEqual(a, b, accuracy: 1e-3 * max(1, abs(b))) }
        TestSupport.assertThrows(try model.lowRank(0), kind: .model, containing: ["rank"])
    }

    func testDistillationTrainsStudentTowardsTeacher() throws {
        let parts = try TestSupport.digitsParts()
        var teacher = try Model.mlp([64, 64, 10], seed: 1)
        try teacher.train(on: parts.train, options: TrainingOptions(epochs: 6, seed: 1))
        let student = try Model.mlp([64, 16, 10], seed: 2)
        let (distilled, history) = try Model.distill(teacher: teacher, into: student, data: parts.train, temperature: 3,
                                                     alpha: 0.7, options: TrainingOptions(epochs: 15, learningRate: 3e-3, seed: 2))
        XCTAssertEqual(history.epochs.count, 15)
        XCTAssertGreaterThan(try distilled.evaluate(on: parts.test).accuracy, 0.85)
        let agreement = zip(try distilled.predict(parts.test.features, count: parts.test.count),
                            try teacher.predict(parts.test.features, count: parts.test.count)).filter { $0 == $1 }.count
        XCTAssertGreaterThan(Double(agreement) / Double(parts.test.count), 0.85)
        TestSupport.assertThrows(try Model.distill(teacher: teacher, into: try Model.mlp([64, 12], seed: 1), data: parts.train),
                                 kind: .training, containing: ["teacher"])
    }
}

final class SparseWorkTests: XCTestCase {
    func testPrunedLayersCountOnlyKeptWeights() throws {
        let model = try Model.mlp([16, 32, 4], seed: 2)
        let unstructured = try model.pruned(sparsity: 0.75)
        let kept = unstructured.denseLayers.reduce(0) { $0 + $1.layer.nonzeroWeightCount }
        XCTAssertEqual(unstructured.work()[.f32MultiplyAdd], UInt64(kept))
        XCTAssertEqual(unstructured.denseLayers[0].layer.weightBytes, 128 * 8 + 33 * 4)
        let twoFour = try model.pruned(sparsity: 0.5, structure: .twoOfFour)
        XCTAssertEqual(twoFour.work()[.f32MultiplyAdd], UInt64((16 * 32 + 32 * 4) / 2))
        XCTAssertEqual(twoFour.denseLayers[0].layer.weightBytes, 32 * 4 * 9, "2 f32 values + 1 position byte per group of 4")
        XCTAssertEqual(twoFour.denseLayers[0].layer.format, .sparse2of4)
        XCTAssertEqual(twoFour.summary.rows[0].bytes, 32 * 4 * 9 + 32 * 4)
        // Quantizing a pruned model keeps its zeros; its work is the quantized dense kernel's.
        let both = try unstructured.quantized(.int8PerRow)
        XCTAssertEqual(both.denseLayers.map(\.layer.nonzeroWeightCount), unstructured.denseLayers.map(\.layer.nonzeroWeightCount))
        let padded = WeightFormat.int8PerRow.paddedColumns  // kernels pad int8 rows to whole activation blocks
        XCTAssertEqual(both.work()[.int8MultiplyAdd], UInt64(32 * padded(16) + 4 * padded(32)))
    }
}

final class QuantizedTrainingStateTests: XCTestCase {
    func testRetrainingAQuantizedModelStaysOnItsGrid() throws {
        let parts = try Dataset.builtin("iris").split(trainFraction: 0.8, seed: 1)
        var model = try Model.mlp([4, 8, 3], seed: 1)
        var options = TrainingOptions(epochs: 2, seed: 1)
        options.quantizedFormat = .ternary
        try model.train(on: parts.train, options: options)
        try model.train(on: parts.train, options: options)  // QAT again, starting from ternary weights
        for (_, dense) in model.denseLayers {
            XCTAssertEqual(dense.format, .ternary)
            XCTAssertLessThanOrEqual(Set(dense.weights[0..<dense.inputCount].map { abs($0) }).count, 2)
        }
        XCTAssertEqual(try model.quantized(.ternary).denseLayers.map(\.layer.weights), model.denseLayers.map(\.layer.weights),
                       "quantizing to the format a model is already in keeps it")
        try model.train(on: parts.train, options: TrainingOptions(epochs: 1, seed: 1))
        XCTAssertTrue(model.denseLayers.allSatisfy { $0.layer.format == .f32 }, "plain training gives an f32 model")
    }
}

final class KernelPackingTests: XCTestCase {
    /// A layer's weights are the values its format stands for, so packing them again for the kernel must give
    /// the same values back (ternary needs care: its absmean scale is not idempotent by itself).
    func testPackingFormatRoundedWeightsIsExact() throws {
        var random = RandomGenerator(seed: 12)
        for (rows, columns) in [(5, 40), (3, 300), (4, 64)] {
            let weights = (0..<(rows * columns)).map { _ in random.nextNormal() * 0.1 }
            for format in WeightFormat.allCases {
                let rounded = try format.roundTrip(weights, rows: rows, columns: columns)
                let repacked = try format.packExactly(rounded, rows: rows, columns: columns).dequantized().elements
                let worst = zip(repacked, rounded).map { abs($0 - $1) / max(abs($1), 1e-30) }.max() ?? 0
                // Binary's f32 row scale is a float mean of ±s: summation rounding leaves a few ulp per row.
                XCTAssertLessThanOrEqual(worst, format == .binary ? 1e-5 : 0, "\(format) \(rows)×\(columns)")
            }
        }
    }

    /// Kernel inference agrees with f32 arithmetic on the layer's values: exactly up to summation order for
    /// formats with f32 activations, within int8 activation rounding for the others.
    func testKernelInferenceMatchesFloatReference() throws {
        let parts = try TestSupport.digitsParts()
        var model = try Model.mlp([64, 48, 10], seed: 3)
        try model.train(on: parts.train, options: TrainingOptions(epochs: 3, seed: 3))
        let inputs = Array(parts.test.features.prefix(20 * 64))
        for format in WeightFormat.allCases {
            let quantized = try model.quantized(format)
            let kernel = try quantized.logits(inputs, count: 20)
            var reference = inputs
            for (_, dense) in quantized.denseLayers {
                reference = matrixMultiplyTransposed(input: reference, weights: dense.weights, bias: dense.bias, batch: 20,
                                                     inputs: dense.inputCount, outputs: dense.outputCount)
                dense.activation.apply(&reference)
            }
            let largest = reference.map(abs).max()!
            let tolerance: Float = format.usesInt8Activations ? 0.05 * largest : 1e-4 * largest
            for (a, b) in zip(kernel, reference) { XCTAssertEqual(a, b, accuracy: tolerance, "\(format)") }
        }
    }
}
