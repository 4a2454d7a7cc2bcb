// libFuzzer target for eff's GGUF reader and everything that reads a GGUF file's contents: the header and
// metadata (GGUFFile), the Llama hyperparameters (LlamaConfig), the tensor views (LlamaWeights), the tokenizer
// (tokenizerVocabulary, BPETokenizer) and, for files small enough, one decoder step on the weights.
//
// Built and run by scripts/fuzz-gguf.sh (swiftc -sanitize=fuzzer,address; not part of the SwiftPM package).
// Any input may be rejected with an LLMError; none may crash, trap, leak past the mapping or allocate without
// bound. Crashes are saved by libFuzzer as crash-<sha1>; add them to Tests/EffLLMTests as regression cases.
import EffKernels
import EffLLM

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let mapping = MappedFile(bytes: Array(UnsafeBufferPointer(start: data, count: size)), name: "fuzz.gguf")
    guard let file = try? GGUFFile(mapping: mapping) else { return 0 }

    // Every tensor's first and last byte must lie inside the mapping (AddressSanitizer checks the reads).
    var checksum: UInt8 = 0
    for tensor in file.tensors {
        let base = file.data(tensor)
        checksum &+= base.load(as: UInt8.self) &+ base.load(fromByteOffset: tensor.byteCount - 1, as: UInt8.self)
        precondition(tensor.fileOffset >= file.dataOffset && tensor.fileOffset + tensor.byteCount <= file.byteCount)
        precondition(tensor.shape.reduce(1, *) == tensor.elementCount)
    }
    for key in file.metadataKeys { checksum &+= UInt8(truncatingIfNeeded: file.metadata[key]!.summary.utf8.count) }
    _ = file.architecture

    if let vocabulary = try? file.tokenizerVocabulary(), let tokenizer = try? BPETokenizer(vocabulary: vocabulary) {
        if let ids = try? tokenizer.encode("Hello world, 123 <|im_start|>user\ncafé 日本 🙂", parseSpecial: true) {
            _ = tokenizer.decode(ids, renderSpecial: true)
        }
        _ = tokenizer.decode([0, Int32(tokenizer.vocabularySize - 1)])
        _ = try? tokenizer.chatPrompt([(role: "user", content: "hi")])
    }

    if let config = try? LlamaConfig(file: file), (try? LlamaWeights(file: file, config: config)) != nil {
        // One decoder step when the model is small (the fuzzer should spend its time on parsing).
        let work = config.blockCount * config.width * (config.width + config.feedForward) + config.vocabularySize * config.width
        if work <= 1 << 20, let decoder = try? LlamaDecoder(file: file) {
            let cache = decoder.makeCache(limit: 4)
            if let hidden = try? decoder.forward([0, Int32(config.vocabularySize - 1)], cache: cache, keep: 2) {
                _ = try? decoder.logits(hidden)
            }
        }
    }
    return checksum == 0x7F ? 0 : 0
}
