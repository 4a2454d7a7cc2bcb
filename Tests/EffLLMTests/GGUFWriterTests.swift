import EffKernels
@testable import EffLLM
import EffNumerics
import Foundation
import XCTest

final class GGUFWriterTests: XCTestCase {
    private func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("eff-\(UUID().uuidString)-\(name)").path
    }

    /// Every metadata type and f32 tensors of 1–3 dimensions come back through eff's own reader.
    func testRoundTripThroughGGUFFile() throws {
        var writer = GGUFWriter()
        let values: [(String, GGUFValue)] = [
            ("a.u8", .uint8(7)), ("a.i8", .int8(-7)), ("a.u16", .uint16(65000)), ("a.i16", .int16(-300)),
            ("a.u32", .uint32(4_000_000_000)), ("a.i32", .int32(-5)), ("a.f32", .float32(1.5)), ("a.bool", .bool(true)),
            ("a.string", .string("héllo")), ("a.u64", .uint64(1 << 40)), ("a.i64", .int64(-(1 << 40))), ("a.f64", .float64(0.25)),
            ("a.strings", .array(.string, [.string("x"), .string(""), .string("Ġz")])),
            ("a.ints", .array(.int32, [.int32(1), .int32(-2)])),
            ("a.empty", .array(.string, [])),
        ]
        for (key, value) in values { writer.set(key, value) }
        let matrix = (0..<15).map { Float($0) * 0.5 - 3 }
        try writer.addTensor("m", rowMajorShape: [3, 5], values: matrix)      // 60 bytes: the next tensor is padded to 32
        try writer.addTensor("v", rowMajorShape: [7], values: (0..<7).map(Float.init))
        try writer.addTensor("t", rowMajorShape: [2, 1, 3], values: [1, 2, 3, 4, 5, 6])
        let path = temporaryPath("round.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writer.write(to: path)
        let file = try GGUFFile(path: path)
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.alignment, 32)
        XCTAssertEqual(file.metadataKeys, values.map(\.0))
        for (key, value) in values { XCTAssertEqual(file.metadata[key], value, key) }
        XCTAssertEqual(file.tensors.map(\.name), ["m", "v", "t"])
        let m = try XCTUnwrap(file.tensor("m"))
        XCTAssertEqual(m.shape, [5, 3], "GGUF order: row length first")
        XCTAssertEqual(m.type, .f32)
        XCTAssertEqual(try XCTUnwrap(file.tensor("t")).shape, [3, 1, 2])
        for tensor in file.tensors { XCTAssertEqual((tensor.fileOffset - file.dataOffset) % 32, 0) }
        let read = Array(UnsafeBufferPointer(start: file.data(m).assumingMemoryBound(to: Float.self), count: 15))
        XCTAssertEqual(read, matrix)
        let v = try XCTUnwrap(file.tensor("v"))
        XCTAssertEqual(Array(UnsafeBufferPointer(start: file.data(v).assumingMemoryBound(to: Float.self), count: 7)),
                       (0..<7).map(Float.init))
    }

    func testBadTensorsAndArraysAreErrors() throws {
        var writer = GGUFWriter()
        XCTAssertThrowsError(try writer.addTensor("x", rowMajorShape: [2, 2], values: [1, 2, 3]))
        XCTAssertThrowsError(try writer.addTensor("x", rowMajorShape: [1, 1, 1, 1, 1], values: [1]))
        try writer.addTensor("x", rowMajorShape: [1], values: [1])
        XCTAssertThrowsError(try writer.addTensor("x", rowMajorShape: [1], values: [1]), "a name twice")
        writer.set("mixed", .array(.int32, [.int32(1), .string("no")]))
        XCTAssertThrowsError(try writer.serialize()) { error in
            XCTAssertTrue("\(error)".contains("mixed"), "\(error)")
        }
    }

    /// A two-layer Llama written by `LlamaGGUFExport` loads in `LanguageModel` with its tokenizer.
    func testLlamaExportLoads() throws {
        var random = SeededGenerator(seed: 3)
        func values(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -0.3...0.3, using: &random) } }
        let w = 8, f = 12
        let tokens = ["a", "b", " ", "\n", "é", "’"]
        let config = LlamaConfig(blockCount: 2, width: w, feedForward: f, headCount: 2, kvHeadCount: 2, contextLength: 64,
                                 vocabularySize: tokens.count)
        let layers = (0..<2).map { _ in
            LlamaGGUFExport.Layer(attentionNorm: values(w), query: values(w * w), key: values(w * w), value: values(w * w),
                                  output: values(w * w), feedForwardNorm: values(w), gate: values(f * w), up: values(f * w),
                                  down: values(w * f))
        }
        let writer = try LlamaGGUFExport.writer(name: "tiny", config: config, tokens: tokens, embedding: values(tokens.count * w),
                                                layers: layers, outputNorm: values(w), output: values(tokens.count * w))
        let path = temporaryPath("tiny.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writer.write(to: path)
        let lm = try LanguageModel(path: path)
        XCTAssertEqual(lm.config, config)
        XCTAssertEqual(lm.name, "tiny")
        XCTAssertEqual(try lm.tokenize("ab a\né", parseSpecial: false), [0, 1, 2, 0, 3, 4])
        XCTAssertEqual(lm.file.metadata["tokenizer.ggml.tokens"]?.array?.count, tokens.count)
        XCTAssertThrowsError(try LlamaGGUFExport.writer(name: "bad", config: config, tokens: ["a"], embedding: [], layers: layers,
                                                        outputNorm: [], output: []))
    }
}
