import EffLLM
import XCTest

/// Bad arguments to a loaded model are clear errors, and the model keeps working after each (the REPL keeps its
/// session the same way): a prompt past the context, an empty prompt, token ids outside the vocabulary, windows
/// that do not fit, a missing model. On the tiny fixture (context 256, vocabulary 512).
final class LanguageModelBadInputTests: XCTestCase {
    static func tinyModel() throws -> LanguageModel {
        let url = try XCTUnwrap(Fixtures.url("tiny-llama.gguf"))
        return try LanguageModel(path: url.path)
    }

    func expectError<T>(_ kind: LLMError.Kind, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
                        _ body: () throws -> T) {
        do {
            _ = try body()
            XCTFail("no error; expected \(kind) mentioning \(fragments)", file: file, line: line)
        } catch let error as LLMError {
            XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
            for fragment in fragments where !error.message.contains(fragment) {
                XCTFail("the message does not mention \"\(fragment)\": \(error.message)", file: file, line: line)
            }
        } catch {
            XCTFail("not an LLMError: \(error)", file: file, line: line)
        }
    }

    func testBadPromptsAreErrorsAndTheModelSurvives() throws {
        let lm = try Self.tinyModel()
        XCTAssertEqual(lm.config.contextLength, 256)
        let options = LanguageModel.GenerationOptions(maxTokens: 4)
        let before = try lm.generate("Hello world", options: options)
        XCTAssertEqual(before.generatedTokens.count, 4)

        expectError(.invalidArgument, ["the prompt is empty"]) { try lm.generate("", options: options) }
        let long = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 40)
        XCTAssertGreaterThan(try lm.tokenize(long).count, 256)
        expectError(.invalidArgument, ["the prompt is", "context holds 256"]) { try lm.generate(long, options: options) }
        expectError(.invalidArgument, ["token id 512", "outside the vocabulary (0…511)"]) {
            try lm.generate(tokens: [1, 512], options: options)
        }
        expectError(.invalidArgument, ["token id -1"]) { try lm.generate(tokens: [-1], options: options) }
        expectError(.invalidArgument, ["tokens must be ≥ 0"]) {
            try lm.generate("Hello", options: .init(maxTokens: -1))
        }
        expectError(.invalidArgument, ["past the model's context of 256"]) { try lm.perplexity(long, window: 512) }
        expectError(.invalidArgument, ["fewer than one window"]) { try lm.perplexity("Hello", window: 64) }
        expectError(.invalidArgument, ["the context is empty"]) {
            try lm.decoder.logProbabilities(context: [], continuation: [1])
        }

        // The model still answers, the same as before.
        let after = try lm.generate("Hello world", options: options)
        XCTAssertEqual(after.generatedTokens, before.generatedTokens)
    }

    func testUnknownTokenIdsAreErrors() throws {
        let lm = try Self.tinyModel()
        expectError(.invalidArgument, ["512"]) { try lm.tokenizer.decode(checking: [30, 512]) }
        expectError(.invalidArgument, ["-3"]) { try lm.tokenizer.pieceBytes(checking: -3) }
        // A special-token-looking text the vocabulary does not have is plain text, not an error.
        let ids = try lm.tokenize("<|no_such_token|>")
        XCTAssertGreaterThan(ids.count, 1)
        XCTAssertEqual(lm.tokenizer.decode(ids), "<|no_such_token|>")
    }

    func testMissingModelsAreNotFound() {
        // (SmolLM2 itself may be installed here; its not-installed message is checked where it is not.)
        expectError(.notFound, ["no model file at '/nonexistent/model.gguf'"]) { try ModelLocator.resolve("/nonexistent/model.gguf") }
        expectError(.notFound, ["no model named 'no-such-model'"]) {
            try ModelLocator.resolve("no-such-model", environment: ["HOME": "/nonexistent"])
        }
        expectError(.notFound, ["cannot open '/nonexistent/model.gguf'"]) { try LanguageModel(path: "/nonexistent/model.gguf") }
        expectError(.notFound, ["is not a regular file"]) { try LanguageModel(path: "/tmp") }
    }
}
