import EffLLM
import Foundation
import XCTest

/// The BPE tokenizer against llama.cpp's ids: a small vocabulary fixture (always) and SmolLM2's own (when
/// the model is installed). Fixtures are made by scripts/make-tokenizer-references.py.
final class TokenizerTests: XCTestCase {

    // MARK: fixtures

    /// The tiny vocabulary cut from SmolLM2's, with llama.cpp's ids for each pre-tokenizer.
    struct TinyFixture: Decodable {
        let tokens: [String]
        let types: [Int32]
        let merges: [String]
        let bos: Int32
        let eos: Int32
        let unknown: Int32
        let strings: [String]
        let special: [String: [[Int32]]]
        let plain: [String: [[Int32]]]

        func vocabulary(pre: String) -> TokenizerVocabulary {
            TokenizerVocabulary(model: "gpt2", preTokenizer: pre, tokens: tokens,
                                types: types.map { TokenizerVocabulary.TokenType(rawValue: $0)! },
                                merges: merges, bos: bos, eos: eos, unknown: unknown)
        }
    }

    /// llama.cpp's ids and detokenized bytes for SmolLM2.
    struct RealFixture: Decodable {
        struct Case: Decodable {
            let text: String
            let special: [Int32]
            let plain: [Int32]
            let decoded: String         // hex
            let decodedSpecial: String  // hex
        }
        let cases: [Case]
    }

    static let tiny: TinyFixture = {
        let url = Fixtures.url("tiny-bpe-vocabulary.json")!
        return try! JSONDecoder().decode(TinyFixture.self, from: Data(contentsOf: url))
    }()

    static let real: RealFixture = {
        let url = Fixtures.url("smollm2-tokenizer-references.json")!
        return try! JSONDecoder().decode(RealFixture.self, from: Data(contentsOf: url))
    }()

    nonisolated(unsafe) private static var cachedRealTokenizer: BPETokenizer?

    /// SmolLM2's tokenizer, or a skip saying how to install the model.
    static func realTokenizer() throws -> BPETokenizer {
        if let cachedRealTokenizer { return cachedRealTokenizer }
        let tokenizer = try BPETokenizer(vocabulary: GGUFFile(path: RealModel.require()).tokenizerVocabulary())
        cachedRealTokenizer = tokenizer
        return tokenizer
    }

    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    private func show(_ text: String) -> String {
        text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? String($0) : "\\u{\(String($0.value, radix: 16))}" }
            .joined()
    }

    // MARK: llama.cpp's ids

    func testTinyVocabularyMatchesLlamaCppForEveryPreTokenizer() throws {
        let fixture = Self.tiny
        XCTAssertGreaterThanOrEqual(fixture.strings.count, 300)
        XCTAssertEqual(Set(fixture.special.keys),
                       ["smollm", "gpt-2", "llama3", "qwen2", "default", "starcoder", "dbrx"])
        for (pre, expected) in fixture.special.sorted(by: { $0.key < $1.key }) {
            let tokenizer = try BPETokenizer(vocabulary: fixture.vocabulary(pre: pre))
            var mismatches = 0
            for (text, ids) in zip(fixture.strings, expected) {
                let got = try tokenizer.encode(text, parseSpecial: true, addBOS: false)
                if got != ids {
                    mismatches += 1
                    if mismatches <= 5 { XCTFail("\(pre): \"\(show(text))\": eff \(got), llama.cpp \(ids)") }
                }
            }
            XCTAssertEqual(mismatches, 0, "\(pre): \(mismatches) of \(expected.count) strings differ")
            if let plain = fixture.plain[pre] {
                for (text, ids) in zip(fixture.strings, plain) {
                    let got = try tokenizer.encode(text, parseSpecial: false, addBOS: false)
                    XCTAssertEqual(got, ids, "\(pre), special=false: \"\(show(text))\"")
                }
            }
        }
    }

    func testRealModelMatchesLlamaCpp() throws {
        let tokenizer = try Self.realTokenizer()
        let cases = Self.real.cases
        XCTAssertGreaterThanOrEqual(cases.count, 300)
        var mismatches = 0
        for item in cases {
            let special = try tokenizer.encode(item.text, parseSpecial: true)
            let plain = try tokenizer.encode(item.text, parseSpecial: false)
            if special != item.special || plain != item.plain {
                mismatches += 1
                XCTFail("\"\(show(item.text))\": eff \(special) / \(plain), llama.cpp \(item.special) / \(item.plain)")
            }
            XCTAssertEqual(hex(tokenizer.decodeBytes(item.special)), item.decoded, "decode \"\(show(item.text))\"")
            XCTAssertEqual(hex(tokenizer.decodeBytes(item.special, renderSpecial: true)), item.decodedSpecial,
                           "decode with special tokens \"\(show(item.text))\"")
        }
        XCTAssertEqual(mismatches, 0, "\(mismatches) of \(cases.count) strings differ from llama.cpp")
    }

    func testRealModelReferenceSentence() throws {
        let tokenizer = try Self.realTokenizer()
        // LLM.md's reference point; add_bos_token is false, so nothing is added by default.
        XCTAssertEqual(try tokenizer.encode("Hello world, this is a test of the tokenizer."),
                       [19556, 905, 28, 451, 314, 253, 1028, 282, 260, 46119, 30])
        XCTAssertEqual(try tokenizer.encode("Hi", addBOS: true), [1] + (try tokenizer.encode("Hi")))
        XCTAssertEqual(tokenizer.endOfGeneration, [0, 2])
        XCTAssertEqual(tokenizer.decode([19556, 905, 28]), "Hello world,")
    }

    func testLlama3TakesAWholeWordThatIsATokenWithoutMerging() throws {
        // Merging "abc" gives a + bc (no "a bc" merge), yet "abc" is an entry: llama.cpp's ignore_merges for
        // llama3 takes it whole; dbrx shares llama3's expression but not that flag.
        func tokenizer(_ pre: String) throws -> BPETokenizer {
            try BPETokenizer(vocabulary: TokenizerVocabulary(
                model: "gpt2", preTokenizer: pre, tokens: ["<|endoftext|>", "a", "b", "c", "bc", "abc", "Ġ"],
                types: [.control] + Array(repeating: .normal, count: 6), merges: ["b c"]))
        }
        XCTAssertEqual(try tokenizer("llama3").encode("abc"), [5])
        XCTAssertEqual(try tokenizer("dbrx").encode("abc"), [1, 4])
        XCTAssertEqual(try tokenizer("llama3").encode("abc abc"), [5, 6, 1, 4])  // " abc" is not an entry
    }

    // MARK: decoding

    func testDecodeRendersControlTokensOnlyWhenAsked() throws {
        let tokenizer = try BPETokenizer(vocabulary: Self.tiny.vocabulary(pre: "smollm"))
        let ids = try tokenizer.encode("<|im_start|>user\nHi<|im_end|>")
        XCTAssertEqual(ids.first, 1)
        XCTAssertEqual(ids.last, 2)
        XCTAssertEqual(tokenizer.decode(ids), "user\nHi")
        XCTAssertEqual(tokenizer.decode(ids, renderSpecial: true), "<|im_start|>user\nHi<|im_end|>")
        // Not special: the text is tokenized as text and comes back as it was.
        let plain = try tokenizer.encode("<|im_start|>", parseSpecial: false)
        XCTAssertGreaterThan(plain.count, 1)
        XCTAssertEqual(tokenizer.decode(plain), "<|im_start|>")
        // User-defined tokens are matched either way and always rendered; unused ones render as nothing;
        // a byte token renders as its byte.
        let user = try XCTUnwrap(tokenizer.tokenID("[USER]"))
        XCTAssertEqual(try tokenizer.encode("a[USER]b", parseSpecial: false).contains(user), true)
        XCTAssertEqual(tokenizer.decode([user]), "[USER]")
        XCTAssertEqual(tokenizer.pieceBytes(try XCTUnwrap(tokenizer.tokenID("[UNUSED]"))), [])
        XCTAssertEqual(tokenizer.pieceBytes(try XCTUnwrap(tokenizer.tokenID("<0x41>"))), [0x41])
    }

    func testInvalidUTF8IsReplacedAndOutOfRangeIdsAreErrors() throws {
        let tokenizer = try BPETokenizer(vocabulary: Self.tiny.vocabulary(pre: "smollm"))
        let ids = try tokenizer.encode("😀")
        XCTAssertEqual(ids.count, 4)  // four byte tokens: the tiny vocabulary has no emoji merges
        XCTAssertEqual(tokenizer.decode(Array(ids.prefix(2))), "\u{FFFD}")
        XCTAssertEqual(tokenizer.decode(ids), "😀")
        XCTAssertThrowsError(try tokenizer.decode(checking: [5, Int32(tokenizer.vocabularySize)])) { error in
            XCTAssertEqual((error as? LLMError)?.kind, .invalidArgument)
            XCTAssertTrue("\(error)".contains("\(tokenizer.vocabularySize)"), "\(error)")
        }
        XCTAssertThrowsError(try tokenizer.pieceBytes(checking: -1))
        XCTAssertEqual(tokenizer.decode([-1, 99_999]), "")
    }

    func testStreamingDecoderHoldsBackPartialCharacters() throws {
        let tokenizer = try BPETokenizer(vocabulary: Self.tiny.vocabulary(pre: "smollm"))
        let ids = try tokenizer.encode("a😀b")
        var stream = StreamingDecoder(tokenizer: tokenizer)
        var outputs = ids.map { stream.append($0) }
        outputs.append(stream.finish())
        XCTAssertEqual(outputs, ["a", "", "", "", "😀", "b", ""])
        // An unfinished character at the end comes out replaced.
        var cut = StreamingDecoder(tokenizer: tokenizer)
        XCTAssertEqual(cut.append(ids[1]), "")
        XCTAssertTrue(cut.hasPendingBytes)
        XCTAssertEqual(cut.finish(), "\u{FFFD}")
    }

    func testStreamingDecoderAgreesWithDecodeOnEveryReferenceString() throws {
        let tokenizer = try BPETokenizer(vocabulary: Self.tiny.vocabulary(pre: "smollm"))
        var random = SystemRandomNumberGenerator()
        var texts = Self.tiny.strings
        // Plus random byte-token soup, where invalid UTF-8 is common.
        let byteTokens = (0..<256).compactMap { tokenizer.tokenID(ByteLevelAlphabet.encode([UInt8($0)])) }
        for _ in 0..<200 {
            let ids = (0..<Int.random(in: 1...12, using: &random)).map { _ in byteTokens.randomElement(using: &random)! }
            texts.append(tokenizer.decode(ids))
            var stream = StreamingDecoder(tokenizer: tokenizer, renderSpecial: true)
            let streamed = ids.map { stream.append($0) }.joined() + stream.finish()
            XCTAssertEqual(streamed, tokenizer.decode(ids, renderSpecial: true), "\(ids)")
        }
        // Not always the text itself: the tiny vocabulary (like SmolLM2's, which lacks 21 of the 256 byte
        // tokens) drops what it cannot spell, as llama.cpp does.
        for text in Self.tiny.strings {
            let ids = try tokenizer.encode(text)
            var stream = StreamingDecoder(tokenizer: tokenizer, renderSpecial: true)
            let streamed = ids.map { stream.append($0) }.joined() + stream.finish()
            XCTAssertEqual(streamed, tokenizer.decode(ids, renderSpecial: true), "\"\(show(text))\"")
        }
    }

    // MARK: building blocks

    func testByteLevelAlphabetIsGPT2s() {
        XCTAssertEqual(ByteLevelAlphabet.encode(Array(" \n\t!~".utf8)), "ĠĊĉ!~")
        XCTAssertEqual(ByteLevelAlphabet.encode([0x00, 0x7F, 0xA0, 0xAD, 0xFF]), "ĀġłŃÿ")
        let all = (0..<256).map { UInt8($0) }
        XCTAssertEqual(ByteLevelAlphabet.decode(ByteLevelAlphabet.encode(all)), all)
        XCTAssertEqual(Set(ByteLevelAlphabet.scalarForByte).count, 256)
        XCTAssertNil(ByteLevelAlphabet.decode("Ń\u{144}x\u{2000}"))
    }

    func testBOSAndEOSFollowTheFileUnlessAsked() throws {
        var vocabulary = Self.tiny.vocabulary(pre: "smollm")
        var tokenizer = try BPETokenizer(vocabulary: vocabulary)
        XCTAssertEqual(try tokenizer.encode("a"), try tokenizer.encode("a", addBOS: false))
        XCTAssertEqual(try tokenizer.encode("a", addBOS: true).first, 1)
        XCTAssertEqual(try tokenizer.encode(""), [])
        XCTAssertEqual(try tokenizer.encode("", addBOS: true), [1])
        vocabulary.addBOS = true
        vocabulary.addEOS = true
        tokenizer = try BPETokenizer(vocabulary: vocabulary)
        let ids = try tokenizer.encode("a")
        XCTAssertEqual(ids.first, 1)
        XCTAssertEqual(ids.last, 2)
        XCTAssertEqual(try tokenizer.encode("a", addBOS: false).count, 1)
    }

    // MARK: bad input

    func testUnsupportedAndMalformedVocabulariesAreClearErrors() throws {
        let good = Self.tiny.vocabulary(pre: "smollm")
        func error(_ change: (inout TokenizerVocabulary) -> Void) -> LLMError? {
            var vocabulary = good
            change(&vocabulary)
            do { _ = try BPETokenizer(vocabulary: vocabulary); return nil } catch { return error as? LLMError }
        }
        let model = error { $0.model = "llama" }
        XCTAssertEqual(model?.kind, .unsupported)
        XCTAssertTrue(model?.message.contains("\"llama\"") == true && model?.message.contains("gpt2") == true,
                      model?.message ?? "")
        let pre = error { $0.preTokenizer = "deepseek-coder" }
        XCTAssertEqual(pre?.kind, .unsupported)
        XCTAssertTrue(pre?.message.contains("deepseek-coder") == true && pre?.message.contains("smollm") == true
                      && pre?.message.contains("llama3") == true, pre?.message ?? "")
        XCTAssertEqual(error { $0.types.removeLast() }?.kind, .malformed)
        let merge = error { $0.merges[7] = "nospace" }
        XCTAssertEqual(merge?.kind, .malformed)
        XCTAssertTrue(merge?.message.contains("merges[7]") == true, merge?.message ?? "")
        XCTAssertEqual(error { $0.bos = 1_000_000 }?.kind, .malformed)
        XCTAssertEqual(error { $0.tokens[40] = $0.tokens[41] }?.kind, .malformed)
        XCTAssertEqual(error { $0.addBOS = true; $0.bos = nil }?.kind, .malformed)
        XCTAssertNil(error { $0.preTokenizer = "" })  // llama.cpp's "default"
    }

    // MARK: chat template

    static let smolLMTemplate = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"

    func testChatMLPromptIsSmolLM2Templates() throws {
        let template = try ChatTemplate(template: Self.smolLMTemplate)
        XCTAssertEqual(template.defaultSystemPrompt, "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        XCTAssertEqual(template.chatPrompt([(role: "user", content: "Hi")]),
                       "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                       + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        XCTAssertEqual(template.chatPrompt([(role: "system", content: "Be brief."), (role: "user", content: "Hi"),
                                            (role: "assistant", content: "Hello!"), (role: "user", content: "2+2?")],
                                           addGenerationPrompt: false),
                       "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                       + "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n")
        XCTAssertEqual(template.chatPrompt([]), "<|im_start|>assistant\n")
        XCTAssertThrowsError(try ChatTemplate(template: "{{ bos_token }}[INST] {{ message }} [/INST]")) { error in
            XCTAssertEqual((error as? LLMError)?.kind, .unsupported)
        }
        var vocabulary = Self.tiny.vocabulary(pre: "smollm")
        XCTAssertThrowsError(try BPETokenizer(vocabulary: vocabulary).chatPrompt([(role: "user", content: "x")]))
        vocabulary.chatTemplate = Self.smolLMTemplate
        let tokenizer = try BPETokenizer(vocabulary: vocabulary)
        XCTAssertEqual(try tokenizer.chatPrompt([(role: "user", content: "Hi")]),
                       template.chatPrompt([(role: "user", content: "Hi")]))
    }

    func testRealModelChatTemplate() throws {
        let tokenizer = try Self.realTokenizer()
        let prompt = try tokenizer.chatPrompt([(role: "user", content: "What is 2+2?")])
        let reference = Self.real.cases.first { $0.text.hasPrefix("<|im_start|>system\nYou are") }!
        XCTAssertEqual(prompt, reference.text)
        XCTAssertEqual(try tokenizer.encode(prompt), reference.special)
    }

    // MARK: speed

    func testEncodingSpeed() throws {
        let tokenizer: BPETokenizer
        do { tokenizer = try Self.realTokenizer() } catch is XCTSkip {
            tokenizer = try BPETokenizer(vocabulary: Self.tiny.vocabulary(pre: "smollm"))
        }
        var text = ""
        var i = 0
        while text.utf8.count < 1_000_000 {
            text += Self.tiny.strings[i % Self.tiny.strings.count] + " "
            i += 1
        }
        _ = try tokenizer.encode(String(text.prefix(10_000)))
        let start = DispatchTime.now().uptimeNanoseconds
        let ids = try tokenizer.encode(text)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let megabytes = Double(text.utf8.count) / 1e6
        print(String(format: "tokenizer: %.2f MB → %d tokens in %.3f s (%.1f MB/s)", megabytes, ids.count, seconds,
                     megabytes / seconds))
        XCTAssertLessThan(seconds, 5, "1 MB should encode in well under a second in a release build")
    }
}
