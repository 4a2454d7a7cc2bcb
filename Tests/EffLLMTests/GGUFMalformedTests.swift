import EffKernels
import EffLLM
import XCTest

/// A GGUF file is untrusted input: every malformed file must be an `LLMError` of the right kind whose message
/// names the field and, where one exists, its byte offset — never a crash, a trap or a huge allocation.
/// Files are built in memory (`GGUFSpec`, or the tiny fixture's bytes patched) and parsed from
/// `MappedFile(bytes:)`. Fuzzing (Fuzz/GGUFFuzz, scripts/fuzz-gguf.sh) covers what these cases do not.
final class GGUFMalformedTests: XCTestCase {
    /// How far to load: the file, its Llama hyperparameters, its weights, its tokenizer.
    enum Stage { case file, config, weights, vocabulary, tokenizer }

    static func load(_ bytes: [UInt8], through stage: Stage) throws {
        let file = try GGUFFile(mapping: MappedFile(bytes: bytes, name: "hostile.gguf"))
        switch stage {
        case .file: return
        case .config: _ = try LlamaConfig(file: file)
        case .weights: _ = try LlamaWeights(file: file, config: LlamaConfig(file: file))
        case .vocabulary: _ = try file.tokenizerVocabulary()
        case .tokenizer: _ = try BPETokenizer(vocabulary: file.tokenizerVocabulary())
        }
    }

    /// Asserts that loading `bytes` through `stage` throws an `LLMError` of `kind` whose message contains every
    /// fragment; returns the message.
    @discardableResult
    func expectError(_ bytes: [UInt8], _ kind: LLMError.Kind, _ fragments: [String], stage: Stage = .file,
                     file: StaticString = #filePath, line: UInt = #line) -> String? {
        do {
            try Self.load(bytes, through: stage)
            XCTFail("no error; expected \(kind) mentioning \(fragments)", file: file, line: line)
        } catch let error as LLMError {
            XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
            for fragment in fragments where !error.message.contains(fragment) {
                XCTFail("the message does not mention \"\(fragment)\": \(error.message)", file: file, line: line)
            }
            return error.message
        } catch {
            XCTFail("not an LLMError: \(error)", file: file, line: line)
        }
        return nil
    }

    static let tinyBytes: [UInt8] = {
        let url = Fixtures.url("tiny-llama.gguf")!
        return Array(try! Data(contentsOf: url))
    }()

    static func patched(_ bytes: [UInt8], at offset: Int, _ new: [UInt8]) -> [UInt8] {
        var copy = bytes
        copy.replaceSubrange(offset..<(offset + new.count), with: new)
        return copy
    }

    static func find(_ needle: String, in bytes: [UInt8]) -> Int {
        let n = Array(needle.utf8)
        for i in 0...(bytes.count - n.count) where bytes[i] == n[0] && Array(bytes[i..<(i + n.count)]) == n { return i }
        fatalError("\(needle) not found")
    }

    // MARK: the builder's valid files load, so each mutation below is what fails

    func testValidSyntheticFilesLoadAndRun() throws {
        for spec in [GGUFSpec.llama(), GGUFSpec.llama(matrixType: .q4_1, tiedOutput: false),
                     GGUFSpec.llama(width: 64, feedForward: 96, heads: 4, kvHeads: 2, blocks: 2, vocabulary: 40, matrixType: .f16)] {
            let file = try GGUFFile(mapping: MappedFile(bytes: spec.bytes()))
            let decoder = try LlamaDecoder(file: file)
            let logits = try decoder.logits(try decoder.forward([0, 1, 2], cache: decoder.makeCache()))
            XCTAssertEqual(logits.count, decoder.config.vocabularySize)
            XCTAssertTrue(logits.allSatisfy(\.isFinite))
            _ = try BPETokenizer(vocabulary: file.tokenizerVocabulary())
        }
        // general.alignment 1 (llama.cpp accepts any power of two): F32 norms land at offsets that are not
        // multiples of 4, and the kernels must still read them.
        var packed = GGUFSpec.llama(vocabulary: 7)
        packed.alignment = 1
        packed.metadata[packed.keyIndex("general.alignment")].value = .u32(1)
        var file = try GGUFFile(mapping: MappedFile(bytes: packed.bytes()))
        for shift in 1...3 where !file.tensors.contains(where: { $0.fileOffset % 4 != 0 && $0.type == .f32 }) {
            packed.tensors[1].offset = packed.placements()[0].offset + UInt64(packed.placements()[0].bytes + shift)
            file = try GGUFFile(mapping: MappedFile(bytes: packed.bytes()))
        }
        XCTAssertTrue(file.tensors.contains { $0.fileOffset % 4 != 0 && $0.type == .f32 })
        let decoder = try LlamaDecoder(file: file)
        XCTAssertTrue(try decoder.logits(try decoder.forward([0, 6], cache: decoder.makeCache())).allSatisfy(\.isFinite))
        let tiny = try GGUFFile(mapping: MappedFile(bytes: Self.tinyBytes))
        XCTAssertEqual(tiny.dataOffset, 13_472)
        XCTAssertEqual(tiny.tensors.count, 20)
    }

    // MARK: truncation

    /// Every prefix of the tiny fixture's header, and prefixes every 997 bytes through its tensor data.
    func testEveryTruncationThrows() {
        let bytes = Self.tinyBytes
        let dataOffset = 13_472
        var lengths = Array(0..<dataOffset)
        lengths += Array(stride(from: dataOffset, to: bytes.count, by: 997)) + [bytes.count - 1]
        var failures = 0
        for length in lengths {
            do {
                _ = try GGUFFile(mapping: MappedFile(bytes: Array(bytes.prefix(length))))
                failures += 1
                if failures < 5 { XCTFail("a \(length)-byte prefix parsed") }
            } catch let error as LLMError {
                guard error.kind == .malformed,
                      ["truncated at offset", "past the end of the file", "bytes can hold"].contains(where: error.message.contains)
                else {
                    failures += 1
                    if failures < 5 { XCTFail("prefix \(length): \(error.kind) \(error.message)") }
                    continue
                }
            } catch {
                XCTFail("prefix \(length): not an LLMError: \(error)")
            }
        }
        XCTAssertEqual(failures, 0)
        XCTAssertNotNil(expectError([], .malformed, ["truncated at offset 0", "magic"]))
        // Counts are checked against the bytes left before anything is read or allocated.
        expectError(Array(bytes.prefix(30)), .malformed, ["tensor_count = 20 at offset 8 is more than the remaining 14 bytes can hold"])
        expectError(Array(bytes.prefix(1000)), .malformed, ["length of 'tokenizer.ggml.tokens' = 512 at offset 672 is more than the remaining 320 bytes"])
        let spec = GGUFSpec.llama()
        let cut = spec.tensorInfoOffset(3) + 5
        expectError(Array(spec.bytes().prefix(cut)), .malformed, ["truncated at offset \(cut - 5) reading length of tensor 3 name (8 bytes needed, 5 left)"])
    }

    // MARK: the header

    func testBadMagic() {
        expectError(Self.patched(Self.tinyBytes, at: 0, Array("GGUG".utf8)), .malformed, ["not a GGUF file", "first 4 bytes"])
        expectError(Self.patched(Self.tinyBytes, at: 0, Array("tjgg".utf8)), .malformed, ["not a GGUF file"])  // old GGJT
    }

    func testUnsupportedVersions() {
        for version: UInt32 in [0, 1, 4, 0xFFFF_FFFF] {
            expectError(Self.patched(Self.tinyBytes, at: 4, GGUFSpec.le(version)), .unsupported,
                        ["GGUF version \(version)", "offset 4"])
        }
        // A big-endian v3 file: its version reads 0x03000000 little-endian.
        expectError(Self.patched(Self.tinyBytes, at: 4, GGUFSpec.le(UInt32(3).byteSwapped)), .unsupported,
                    ["big-endian", "offset 4"])
        var v2 = GGUFSpec.llama()
        v2.version = 2
        XCTAssertNoThrow(try Self.load(v2.bytes(), through: .weights))
    }

    func testAbsurdCounts() {
        expectError(Self.patched(Self.tinyBytes, at: 8, GGUFSpec.le(UInt64(1) << 60)), .malformed,
                    ["tensor_count = 1152921504606846976", "offset 8"])
        expectError(Self.patched(Self.tinyBytes, at: 16, GGUFSpec.le(UInt64.max)), .malformed,
                    ["metadata_kv_count", "offset 16"])
        // A key count one too many runs into the tensor infos and fails there, with an offset.
        var spec = GGUFSpec.llama()
        spec.keyCountOverride = UInt64(spec.metadata.count + 1)
        expectError(spec.bytes(), .malformed, ["offset"])
        spec = GGUFSpec.llama()
        spec.tensorCountOverride = UInt64(spec.tensors.count + 1)
        expectError(spec.bytes(), .malformed, ["offset"])
    }

    func testAbsurdStringLengths() {
        // The first key's length: 2^63.
        expectError(Self.patched(Self.tinyBytes, at: 24, GGUFSpec.le(UInt64(1) << 63)), .malformed,
                    ["length of metadata key 0 = 9223372036854775808", "offset 24"])
        var spec = GGUFSpec.llama()
        spec.metadata.insert(("general.name", .init(type: 8, payload: GGUFSpec.le(UInt64.max) + Array("tiny".utf8))), at: 1)
        expectError(spec.bytes(), .malformed, ["length of general.name", "offset \(spec.valueOffset(1))"])
        // A tensor name's length.
        spec = GGUFSpec.llama()
        let bytes = spec.bytes()
        let at = spec.tensorInfoOffset(2)
        expectError(Self.patched(bytes, at: at, GGUFSpec.le(UInt64(1) << 62)), .malformed, ["tensor 2 name", "offset \(at)"])
    }

    func testAbsurdArrayLengths() {
        for (element, length) in [(UInt32(0), UInt64.max), (8, UInt64(1) << 40), (9, UInt64(1) << 50), (12, UInt64(1) << 61)] {
            var spec = GGUFSpec.llama()
            spec.metadata.insert(("general.tags", .init(type: 9, payload: GGUFSpec.le(element) + GGUFSpec.le(length))), at: 1)
            expectError(spec.bytes(), .malformed, ["length of 'general.tags' = \(length)", "offset \(spec.valueOffset(1) + 4)"])
        }
        // The token list one longer than its entries.
        var spec = GGUFSpec.llama()
        let i = spec.keyIndex("tokenizer.ggml.tokens")
        var payload = spec.metadata[i].value.payload
        payload.replaceSubrange(4..<12, with: GGUFSpec.le(UInt64(9)))
        spec.metadata[i].value.payload = payload
        expectError(spec.bytes(), .malformed, ["offset"])
    }

    func testUnknownValueTypes() {
        var spec = GGUFSpec.llama()
        spec.metadata.insert(("general.odd", .init(type: 13, payload: [])), at: 1)
        expectError(spec.bytes(), .malformed, ["'general.odd' has unknown value type 13", "offset \(spec.keyOffset(1) + 8 + 11)"])
        spec = GGUFSpec.llama()
        spec.metadata.insert(("general.odd", .init(type: 9, payload: GGUFSpec.le(UInt32(0xFFFF_FFFF)) + GGUFSpec.le(UInt64(1)))), at: 1)
        expectError(spec.bytes(), .malformed, ["'general.odd' array has unknown element type 4294967295", "offset \(spec.valueOffset(1))"])
    }

    func testNestedArraysAreBounded() {
        // Arrays of arrays five deep.
        var payload = GGUFSpec.le(UInt32(4)) + GGUFSpec.le(UInt64(0))
        for _ in 0..<5 { payload = GGUFSpec.le(UInt32(9)) + GGUFSpec.le(UInt64(1)) + payload }
        var spec = GGUFSpec.llama()
        spec.metadata.insert(("general.deep", .init(type: 9, payload: payload)), at: 1)
        expectError(spec.bytes(), .malformed, ["'general.deep' nests arrays more than 4 deep", "offset"])
    }

    func testBoolMustBeZeroOrOne() {
        var spec = GGUFSpec.llama()
        spec.metadata.insert(("tokenizer.ggml.add_bos_token", .init(type: 7, payload: [7])), at: 1)
        expectError(spec.bytes(), .malformed, ["'tokenizer.ggml.add_bos_token' bool at offset \(spec.valueOffset(1)) is 7"])
    }

    func testInvalidUTF8() {
        var spec = GGUFSpec.llama()
        spec.metadata.insert(("general.XX", .string("x")), at: 1)
        var bytes = spec.bytes()
        let key = Self.find("general.XX", in: bytes)
        bytes[key + 8] = 0xC3; bytes[key + 9] = 0x28   // a lead byte followed by a non-continuation byte
        expectError(bytes, .malformed, ["metadata key 1 at offset \(spec.keyOffset(1)) is not valid UTF-8"])
        // In a value, and in a tensor name.
        spec = GGUFSpec.llama()
        spec.metadata.insert(("general.name", .string("tiny\u{7F}")), at: 1)
        bytes = spec.bytes()
        bytes[Self.find("tiny\u{7F}", in: bytes) + 4] = 0xFF
        expectError(bytes, .malformed, ["general.name at offset \(spec.valueOffset(1)) is not valid UTF-8"])
        spec = GGUFSpec.llama()
        bytes = spec.bytes()
        bytes[Self.find("blk.0.attn_q.weight", in: bytes)] = 0x80
        expectError(bytes, .malformed, ["tensor 2 name at offset \(spec.tensorInfoOffset(2)) is not valid UTF-8"])
    }

    func testDuplicates() {
        var spec = GGUFSpec.llama()
        spec.metadata.append(("llama.block_count", .u32(1)))
        expectError(spec.bytes(), .malformed, ["metadata key 'llama.block_count' appears twice", "offset \(spec.keyOffset(spec.metadata.count - 1))"])
        spec = GGUFSpec.llama()
        spec.tensors.append(spec.tensors[1])
        expectError(spec.bytes(), .malformed, ["tensor 'blk.0.attn_norm.weight' appears twice", "offset \(spec.tensorInfoOffset(spec.tensors.count - 1))"])
    }

    func testAlignmentMustBeAPowerOfTwo() {
        var spec = GGUFSpec.llama()
        spec.metadata[spec.keyIndex("general.alignment")].value = .u32(48)
        expectError(spec.bytes(), .malformed, ["general.alignment", "48"])
        spec.metadata[spec.keyIndex("general.alignment")].value = .u64(1 << 40)
        expectError(spec.bytes(), .malformed, ["general.alignment"])
        spec.metadata[spec.keyIndex("general.alignment")].value = .u32(0)
        expectError(spec.bytes(), .malformed, ["general.alignment"])
    }

    // MARK: tensor infos

    func testUnknownTensorType() {
        for id: UInt32 in [4, 5, 31, 99, 0xFFFF_FFFF] {
            var spec = GGUFSpec.llama()
            spec.tensors[2].type = id
            let typeOffset = spec.tensorInfoOffset(2) + 8 + spec.tensors[2].name.utf8.count + 4 + 16
            expectError(spec.bytes(), .unsupported, ["tensor 'blk.0.attn_q.weight' has unknown tensor type id \(id)", "offset \(typeOffset)"])
        }
    }

    func testDimensionCounts() {
        for count: UInt32 in [0, 5, 0xFFFF_FFFF] {
            var spec = GGUFSpec.llama()
            spec.tensors[2].dimensionCount = count
            expectError(spec.bytes(), .malformed, ["tensor 'blk.0.attn_q.weight' has \(count) dimensions", "offset \(spec.tensorInfoOffset(2))"])
        }
    }

    func testDimensionSizes() {
        for size: UInt64 in [0, 1 << 31, 1 << 40, UInt64.max] {
            var spec = GGUFSpec.llama()
            spec.tensors[2].shape[1] = size
            let at = spec.tensorInfoOffset(2) + 8 + spec.tensors[2].name.utf8.count + 4 + 8
            expectError(spec.bytes(), .malformed, ["tensor 'blk.0.attn_q.weight' dimension 1 at offset \(at) is \(size)"])
        }
        // Each dimension fits but their product cannot be in the file.
        var spec = GGUFSpec.llama()
        spec.tensors[2].shape = [32, 1 << 20, 1 << 20, 1 << 20]
        expectError(spec.bytes(), .malformed, ["tensor 'blk.0.attn_q.weight'", "offset \(spec.tensorInfoOffset(2))", "more elements than"])
    }

    func testColumnsMustBeWholeBlocks() {
        var spec = GGUFSpec.llama()
        spec.tensors[2].shape = [48, 8]
        expectError(spec.bytes(), .malformed, ["tensor 'blk.0.attn_q.weight'", "offset \(spec.tensorInfoOffset(2))",
                                               "Q8_0 has 48 columns, not a multiple of its block of 32"])
        // A K-quant with a row shorter than its 256-weight block.
        spec = GGUFSpec.llama()
        spec.tensors[2].type = GGMLType.q4_K.rawValue
        expectError(spec.bytes(), .malformed, ["Q4_K", "not a multiple of its block of 256"])
    }

    func testMisalignedDataOffset() {
        var spec = GGUFSpec.llama()
        let places = spec.placements()
        spec.tensors[3].headerOffset = places[3].offset + 4
        let field = spec.tensorInfoOffset(3) + 8 + spec.tensors[3].name.utf8.count + 4 + 16 + 4
        expectError(spec.bytes(), .malformed, ["tensor 'blk.0.attn_k.weight' data offset \(places[3].offset + 4) (field at offset \(field)) is not a multiple of the alignment 32"])
    }

    func testTensorPastTheEnd() {
        var spec = GGUFSpec.llama()
        spec.dataSlack = -1
        expectError(spec.bytes(), .malformed, ["tensor 'output_norm.weight'", "tensor info at offset \(spec.tensorInfoOffset(spec.tensors.count - 1))", "runs past the end of the file"])
        spec = GGUFSpec.llama()
        spec.tensors[1].headerOffset = 1 << 40
        expectError(spec.bytes(), .malformed, ["tensor 'blk.0.attn_norm.weight' data offset 1099511627776", "past the end of the file"])
        // Inside the file, but data offset + size past its end.
        spec = GGUFSpec.llama()
        let size = spec.bytes().count
        spec.tensors[1].headerOffset = UInt64(size / 32 * 32)
        expectError(spec.bytes(), .malformed, ["tensor 'blk.0.attn_norm.weight'", "runs past the end of the file"])
    }

    func testOverlappingTensors() {
        var spec = GGUFSpec.llama()
        let places = spec.placements()
        spec.tensors[4].headerOffset = places[3].offset + 32   // inside attn_k's bytes
        expectError(spec.bytes(), .malformed, ["'blk.0.attn_k.weight' and 'blk.0.attn_v.weight' overlap"])
        spec = GGUFSpec.llama()
        spec.tensors[5].headerOffset = places[2].offset        // the same start
        expectError(spec.bytes(), .malformed, ["overlap", "blk.0.attn_q.weight", "blk.0.attn_output.weight"])
    }

    // MARK: the model

    func testOtherArchitecturesAreNamed() {
        for name in ["mamba", "gpt2", "qwen2"] {
            var spec = GGUFSpec.llama()
            spec.metadata[0].value = .string(name)
            expectError(spec.bytes(), .unsupported, ["architecture '\(name)' is not supported", "llama"], stage: .config)
        }
        var spec = GGUFSpec.llama()
        spec.metadata.remove(at: 0)
        expectError(spec.bytes(), .malformed, ["'general.architecture' is missing"], stage: .config)
        // On the fixture: "llama" → "mamba" (same length, every llama.* key still there).
        let bytes = Self.tinyBytes
        let at = Self.find("llama", in: bytes)
        expectError(Self.patched(bytes, at: at, Array("mamba".utf8)), .unsupported, ["'mamba'"], stage: .config)
    }

    func testBadHyperparameters() {
        var spec = GGUFSpec.llama()
        spec.metadata[spec.keyIndex("llama.attention.head_count")].value = .u32(3)
        expectError(spec.bytes(), .malformed, ["3 heads do not divide the width 32"], stage: .config)
        spec.metadata[spec.keyIndex("llama.attention.head_count")].value = .u32(0)
        expectError(spec.bytes(), .malformed, ["'llama.attention.head_count' = 0"], stage: .config)
        spec = GGUFSpec.llama()
        spec.metadata[spec.keyIndex("llama.block_count")].value = .string("two")
        expectError(spec.bytes(), .malformed, ["'llama.block_count' = \"two\" must be an integer"], stage: .config)
        spec = GGUFSpec.llama()
        spec.metadata[spec.keyIndex("llama.rope.freq_base")].value = .f32(.nan)
        expectError(spec.bytes(), .malformed, ["'llama.rope.freq_base'"], stage: .config)
        spec = GGUFSpec.llama()
        spec.metadata.remove(at: spec.keyIndex("llama.embedding_length"))
        expectError(spec.bytes(), .malformed, ["'llama.embedding_length' is missing"], stage: .config)
    }

    func testMissingTensor() {
        var spec = GGUFSpec.llama()
        spec.tensors.remove(at: spec.tensorIndex("blk.0.ffn_up.weight"))
        expectError(spec.bytes(), .malformed, ["tensor 'blk.0.ffn_up.weight' is missing"], stage: .weights)
        // On the fixture: rename a tensor in place.
        let bytes = Self.tinyBytes
        let at = Self.find("blk.1.ffn_up.weight", in: bytes)
        expectError(Self.patched(bytes, at: at, Array("blk.1.ffn_up.weighX".utf8)), .malformed,
                    ["tensor 'blk.1.ffn_up.weight' is missing"], stage: .weights)
    }

    func testWrongShape() {
        var spec = GGUFSpec.llama()
        let k = spec.tensorIndex("blk.0.attn_k.weight")
        spec.tensors[k].shape = [32, 32]
        expectError(spec.bytes(), .malformed, ["tensor 'blk.0.attn_k.weight'", "offset \(spec.tensorInfoOffset(k))",
                                               "shape [32, 32], expected [32, 16]"], stage: .weights)
        spec = GGUFSpec.llama()
        let norm = spec.tensorIndex("output_norm.weight")
        spec.tensors[norm].shape = [32, 1]
        expectError(spec.bytes(), .malformed, ["tensor 'output_norm.weight'", "shape [32, 1], expected [32]"], stage: .weights)
        spec = GGUFSpec.llama()
        spec.tensors[0].shape = [32, 9]   // token_embd with a row more than the vocabulary
        expectError(spec.bytes(), .malformed, ["tensor 'token_embd.weight'", "expected [32, 8]"], stage: .weights)
    }

    func testKQuantTensorIsNamed() {
        var spec = GGUFSpec.llama(width: 256, feedForward: 256, heads: 2, kvHeads: 1)
        let q = spec.tensorIndex("blk.0.attn_q.weight")
        spec.tensors[q].type = GGMLType.q4_K.rawValue
        expectError(spec.bytes(), .unsupported, ["tensor 'blk.0.attn_q.weight'", "offset \(spec.tensorInfoOffset(q))", "type Q4_K",
                                                 "which eff does not run", "Q4_1"], stage: .weights)
        // The file itself parses: the type is known, only not runnable.
        let file = try? GGUFFile(mapping: MappedFile(bytes: spec.bytes()))
        XCTAssertEqual(file?.tensor("blk.0.attn_q.weight")?.type, .q4_K)
        for type in [GGMLType.q6_K, .iq2_xxs, .q5_0] {
            spec.tensors[q].type = type.rawValue
            expectError(spec.bytes(), .unsupported, ["type \(type.name)"], stage: .weights)
        }
    }

    func testBadTokenizerMetadata() {
        var spec = GGUFSpec.llama()
        spec.metadata[spec.keyIndex("tokenizer.ggml.token_type")].value = .int32s([1, 1, 1])
        expectError(spec.bytes(), .malformed, ["tokenizer.ggml.token_type has 3 entries for 8 tokens"], stage: .vocabulary)
        spec = GGUFSpec.llama()
        spec.metadata[spec.keyIndex("tokenizer.ggml.token_type")].value = .int32s([1, 1, 1, 9, 1, 1, 1, 1])
        expectError(spec.bytes(), .malformed, ["tokenizer.ggml.token_type[3] = 9"], stage: .vocabulary)
        spec = GGUFSpec.llama()
        spec.metadata[spec.keyIndex("tokenizer.ggml.eos_token_id")].value = .u32(8)
        expectError(spec.bytes(), .malformed, ["'tokenizer.ggml.eos_token_id' = 8 is not a token id"], stage: .vocabulary)
        spec = GGUFSpec.llama()
        spec.metadata[spec.keyIndex("tokenizer.ggml.tokens")].value = .int32s([1, 2, 3, 4, 5, 6, 7, 8])
        expectError(spec.bytes(), .malformed, ["tokenizer.ggml.tokens[0] is not a string"], stage: .vocabulary)
        spec = GGUFSpec.llama()
        spec.metadata[spec.keyIndex("tokenizer.ggml.tokens")].value = .strings(["a", "b", "c", "d", "e", "f", "g", "a"])
        expectError(spec.bytes(), .malformed, ["tokenizer.ggml.tokens[7] repeats tokens[0]"], stage: .tokenizer)
        spec = GGUFSpec.llama()
        spec.metadata[spec.keyIndex("tokenizer.ggml.merges")].value = .strings(["ab"])
        expectError(spec.bytes(), .malformed, ["tokenizer.ggml.merges[0]"], stage: .tokenizer)
        spec = GGUFSpec.llama()
        spec.metadata[spec.keyIndex("tokenizer.ggml.pre")].value = .string("no-such-pre")
        expectError(spec.bytes(), .unsupported, ["tokenizer.ggml.pre is \"no-such-pre\""], stage: .tokenizer)
    }

    // MARK: the fuzz corpus

    /// The fuzz target's seeds (Fuzz/corpus/gguf) and any input a fuzz run has crashed on (Fuzz/regressions/gguf)
    /// go through every stage the target runs; the valid seeds get as far as a decoder step.
    func testFuzzCorpusGoesThroughEveryStage() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var reachedDecoder: [String] = []
        var count = 0
        for folder in ["Fuzz/corpus/gguf", "Fuzz/regressions/gguf"] {
            let directory = root.appendingPathComponent(folder)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { continue }
            for name in names.sorted() {
                count += 1
                let bytes = Array(try Data(contentsOf: directory.appendingPathComponent(name)))
                do {
                    let file = try GGUFFile(mapping: MappedFile(bytes: bytes, name: name))
                    if let tokenizer = try? BPETokenizer(vocabulary: file.tokenizerVocabulary()) {
                        _ = try? tokenizer.encode("Hello <|im_start|>", parseSpecial: true)
                    }
                    if let decoder = try? LlamaDecoder(file: file) {
                        let logits = try decoder.logits(try decoder.forward([0], cache: decoder.makeCache(limit: 4)))
                        XCTAssertTrue(logits.allSatisfy(\.isFinite), name)
                        reachedDecoder.append(name)
                    }
                } catch is LLMError {
                    continue
                }
            }
        }
        XCTAssertGreaterThanOrEqual(count, 9)
        XCTAssertEqual(reachedDecoder, ["micro-mixed-untied.gguf", "micro-q8_0.gguf"])
    }
}
