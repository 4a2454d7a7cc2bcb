@testable import EffKernels
import XCTest
@testable import EffModels

/// RMSNorm, the layer kind added by one file (Layers/RMSNorm.swift) and one registry line: declared, trained,
/// saved and loaded, estimated and summarised like the others.
final class RMSNormTests: XCTestCase {
    private func model(seed: UInt64 = 11) throws -> Model {
        try Model(inputCount: 5, specs: [.dense(units: 6, activation: .tanh), .rmsNorm,
                                         .dense(units: 6, activation: .gelu), .rmsNorm(epsilon: 1e-6),
                                         .dense(units: 3, activation: .none)], seed: seed)
    }

    func testRegistryListsItWithItsFields() throws {
        let kind = try XCTUnwrap(LayerKind.named("RMSNorm"))
        XCTAssertEqual(kind.name, "rmsnorm")
        XCTAssertEqual(kind.synopsis, "rmsnorm [epsilon]")
        XCTAssertTrue(LayerKind.all.contains { $0.name == "rmsnorm" })
        let built = try model()
        XCTAssertEqual(built.layers.map(\.description), ["dense 5→6 tanh", "rmsnorm 6", "dense 6→6 gelu", "rmsnorm 6", "dense 6→3"])
        XCTAssertEqual(built.specs, [.dense(units: 6, activation: .tanh), .rmsNorm, .dense(units: 6, activation: .gelu),
                                     .rmsNorm(epsilon: 1e-6), .dense(units: 3, activation: .none)])
        XCTAssertEqual(built.parameterCount, 36 + 6 + 42 + 6 + 21)
        TestSupport.assertThrows(try Model(inputCount: 4, layers: [try RMSNormLayer(featureCount: 3)]), kind: .model,
                                 containing: ["rmsnorm of 3 features after a layer of width 4"])
    }

    /// Inference (the Elementwise.rmsNorm kernel) and the training forward compute the same values.
    func testInferenceMatchesTheKernelAndTheTrainingPath() throws {
        let layer = try RMSNormLayer(featureCount: 4, gain: [1, 2, 0.5, -1])
        let input: [Float] = [3, 4, 0, 0, 1, -1, 2, -2]
        let inferred = try layer(input, batch: 2)
        XCTAssertEqual(inferred[0], 3 / (25 / 4 + 1e-5 as Float).squareRoot(), accuracy: 1e-6)
        var context = TrainingContext(random: RandomGenerator(seed: 1), quantizedFormat: nil)
        XCTAssertEqual(try layer.trainingForward(input, batch: 2, context: &context).output, inferred)
        let reference = ReferenceKernels.rmsNorm(input, rowLength: 4, gain: layer.gain)
        for (value, expected) in zip(inferred, reference) { XCTAssertEqual(Double(value), expected, accuracy: 1e-6) }
    }

    func testGradientsMatchFiniteDifferences() throws {
        let model = try model()
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
        XCTAssertEqual(parameters.map(\.count), [30, 6, 6, 36, 6, 6, 18, 3], "rmsnorm has one tensor, its gain")
        for tensor in parameters.indices {
            for index in parameters[tensor].indices {
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

    func testTrainsOnIris() throws {
        let parts = try Dataset.builtin("iris").split(trainFraction: 0.8, seed: 1)
        let standardizer = Standardizer(fittedOn: parts.train)
        let train = try standardizer.apply(to: parts.train), test = try standardizer.apply(to: parts.test)
        var model = try Model(inputCount: 4, specs: [.dense(units: 16, activation: .relu), .rmsNorm,
                                                     .dense(units: 3, activation: .none)], seed: 3)
        let before = model.layers[1] as? RMSNormLayer
        let history = try model.train(on: train, options: TrainingOptions(epochs: 40, batchSize: 16, seed: 3))
        XCTAssertLessThan(history.epochs.last!.loss, history.epochs.first!.loss)
        XCTAssertGreaterThanOrEqual(try model.evaluate(on: test).accuracy, 0.85)
        XCTAssertNotEqual((model.layers[1] as? RMSNormLayer)?.gain, before?.gain, "the gain is learned")
    }

    func testSavesAndLoadsWithPyTorchNames() throws {
        let model = try model()
        let path = try TestSupport.temporaryFolder().appendingPathComponent("rms.safetensors").path
        try model.save(safetensorsPath: path)
        let file = try TensorFile.read(path: path)
        // Sequential(Linear, Tanh, RMSNorm, Linear, GELU, RMSNorm, Linear): nn.RMSNorm has `weight` only.
        XCTAssertEqual(file.tensors.map(\.name), ["0.weight", "0.bias", "2.weight", "3.weight", "3.bias", "5.weight",
                                                  "6.weight", "6.bias"])
        XCTAssertEqual(file.metadata["eff.layers"], "dense 6 tanh;rmsnorm 1e-05;dense 6 gelu;rmsnorm 1e-06;dense 3 none")
        XCTAssertEqual(try Model.load(path: path), model)
    }

    func testSummaryAndWork() throws {
        let model = try model()
        let row = model.summary.rows[1]
        XCTAssertEqual(row.kind, "rmsnorm")
        XCTAssertEqual([row.inputs, row.outputs, row.parameters, row.bytes], [6, 6, 6, 24])
        XCTAssertNil(row.format)
        // The layer's count is the kernel's (plus reading the gain once).
        let layer = try XCTUnwrap(model.layers[1] as? RMSNormLayer)
        var values = [Float](repeating: 1, count: 12)
        let kernelWork = try values.withUnsafeMutableBufferPointer { x in
            try layer.gain.withUnsafeBufferPointer { try Elementwise.rmsNorm(x, rowLength: 6, gain: $0, epsilon: layer.epsilon) }
        }
        XCTAssertEqual(layer.work(batch: 2).operations, kernelWork.operations)
        XCTAssertEqual(model.work(batch: 1), model.layerWork(batch: 1).reduce(Work(), +))
    }
}

/// docs/language.md lists every layer kind of the registry, with its synopsis and help line.
final class LayerKindDocsTests: XCTestCase {
    func testLanguageReferenceListsEveryLayerKind() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let reference = try String(contentsOf: root.appendingPathComponent("docs/language.md"), encoding: .utf8)
        for kind in LayerKind.all {
            XCTAssertTrue(reference.contains("| `\(kind.synopsis)` | \(kind.help) |"),
                          "docs/language.md does not list the layer kind \(kind.name) as `\(kind.synopsis)`")
        }
    }
}
