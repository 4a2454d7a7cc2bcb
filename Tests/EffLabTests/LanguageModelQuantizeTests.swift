import EffLab
import Foundation
import XCTest

/// `quantize` on language models: the tiny fixture (always) and SmolLM2 (when installed).
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
}
