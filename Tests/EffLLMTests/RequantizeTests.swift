import EffKernels
import EffLLM
import Foundation
import XCTest

/// Re-quantizing: `GGMLQuantizer` against the bytes gguf-py's reference quantizer wrote into the tiny fixture,
/// its error against f32 sources, and `LanguageModel.quantized` on the tiny fixtures (always) and SmolLM2 (when
/// installed).
///
/// Error budgets against the f32 source, per block of 32 with a = max|x| and range = max x − min x (f16 scales
/// add their relative rounding of 2⁻¹¹ times the largest code):
/// - q8_0: d = a/127; |ŵ − x| ≤ d/2 + a·2⁻¹¹.
/// - q4_0: d = a/8 (sign of the largest); codes 0…15 reach −8d…7d, so a value near −8d's opposite sign can lose a
///   whole step: |ŵ − x| ≤ d + a·2⁻¹¹.
/// - q4_1: d = range/15, m = min x; |ŵ − x| ≤ d/2 + (|min x| + range)·2⁻¹¹.
final class RequantizeTests: XCTestCase {
    static func tinyModel(_ name: String = "tiny-llama.gguf") throws -> LanguageModel {
        let url = try XCTUnwrap(Fixtures.url(name), "fixture \(name) is missing")
        return try LanguageModel(path: url.path)
    }

    /// Dequantizing every q8_0/q4_0/q4_1 tensor of the fixture and quantizing it again gives ggml's bytes back:
    /// exactly for q8_0 and q4_0; for q4_1, whose d is recomputed as (max − min)/15 and may land one f16 step
    /// away, every weight within 15 f16 steps of d (|Δd|·15 for the largest code) — and in practice exactly.
    func testRoundTripReproducesTheFixtureBytes() throws {
        let lm = try Self.tinyModel()
        var checked: Set<GGMLType> = []
        for tensor in lm.file.tensors where GGMLQuantizer.types.contains(tensor.type) && tensor.shape.count == 2 {
            let columns = tensor.shape[0], rows = tensor.shape[1]
            let source = try GGMLMatrix(type: tensor.type, data: lm.file.data(tensor), rows: rows, columns: columns)
            var values = [Float](repeating: 0, count: rows * columns)
            values.withUnsafeMutableBufferPointer { v in for r in 0..<rows { source.dequantizeRow(r, into: v.baseAddress! + r * columns) } }
            let again = try values.withUnsafeBufferPointer { try GGMLQuantizer.quantize($0.baseAddress!, rows: rows, columns: columns, type: tensor.type) }
            let original = Array(UnsafeRawBufferPointer(start: source.data, count: source.byteCount))
            let written = Array(UnsafeRawBufferPointer(start: again.matrix.data, count: again.matrix.byteCount))
            if tensor.type == .q4_1 && original != written {
                var restored = [Float](repeating: 0, count: columns)
                for r in 0..<rows {
                    restored.withUnsafeMutableBufferPointer { again.matrix.dequantizeRow(r, into: $0.baseAddress!) }
                    for c in 0..<columns {
                        let block = source.data + r * source.rowBytes + c / 32 * 20
                        let d = Float(Float16(bitPattern: block.loadUnaligned(as: UInt16.self)))
                        XCTAssertLessThanOrEqual(abs(restored[c] - values[r * columns + c]), 15 * d * 0x1p-10 + 1e-6, "\(tensor.name) [\(r), \(c)]")
                    }
                }
            } else {
                XCTAssertEqual(original, written, "\(tensor.name) (\(tensor.type.name)) bytes differ after a round trip")
            }
            checked.insert(tensor.type)
        }
        XCTAssertEqual(checked, Set(GGMLQuantizer.types), "the fixture should hold every type the quantizer writes")
    }

    /// Random f32 rows (normal, with a few outliers) quantized to each type stay within the budgets above, and the
    /// result multiplies like its reference.
    func testQuantizerErrorWithinBudget() throws {
        let rows = 19, columns = 160
        var rng = GGMLKernelTests.SplitMix(state: 7)
        var values = (0..<(rows * columns)).map { _ in rng.normal() * 0.3 }
        values[5] = 4; values[columns + 40] = -3; values[2 * columns + 31] = 0; for c in 0..<32 { values[3 * columns + c] = 0 }
        for type in GGMLQuantizer.types {
            let owned = try values.withUnsafeBufferPointer { try GGMLQuantizer.quantize($0.baseAddress!, rows: rows, columns: columns, type: type) }
            var restored = [Float](repeating: 0, count: columns)
            for r in 0..<rows {
                restored.withUnsafeMutableBufferPointer { owned.matrix.dequantizeRow(r, into: $0.baseAddress!) }
                for b in 0..<(columns / 32) {
                    let block = values[(r * columns + b * 32)..<(r * columns + b * 32 + 32)]
                    let a = block.map(abs).max()!, low = block.min()!, range = block.max()! - low
                    let budget: Float
                    switch type {
                    case .q8_0: budget = a / 127 / 2 + a * 0x1p-11
                    case .q4_0: budget = a / 8 + a * 0x1p-11
                    default: budget = range / 15 / 2 + (abs(low) + range) * 0x1p-11
                    }
                    for c in (b * 32)..<(b * 32 + 32) {
                        XCTAssertLessThanOrEqual(abs(restored[c] - values[r * columns + c]), budget * 1.0001 + 1e-7, "\(type.name) [\(r), \(c)]")
                    }
                }
            }
            // The owned matrix runs on GGMLMatrix's kernels like one in a file.
            let x = (0..<(2 * columns)).map { _ in rng.normal() }
            var y = [Float](repeating: 0, count: 2 * rows), reference = y
            try x.withUnsafeBufferPointer { xs in
                try y.withUnsafeMutableBufferPointer { try owned.matrix.multiply(xs.baseAddress!, batch: 2, into: $0.baseAddress!) }
                reference.withUnsafeMutableBufferPointer { owned.matrix.referenceMultiply(xs.baseAddress!, batch: 2, into: $0.baseAddress!) }
            }
            for i in y.indices { XCTAssertEqual(y[i], reference[i], accuracy: 0.05 * max(1, abs(reference[i])), "\(type.name) y[\(i)]") }
        }
        XCTAssertThrowsError(try values.withUnsafeBufferPointer { try GGMLQuantizer.quantize($0.baseAddress!, rows: 1, columns: 100, type: .q8_0) })
        XCTAssertThrowsError(try values.withUnsafeBufferPointer { try GGMLQuantizer.quantize($0.baseAddress!, rows: 1, columns: 160, type: .q5_0) })
    }

    /// Logits of the last prompt position. // (vocabularySize)
    static func lastLogits(_ lm: LanguageModel, _ prompt: String) throws -> [Float] {
        let ids = try lm.tokenize(prompt)
        let decoder = lm.decoder
        return try decoder.logits(decoder.forward(ids, cache: decoder.makeCache()))
    }

    /// Every format re-quantizes the tiny model and generates; int8 and q8_0 keep the logits close to the source's:
    /// the RMS difference at most 5% of the source logits' RMS (measured: int8 2.3%, q8_0 1.3%). The error has two
    /// parts: re-rounding each weight by ≤ half a step (1/254 of its row's or block's largest magnitude), and
    /// eff's formats quantizing the activations to int8 where the source's f16/f32 matrices and its prompt path
    /// (f32 GEMM from 8 tokens on) keep them in f32.
    func testEveryFormatRunsAndEightBitStaysClose() throws {
        let lm = try Self.tinyModel()
        let prompt = "The capital of France is"
        let source = try Self.lastLogits(lm, prompt)
        func rms(_ v: [Float]) -> Float { (v.reduce(0) { $0 + $1 * $1 } / Float(v.count)).squareRoot() }
        for format in LLMWeightFormat.all {
            let variant = try lm.quantized(to: format)
            XCTAssertEqual(variant.name, "\(lm.name) (\(format.name))")
            let expected: String
            switch format {
            case .eff(let weightFormat): expected = weightFormat.rawValue
            case .ggml(let type): expected = type.name
            }
            for (name, matrix) in variant.decoder.weights.namedMatrices where name != "token_embd" {
                XCTAssertEqual(matrix.formatName, expected, "\(format.name): \(name)")
            }
            let formats = Set(variant.bytesByFormat.map(\.format))
            XCTAssertTrue(formats.isSuperset(of: [expected, "Q8_0", "F32"]), "\(format.name): \(formats) (the embedding stays Q8_0)")
            let generation = try variant.generate(prompt, options: .init(maxTokens: 6, stopAtEndOfGeneration: false))
            XCTAssertEqual(generation.generatedTokens.count, 6, format.name)
            let logits = try Self.lastLogits(variant, prompt)
            XCTAssertTrue(logits.allSatisfy(\.isFinite), format.name)
            if format == .eff(.int8PerRow) || format == .ggml(.q8_0) {
                let difference = rms(zip(logits, source).map { $0 - $1 })
                print("RequantizeTests: \(format.name): logits RMS difference \(difference / rms(source) * 100)% of the source's RMS")
                XCTAssertLessThanOrEqual(difference, 0.05 * rms(source), "\(format.name): logits RMS difference \(difference) vs RMS \(rms(source))")
            }
        }
    }

    /// The embedding (and the output head, tied or not) is re-quantized only when asked; padding of eff's formats
    /// (ternary pads 64 columns to 256) does not change the embedded rows' length.
    func testEmbeddingOnlyWhenAsked() throws {
        for name in ["tiny-llama.gguf", "tiny-llama-untied.gguf"] {
            let lm = try Self.tinyModel(name)
            let kept = try lm.quantized(to: .eff(.ternary))
            XCTAssertEqual(kept.decoder.weights.tokenEmbedding.formatName, "Q8_0")
            XCTAssertEqual(kept.decoder.weights.outputHead.formatName, lm.decoder.weights.outputHead.formatName)
            let all = try lm.quantized(to: .eff(.ternary), includeEmbedding: true)
            XCTAssertEqual(all.decoder.weights.tokenEmbedding.formatName, "ternary")
            XCTAssertEqual(all.decoder.weights.outputHead.formatName, "ternary")
            XCTAssertEqual(all.name, "\(lm.name) (ternary, embedding too)")
            XCTAssertEqual(all.requantization, "ternary, embedding too")
            // 64 columns padded to one ternary block of 256: 64 bytes of codes and an f16 scale per row.
            XCTAssertEqual(all.decoder.weights.tokenEmbedding.byteCount, lm.config.vocabularySize * 66)
            let generation = try all.generate("Hello", options: .init(maxTokens: 4, stopAtEndOfGeneration: false))
            XCTAssertEqual(generation.generatedTokens.count, 4)
            XCTAssertEqual(lm.requantization, nil)
            XCTAssertEqual(lm.byteCount, lm.file.byteCount)
        }
    }

    func testFormatNamesAndErrors() throws {
        XCTAssertEqual(LLMWeightFormat.all.map(\.name),
                       ["f32", "f16", "bf16", "int8", "int8_block32", "int4", "ternary", "binary", "q8_0", "q4_0", "q4_1"])
        XCTAssertEqual(try LLMWeightFormat.named("Q8_0"), .ggml(.q8_0))
        XCTAssertEqual(try LLMWeightFormat.named("int4"), .eff(.int4Block32))
        func message(_ name: String) -> String {
            do { _ = try LLMWeightFormat.named(name); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message("int3").contains("unknown weight format 'int3'"), message("int3"))
        XCTAssertTrue(message("int3").contains("int8, int8_block32, int4, ternary, binary, q8_0, q4_0, q4_1"), message("int3"))
        XCTAssertTrue(message("sparse_csr").contains("dense") && message("sparse_csr").contains("prune(lm, structure: \"unstructured\")"), message("sparse_csr"))
        XCTAssertTrue(message("q5_k").contains("cannot write ggml's q5_k"), message("q5_k"))
    }

    /// At SmolLM2's widths (576 = 2.25 blocks of 256, 1536) every eff format multiplies like its dequantized rows
    /// times the f32 activations, for one vector and for a batch: padding of weights and activations adds nothing.
    /// Budget: the kernels quantize the activations to int8 with scales s ≤ max|x|/127 per block (any block size),
    /// so |Δy_r| ≤ (max|x| / 254)·Σ_c |w_rc|, plus f32 slack.
    func testDecoderMatricesMultiplyLikeTheirRowsAtSmolLM2Widths() throws {
        var rng = GGMLKernelTests.SplitMix(state: 11)
        for columns in [576, 1536] {
            let rows = 24
            let values = (0..<(rows * columns)).map { _ in rng.normal() * 0.05 }
            for case .eff(let format) in LLMWeightFormat.all {
                let matrix = try values.withUnsafeBufferPointer {
                    DecoderMatrix.eff(try QuantizedMatrix(quantizing: $0, rows: rows, columns: columns, format: format))
                }
                for batch in [1, 9] {
                    let x = (0..<(batch * columns)).map { _ in rng.normal() }
                    var y = [Float](repeating: 0, count: batch * rows)
                    try x.withUnsafeBufferPointer { xs in
                        try y.withUnsafeMutableBufferPointer { try matrix.multiply(xs.baseAddress!, batch: batch, into: $0.baseAddress!) }
                    }
                    var row = [Float](repeating: 0, count: columns)
                    for r in 0..<rows {
                        row.withUnsafeMutableBufferPointer { matrix.dequantizeRow(r, into: $0.baseAddress!) }
                        let absolute = row.reduce(0) { $0 + Double(abs($1)) }
                        for item in 0..<batch {
                            let xi = x[(item * columns)..<((item + 1) * columns)]
                            let reference = zip(row, xi).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                            let budget = Double(xi.map(abs).max()!) / 254 * absolute * 1.01 + 1e-4 * absolute
                            XCTAssertEqual(Double(y[item * rows + r]), reference, accuracy: budget, "\(format.rawValue) \(rows)×\(columns) batch \(batch) [\(item), \(r)]")
                        }
                    }
                }
            }
        }
    }

    /// SmolLM2 re-quantized to int8 scores Pride and Prejudice (the reference's tokens, 2 windows of 128) within
    /// 3% of the original's perplexity (measured: within 1%).
    func testRealModelInt8PerplexityIsClose() throws {
        let lm = try LanguageModel(path: RealModel.require())
        let tokens = try LLMReference.load("llm-reference-smollm2.json").perplexity.tokens
        let original = try lm.decoder.perplexity(tokens: tokens, window: 128, maxWindows: 2)
        let int8 = try lm.quantized(to: .eff(.int8PerRow)).decoder.perplexity(tokens: tokens, window: 128, maxWindows: 2)
        print("SmolLM2 perplexity, 2 windows of 128: original \(original.perplexity), int8 \(int8.perplexity)")
        XCTAssertEqual(int8.perplexity, original.perplexity, accuracy: 0.03 * original.perplexity)
    }
}
