@testable import EffModels
import Foundation
import XCTest

/// Safetensors files of sequence models, logits, and the vectorized paths the training step takes on longer rows.
final class SequenceModelFilesTests: XCTestCase {
    private func trainedModel() throws -> SequenceModel {
        let data = try TokenSequence.characters(String(repeating: "the cat sat on the mat. ", count: 20), name: "cats")
        var options = SequenceTrainingOptions(steps: 3)
        options.batch = 2
        options.length = 12
        options.evaluateEvery = 0
        let specs = [LayerSpec(kind: "attention", arguments: ["heads": .number(2)]),
                     LayerSpec(kind: "ffn", arguments: ["hidden": .number(24)]),
                     LayerSpec(kind: "attention", arguments: ["heads": .number(2), "window": .number(4)])]
        var model = try SequenceModel(name: "cats", vocabularySize: data.vocabulary.count, width: 16, blocks: specs, seed: 2)
        try model.train(on: data, heldOut: nil, options: options)
        return model
    }

    private func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("eff-\(UUID().uuidString)-\(name)").path
    }

    func testSafeTensorsRoundTripRebuildsTheModel() throws {
        let model = try trainedModel()
        let path = temporaryPath("model.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.saveSafeTensors(path: path)
        let loaded = try SequenceModel(safeTensorsAt: path)
        XCTAssertEqual(loaded.name, "cats")
        XCTAssertEqual(loaded.specs, model.specs)
        XCTAssertEqual(loaded.parameters, model.parameters)
        XCTAssertEqual(loaded.vocabulary, model.vocabulary)
        let tokens: [Int32] = [1, 2, 3, 4, 5, 0, 1]
        XCTAssertEqual(try loaded.logits(tokens), try model.logits(tokens))
        XCTAssertEqual(try model.logits(tokens).count, tokens.count * model.vocabularySize)
    }

    func testSafeTensorsWithWrongTensorsAreClearErrors() throws {
        let model = try trainedModel()
        var tensors = model.namedTensors
        let metadata = model.fileMetadata
        func load(_ tensors: [NamedTensor], _ metadata: [String: String]) -> String {
            let path = temporaryPath("bad.safetensors")
            defer { try? FileManager.default.removeItem(atPath: path) }
            do {
                try SafeTensorsFormat.write(tensors, metadata: metadata, to: path)
                _ = try SequenceModel(safeTensorsAt: path)
                return "loaded"
            } catch let error as ModelsError {
                return error.message
            } catch {
                return "\(error)"
            }
        }
        XCTAssertTrue(load(Array(tensors.dropLast()), metadata).contains("tensor 'output.weight' is missing"))
        let first = tensors[2]   // blk.0.attn_qkv.weight (48, 16)
        tensors[2] = NamedTensor(name: first.name, dataType: .F32, shape: [first.shape.reduce(1, *)], values: first.values)
        XCTAssertTrue(load(tensors, metadata).contains("has shape"), load(tensors, metadata))
        XCTAssertTrue(load(model.namedTensors, [:]).contains("not an eff sequence model"))
        var badBlocks = metadata
        badBlocks["eff.blocks"] = "[{\"kind\": \"convolution\", \"arguments\": {}}]"
        XCTAssertTrue(load(model.namedTensors, badBlocks).contains("unknown block kind 'convolution'"), load(model.namedTensors, badBlocks))
        let extra = model.namedTensors + [NamedTensor(name: "blk.9.extra", dataType: .F32, shape: [1], values: [0])]
        XCTAssertTrue(load(extra, metadata).contains("belongs to no block"))
        // Hostile headers: sizes the file's values cannot back are errors before anything is allocated.
        var hugeHidden = metadata
        hugeHidden["eff.blocks"] = "[{\"kind\": \"ffn\", \"arguments\": {\"hidden\": 16777216}}]"
        XCTAssertTrue(load(model.namedTensors, hugeHidden).contains("block 1 (ffn) asks for about 268435456 values"),
                      load(model.namedTensors, hugeHidden))
        var wide = metadata
        wide["eff.width"] = "65536"
        XCTAssertTrue(load(model.namedTensors, wide).contains("'token_embd.weight' has shape [11, 16]; the metadata says [11, 65536]"),
                      load(model.namedTensors, wide))
    }

    /// Rows longer than 8 take the SIMD softmax and SwiGLU paths; their gradients still match finite differences.
    func testLongRowsMatchFiniteDifferences() throws {
        var random = RandomGenerator(seed: 4)
        let attention = try XCTUnwrap(BlockKind.named("attention")).mixer(["heads": .number(2)], width: 8, random: &random)
        try GradientCheck.check(attention, shape: SequenceShape(batch: 1, length: 19))
        let window = try XCTUnwrap(BlockKind.named("attention")).mixer(["heads": .number(2), "window": .number(11)], width: 8,
                                                                       random: &random)
        try GradientCheck.check(window, shape: SequenceShape(batch: 1, length: 19))
        let ffn = try XCTUnwrap(BlockKind.named("ffn")).mixer(["hidden": .number(21)], width: 8, random: &random)
        try GradientCheck.check(ffn, shape: SequenceShape(batch: 2, length: 3))
    }

    /// The vectorized cross-entropy equals the textbook one (double-precision log-sum-exp).
    func testCrossEntropyMatchesReference() {
        var random = RandomGenerator(seed: 8)
        let vocabulary = 37, rows = 5
        let logits = (0..<(rows * vocabulary)).map { _ in random.nextNormal() * 4 }
        let targets = (0..<rows).map { _ in Int32(random.nextIndex(below: vocabulary)) }
        let (loss, gradient) = SequenceModel.crossEntropy(logits: logits, targets: targets, vocabulary: vocabulary, gradient: true)
        var expected = 0.0
        for row in 0..<rows {
            let z = logits[(row * vocabulary)..<((row + 1) * vocabulary)].map(Double.init)
            let largest = z.max()!
            let logSum = largest + log(z.reduce(0) { $0 + exp($1 - largest) })
            expected += logSum - z[Int(targets[row])]
            for c in 0..<vocabulary {
                let g = (exp(z[c] - logSum) - (c == Int(targets[row]) ? 1 : 0)) / Double(rows)
                XCTAssertEqual(Double(gradient[row * vocabulary + c]), g, accuracy: 1e-6)
            }
        }
        XCTAssertEqual(loss, expected / Double(rows), accuracy: 1e-5)
    }
}
