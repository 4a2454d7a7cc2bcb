import EffKernels
import XCTest
@testable import EffModels

final class ModelTests: XCTestCase {
    func testMLPShorthandBuildsDenseStack() throws {
        let model = try Model.mlp([64, 256, 10], seed: 1)
        XCTAssertEqual(model.layers.count, 2)
        XCTAssertEqual(model.layers.map(\.summary), ["dense 64→256 relu", "dense 256→10"])
        XCTAssertEqual(model.parameterCount, 64 * 256 + 256 + 256 * 10 + 10)
        XCTAssertEqual(model.outputCount, 10)
        XCTAssertEqual(try Model.mlp([64, 256, 10], seed: 1), model, "same seed, same weights")
        XCTAssertNotEqual(try Model.mlp([64, 256, 10], seed: 2), model)
        TestSupport.assertThrows(try Model.mlp([64], seed: 1), kind: .model, containing: ["at least"])
        TestSupport.assertThrows(try Model.mlp([64, 0, 10], seed: 1), kind: .model, containing: ["width"])
        TestSupport.assertThrows(try Model.mlp([1 << 20, 1 << 20], seed: 1), kind: .model, containing: ["too large"])
        TestSupport.assertThrows(try Model(inputCount: 1 << 40, specs: [.layerNorm], seed: 1), kind: .model, containing: ["input width"])
        TestSupport.assertThrows(try Model.mlp([4, 1 << 30], seed: 1), kind: .model, containing: ["dense width"])
        TestSupport.assertThrows(try model.logits([], count: Int.max), kind: .model, containing: ["features per example"])
        TestSupport.assertThrows(try DenseLayer(inputCount: Int.max, outputCount: 2, weights: [], bias: nil), kind: .model,
                                 containing: ["weights"])
    }

    func testSpecsWithLayerNormAndDropout() throws {
        let model = try Model(inputCount: 4, specs: [.dense(units: 8, activation: .gelu), .layerNorm, .dropout(rate: 0.2),
                                                     .dense(units: 3, activation: .none)], seed: 3)
        XCTAssertEqual(model.specs, [.dense(units: 8, activation: .gelu), .layerNorm, .dropout(rate: 0.2),
                                     .dense(units: 3, activation: .none)])
        let logits = try model.logits([1, 2, 3, 4, -1, 0, 1, 2], count: 2)
        XCTAssertEqual(logits.count, 6)
        TestSupport.assertThrows(try model.logits([1, 2, 3], count: 1), kind: .model, containing: ["4 features"])
        TestSupport.assertThrows(try Model(inputCount: 4, specs: [.dropout(rate: 1.5), .dense(units: 2, activation: .none)], seed: 1),
                                 kind: .model, containing: ["dropout rate"])
        TestSupport.assertThrows(try Model(inputCount: 4, specs: [.layerNorm], seed: 1), kind: .model, containing: ["no dense"])
    }

    func testForwardMatchesHandComputation() throws {
        let first = try DenseLayer(inputCount: 2, outputCount: 2, weights: [1, -1, 0.5, 2], bias: [0, -10], activation: .relu)
        let second = try DenseLayer(inputCount: 2, outputCount: 1, weights: [3, 1], bias: [1])
        let model = try Model(inputCount: 2, layers: [first, second])
        // x = (2, 1): first = relu(2−1, 1+2−10) = (1, 0); second = 3·1 + 0 + 1 = 4.
        XCTAssertEqual(try model.logits([2, 1], count: 1), [4])
    }

    /// Backpropagation agrees with finite differences for every layer kind and smooth activation.
    func testGradientsMatchFiniteDifferences() throws {
        let model = try Model(inputCount: 5, specs: [.dense(units: 6, activation: .tanh), .layerNorm,
                                                     .dense(units: 6, activation: .gelu), .dense(units: 5, activation: .sigmoid),
                                                     .dense(units: 3, activation: .none)], seed: 11)
        var random = RandomGenerator(seed: 4)
        let features = (0..<20).map { _ in random.nextNormal() }
        let labels = [0, 2, 1, 2]
        var context = TrainingContext(random: random, quantizedFormat: nil)
        let analytic = try model.gradients(features: features, labels: labels, teacherLogits: nil, distillation: nil,
                                           context: &context).gradients
        func loss(_ candidate: Model) throws -> Double {
            var unused = TrainingContext(random: RandomGenerator(seed: 0), quantizedFormat: nil)
            let logits = try candidate.trainingForward(features, batch: 4, context: &unused).output
            return softmaxCrossEntropy(logits: logits, labels: labels, classes: 3, teacherLogits: nil, distillation: nil).loss
        }
        let parameters = model.parameterArrays
        XCTAssertEqual(parameters.map(\.count), analytic.map(\.count))
        for tensor in parameters.indices {
            for index in stride(from: 0, to: parameters[tensor].count, by: 3) {
                let step: Float = 1e-2
                var plus = parameters, minus = parameters
                plus[tensor][index] += step
                minus[tensor][index] -= step
                var modelPlus = model, modelMinus = model
                modelPlus.setParameterArrays(plus)
                modelMinus.setParameterArrays(minus)
                let numeric = (try loss(modelPlus) - loss(modelMinus)) / Double(2 * step)
                XCTAssertEqual(Double(analytic[tensor][index]), numeric, accuracy: 2e-3 + 2e-2 * abs(numeric),
                               "tensor \(tensor) index \(index)")
            }
        }
    }

    func testSummaryCountsBytesAndWork() throws {
        let model = try Model.mlp([64, 128, 10], seed: 1)
        let summary = model.summary
        XCTAssertEqual(summary.parameters, 9610)
        XCTAssertEqual(summary.work[.f32MultiplyAdd], 64 * 128 + 128 * 10)
        XCTAssertEqual(summary.work, model.work())
        XCTAssertEqual(summary.bytes, 9610 * 4)
        let int8 = summary.bytesByFormat.first { $0.format == .int8PerRow }!.bytes
        XCTAssertEqual(int8, 128 * (64 + 4) + 10 * (128 + 4) + 138 * 4)
        XCTAssertEqual(try model.quantized(.int8PerRow).summary.bytes, int8)
        XCTAssertEqual(summary.rows.map(\.kind), ["dense", "dense"])
        XCTAssertTrue(model.description.contains("9610 parameters"), model.description)
    }
}

final class ModelWorkTests: XCTestCase {
    func testWorkCountsMatchHandComputation() throws {
        let model = try Model(inputCount: 64, specs: [.dense(units: 128, activation: .relu), .layerNorm,
                                                      .dense(units: 10, activation: .none)], seed: 1)
        let work = model.work()
        XCTAssertEqual(work[.f32MultiplyAdd], 64 * 128 + 128 * 10 + 128)  // dense + layernorm sum of squares
        XCTAssertEqual(work[.f32Compare], 128)                              // relu
        XCTAssertEqual(work.weightBytesRead, UInt64((64 * 128 + 128 * 10) * 4))
        XCTAssertEqual(model.work(batch: 8)[.f32MultiplyAdd], 8 * work[.f32MultiplyAdd])
        XCTAssertEqual(model.work(batch: 8).weightBytesRead, work.weightBytesRead, "weights are read once per call")
        XCTAssertEqual(model.layerWork().count, 3)

        // Quantized layers report the kernels' own counts (rows padded to whole blocks, int8 activations).
        let ternaryModel = try model.quantized(.ternary)
        let ternary = ternaryModel.work()
        let layers = ternaryModel.denseLayers.map(\.layer)
        let expected = Kernels.work(format: .ternary, rows: 128, columns: 64, batch: 1, hasBias: true,
                                    weightBytes: layers[0].weightBytes)
            + Kernels.work(format: .ternary, rows: 10, columns: 128, batch: 1, hasBias: true, weightBytes: layers[1].weightBytes)
            + ternaryModel.layerWork()[1]
        var relu = Work()
        relu.add(.f32Compare, 128)
        XCTAssertEqual(ternary, expected + relu)
        let paddedProducts: UInt64 = 128 * 256 + 10 * 256  // ternary rows padded to 256
        XCTAssertEqual(ternary[.int8MultiplyAdd], paddedProducts)
        let ternaryBytes = 128 * 66 + 10 * 66  // 2-bit codes + f16 scale per 256
        XCTAssertEqual(ternary.weightBytesRead, UInt64(ternaryBytes))
        let int8 = try model.quantized(.int8PerRow).work()
        let products: UInt64 = 64 * 128 + 128 * 10
        XCTAssertEqual(int8[.int8MultiplyAdd], products)
        let int8Bytes = 128 * (64 + 4) + 10 * (128 + 4)  // int8 codes + f32 scale per row
        XCTAssertEqual(int8.weightBytesRead, UInt64(int8Bytes))
    }
}

final class NameTests: XCTestCase {
    func testNamesParseAndErrorsListChoices() throws {
        XCTAssertEqual(try WeightFormat.named("ternary"), .ternary)
        XCTAssertEqual(try SparsityStructure.named("2:4"), .twoOfFour)
        XCTAssertEqual(try Activation.named("gelu"), .gelu)
        XCTAssertThrowsError(try WeightFormat.named("int3")) { error in
            XCTAssertTrue("\(error)".contains("int8, int8_block32, int4, ternary, binary"), "\(error)")
        }
        TestSupport.assertThrows(try Activation.named("swish"), kind: .model, containing: ["relu, gelu, tanh, sigmoid, none"])
    }
}

final class DropoutTests: XCTestCase {
    func testDropoutIsIdentityAtInferenceAndScalesKeptValuesWhenTraining() throws {
        let dense = try DenseLayer(inputCount: 4, outputCount: 4, weights: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
                                   bias: nil)
        let model = try Model(inputCount: 4, layers: [DropoutLayer(rate: 0.5), dense])
        let input: [Float] = (0..<400).map { Float($0 % 4 + 1) }
        XCTAssertEqual(try model.logits(input, count: 100), input, "no dropout at inference")
        var context = TrainingContext(random: RandomGenerator(seed: 3), quantizedFormat: nil)
        let trained = try model.trainingForward(input, batch: 100, context: &context).output
        let dropped = trained.filter { $0 == 0 }.count
        XCTAssertGreaterThan(dropped, 150)
        XCTAssertLessThan(dropped, 250)
        for (value, original) in zip(trained, input) where value != 0 { XCTAssertEqual(value, original * 2) }
    }
}
