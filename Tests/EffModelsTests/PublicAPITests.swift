import EffKernels
import EffModels  // deliberately not @testable: this file uses only what the language layer can call
import Foundation
import XCTest

/// A session in the style of LANGUAGE.md, written against the public API only.
final class PublicAPITests: XCTestCase {
    func testLanguageStyleSession() throws {
        let digits = try Dataset.builtin("digits")
        let parts = try digits.split(trainFraction: 0.8, seed: 42)
        let scaler = MinMaxScaler(fittedOn: parts.train, perFeature: false)
        let train = try scaler.apply(to: parts.train), test = try scaler.apply(to: parts.test)

        var baseline = try Model(name: "baseline", inputCount: 64, specs: [
            .dense(units: 64, activation: try Activation.named("relu")), .dense(units: 10, activation: .none),
        ], seed: 42)
        var rows: [TrainingEpoch] = []
        let history = try baseline.train(on: train, options: TrainingOptions(epochs: 5, seed: 42, validation: test)) {
            rows.append($0)
            return true
        }
        XCTAssertEqual(rows, history.epochs)
        let result = try baseline.evaluate(on: test)
        XCTAssertTrue(result.description.hasPrefix("accuracy "), result.description)

        let q8 = try baseline.quantized(try WeightFormat.named("int8"))
        var ternary = try Model(name: "tern", inputCount: 64, specs: baseline.specs, seed: 42)  // model like baseline
        var options = TrainingOptions(epochs: 5, seed: 42)
        options.quantizedFormat = .ternary
        try ternary.train(on: train, options: options)
        let (tiny, _) = try Model.distill(teacher: baseline, into: try Model.mlp([64, 32, 10], seed: 1), data: train,
                                          options: TrainingOptions(epochs: 3, seed: 1))
        let pruned = try baseline.pruned(sparsity: 0.5, structure: try SparsityStructure.named("2:4"))
        let factored = try baseline.lowRank(16)
        for model in [baseline, q8, ternary, tiny, pruned, factored] {
            let evaluation = try model.evaluate(on: test)
            XCTAssertEqual(evaluation.correct.count, test.count)
            XCTAssertGreaterThan(evaluation.accuracy, 0.5, model.description)
            XCTAssertGreaterThan(model.work().weightBytesRead, 0)
            XCTAssertEqual(model.summary.rows.count, model.layers.count)
        }
        XCTAssertLessThan(ternary.work().weightBytesRead, baseline.work().weightBytesRead / 3)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("eff-public-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("baseline.safetensors").path
        try baseline.save(safetensorsPath: path)
        let loaded = try Model.load(path: path)
        XCTAssertEqual(try loaded.predict(test.features, count: test.count), result.predictions)
        XCTAssertEqual(try TensorFile.read(path: path).tensors.map(\.name), ["0.weight", "0.bias", "2.weight", "2.bias"])
        let probabilities = try loaded.probabilities(try test.row(0).map { $0 }, count: 1)
        XCTAssertEqual(probabilities.reduce(0, +), 1, accuracy: 1e-5)
    }
}
