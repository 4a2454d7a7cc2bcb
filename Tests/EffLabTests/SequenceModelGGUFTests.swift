import EffLab
import EffLLM
import EffModels
import Foundation
import XCTest

/// A trained sequence model exported as Llama GGUF runs in eff's own LLM decoder with the same logits.
final class SequenceModelGGUFTests: XCTestCase {
    private func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("eff-\(UUID().uuidString)-\(name)").path
    }

    private func trained(_ specs: [LayerSpec], text: String = "Emma Woodhouse, handsome, clever, and rich; née Smith. ") throws -> SequenceModel {
        let data = try TokenSequence.characters(String(repeating: text, count: 12), name: "emma")
        var options = SequenceTrainingOptions(steps: 8)
        options.batch = 4
        options.length = 16
        options.evaluateEvery = 0
        var model = try SequenceModel(name: "tiny-emma", vocabularySize: data.vocabulary.count, width: 16, blocks: specs, seed: 4)
        try model.train(on: data, heldOut: nil, options: options)
        return model
    }

    func testLlamaExportHasTheModelsLogitsInEffsDecoder() throws {
        let specs = (0..<2).flatMap { _ in
            [LayerSpec(kind: "attention", arguments: ["heads": .number(2)]), LayerSpec(kind: "ffn", arguments: ["hidden": .number(24)])]
        }
        let model = try trained(specs)
        let path = temporaryPath("tiny.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.saveGGUF(path: path, contextLength: 64)
        let lm = try LanguageModel(path: path)
        XCTAssertEqual(lm.config.blockCount, 2)
        XCTAssertEqual(lm.config.feedForward, 24)
        XCTAssertEqual(lm.config.headCount, 2)
        XCTAssertEqual(lm.config.rmsEpsilon, 1e-5)
        let tokens: [Int32] = Array((0..<20).map { Int32(($0 * 7) % model.vocabularySize) })
        let expected = try model.logits(tokens)
        let hidden = try lm.decoder.forward(tokens, cache: lm.decoder.makeCache(), keep: tokens.count)
        let logits = try lm.decoder.logits(hidden)
        XCTAssertEqual(logits.count, expected.count)
        let worst = zip(logits, expected).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThan(worst, 1e-4, "largest logit difference")
        // The character vocabulary survives: eff's tokenizer gives the model's ids for text of its characters.
        let vocabulary = try XCTUnwrap(model.vocabulary)
        let text = "Emma, née"
        let ids = text.unicodeScalars.map { scalar in Int32(vocabulary.tokens.firstIndex(of: String(scalar))!) }
        XCTAssertEqual(try lm.tokenize(text, parseSpecial: false), ids)
    }

    func testOtherArchitecturesAreClearErrors() throws {
        let windowed = try trained([LayerSpec(kind: "attention", arguments: ["heads": .number(2), "window": .number(4)]),
                                    LayerSpec(kind: "ffn", arguments: ["hidden": .number(24)])])
        XCTAssertThrowsError(try windowed.llamaGGUF()) { error in
            XCTAssertTrue("\(error)".contains("windowed or block-sparse"), "\(error)")
        }
        let gelu = try trained([LayerSpec(kind: "attention", arguments: ["heads": .number(2)]),
                                LayerSpec(kind: "ffn", arguments: ["hidden": .number(24), "activation": .name("gelu")])])
        XCTAssertThrowsError(try gelu.llamaGGUF()) { error in XCTAssertTrue("\(error)".contains("SwiGLU"), "\(error)") }
        let ffnFirst = try trained([LayerSpec(kind: "ffn", arguments: ["hidden": .number(24)]),
                                    LayerSpec(kind: "attention", arguments: ["heads": .number(2)])])
        XCTAssertThrowsError(try ffnFirst.llamaGGUF()) { error in XCTAssertTrue("\(error)".contains("block 1 is ffn"), "\(error)") }
        let untrained = try SequenceModel(vocabularySize: 5, width: 8, blocks: [LayerSpec(kind: "attention", arguments: ["heads": .number(2)]),
                                                                            LayerSpec(kind: "ffn", arguments: ["hidden": .number(8)])], seed: 1)
        XCTAssertThrowsError(try untrained.llamaGGUF()) { error in XCTAssertTrue("\(error)".contains("no vocabulary"), "\(error)") }
    }
}
