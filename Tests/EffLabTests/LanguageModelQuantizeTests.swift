import EffLab
import Foundation
import XCTest

/// `quantize` and `prune` on language models: the tiny fixture (always) and SmolLM2 (when installed).
final class LanguageModelQuantizeTests: XCTestCase {
    /// The tiny fixture of EffLLMTests (2 blocks, width 64, embedding Q8_0).
    static let tinyPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("EffLLMTests/Fixtures/tiny-llama.gguf").path

    func testQuantizeTinyModel() throws {
        let run = LLMRun("""
            let lm = load("\(Self.tinyPath)")
            let q = quantize(lm, "int4")
            print(q.formats)
            print(q.name == lm.name + " (int4)")
            let t = quantize(lm, "TERNARY", embedding: true, name: "tiny ternary")
            print(t.name, t.formats)
            print(len(generate(q, "Hello", tokens: 3, stream: false).tokens))
            print(quantize(lm, "q4_0").formats)
            summary(t)
            """)
        XCTAssertEqual(run.errors, [])
        XCTAssertEqual(run.output[0], "[\"int4\", \"Q8_0\", \"F32\"]")
        XCTAssertEqual(run.output[1], "true")
        XCTAssertEqual(run.output[2], "tiny ternary [\"ternary\", \"F32\"]")
        XCTAssertEqual(run.output[3], "3")
        XCTAssertEqual(run.output[4], "[\"Q4_0\", \"Q8_0\", \"F32\"]")
        XCTAssertTrue(run.text.contains("re-quantized  ternary, embedding too"), run.text)
        XCTAssertTrue(run.text.contains("                ternary "), run.text)
    }

    func testQuantizeErrorsNameTheFormats() throws {
        let unknown = LLMRun("quantize(load(\"\(Self.tinyPath)\"), \"int3\")")
        XCTAssertEqual(unknown.errors, ["quantize: unknown weight format 'int3' for a language model (known: f32, f16, bf16, int8, int8_block32, int4, ternary, binary, q8_0, q4_0, q4_1)"])
        let sparse = LLMRun("quantize(load(\"\(Self.tinyPath)\"), \"sparse_2of4\")")
        XCTAssertTrue(sparse.errors.first?.contains("dense") ?? false, "\(sparse.errors)")
        let mlpEmbedding = LLMRun("quantize(mlp([4, 4]), \"int8\", embedding: true)")
        XCTAssertTrue(mlpEmbedding.errors.first?.contains("'embedding' is an option for language models") ?? false, "\(mlpEmbedding.errors)")
        let notModel = LLMRun("quantize(42, \"int8\")")
        XCTAssertEqual(notModel.errors.count, 1)
    }

    func testPruneTinyModel() throws {
        let run = LLMRun("""
            let lm = load("\(Self.tinyPath)")
            let p = prune(lm, sparsity: 0.5)
            print(p.name == lm.name + " (pruned 50% unstructured)", p.formats)
            let q = prune(lm, structure: "2:4", name: "tiny 2:4")
            print(q.name, q.formats)
            print(len(generate(q, "Hello", tokens: 3, stream: false).tokens))
            summary(p)
            """)
        XCTAssertEqual(run.errors, [])
        XCTAssertEqual(run.output[0], "true [\"sparse_csr\", \"Q8_0\", \"F32\"]")
        XCTAssertEqual(run.output[1], "tiny 2:4 [\"sparse_2of4\", \"Q8_0\", \"F32\"]")
        XCTAssertEqual(run.output[2], "3")
        XCTAssertTrue(run.text.contains("re-quantized  sparse_csr, pruned 50% unstructured"), run.text)
    }

    /// The same messages as for an MLP (the sparsity range, 2:4's sparsity, unknown structures), and one for
    /// "neurons", which only MLPs have.
    func testPruneErrorsMatchTheMLPBuiltin() throws {
        let lm = "load(\"\(Self.tinyPath)\")"
        for (arguments, message) in [
            ("sparsity: 1", "prune: 'sparsity' must be in 0…"),
            ("sparsity: 0.3, structure: \"2:4\"", "prune: 2:4 structure removes exactly half the weights; use sparsity 0.5, got 0.3"),
            ("structure: \"3:4\"", "prune: unknown pruning structure '3:4'; choose one of: unstructured, 2:4, neurons"),
        ] {
            let language = LLMRun("prune(\(lm), \(arguments))")
            let perceptron = LLMRun("prune(mlp([8, 8, 4]), \(arguments))")
            XCTAssertEqual(language.errors.count, 1, arguments)
            XCTAssertTrue(language.errors.first?.hasPrefix(message) ?? false, "\(language.errors)")
            XCTAssertEqual(language.errors.first?.prefix(message.count), perceptron.errors.first?.prefix(message.count), arguments)
        }
        let neurons = LLMRun("prune(\(lm), structure: \"neurons\")")
        XCTAssertEqual(neurons.errors, ["prune: structure \"neurons\" removes whole hidden units of an MLP; a language model's matrices can be pruned \"unstructured\" or \"2:4\""])
    }
}
