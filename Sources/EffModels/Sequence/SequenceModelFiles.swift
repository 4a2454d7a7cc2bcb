import Foundation

/// Sequence models as safetensors files: every tensor of `parameterShapes` (f32, GGUF-style names) and, in the
/// `__metadata__`, what rebuilds the model exactly: `eff.format` = "sequence-model", `eff.name`, `eff.width`,
/// `eff.vocabulary_size`, `eff.blocks` (JSON: [{"kind": "attention", "arguments": {"heads": 4, …}}, …]) and, once
/// trained, `eff.vocabulary` (JSON: {"tokenizer": "chars", "tokens": […]}).
extension SequenceModel {
    public static let fileFormat = "sequence-model"

    /// The tensors in `parameters` order, named and shaped as `parameterShapes`.
    public var namedTensors: [NamedTensor] {
        zip(parameterShapes, parameters).map { NamedTensor(name: $0.name, dataType: .F32, shape: $0.shape, values: $1) }
    }

    /// The `__metadata__` that `init(safeTensorsAt:)` rebuilds the model from.
    public var fileMetadata: [String: String] {
        var metadata = ["eff.format": Self.fileFormat, "eff.name": name, "eff.width": String(width),
                        "eff.vocabulary_size": String(vocabularySize), "eff.blocks": Self.encodeSpecs(specs)]
        if let vocabulary {
            metadata["eff.vocabulary"] = Self.jsonText(["tokenizer": vocabulary.tokenizer, "tokens": vocabulary.tokens])
        }
        return metadata
    }

    /// Writes the model as safetensors (f32 tensors, rebuild metadata).
    public func saveSafeTensors(path: String) throws {
        try SafeTensorsFormat.write(namedTensors, metadata: fileMetadata, to: path)
    }

    /// Reads a model `saveSafeTensors` wrote: rebuilds its blocks from the metadata, then checks that every tensor
    /// is present with the shape the blocks need (and that there are no others) before taking the values.
    public init(safeTensorsAt path: String) throws {
        try self.init(tensorFile: try TensorFile.read(path: path), file: path)
    }

    init(tensorFile: TensorFile, file: String) throws {
        func failure(_ message: String) -> ModelsError { ModelsError(.weightFile, "\(file): \(message)") }
        let metadata = tensorFile.metadata
        guard metadata["eff.format"] == Self.fileFormat else {
            throw failure("not an eff sequence model (its metadata has no eff.format = \"\(Self.fileFormat)\")")
        }
        guard let width = metadata["eff.width"].flatMap({ Int($0) }),
              let vocabularySize = metadata["eff.vocabulary_size"].flatMap({ Int($0) }),
              let blocksText = metadata["eff.blocks"] else {
            throw failure("metadata needs eff.width, eff.vocabulary_size and eff.blocks")
        }
        let specs: [LayerSpec]
        do { specs = try Self.decodeSpecs(blocksText) } catch { throw failure("eff.blocks: \(error)") }
        var vocabulary: TokenVocabulary?
        if let text = metadata["eff.vocabulary"] {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let tokenizer = object["tokenizer"] as? String, let tokens = object["tokens"] as? [String] else {
                throw failure("eff.vocabulary is not {\"tokenizer\": …, \"tokens\": […]}")
            }
            guard tokens.count == vocabularySize else {
                throw failure("eff.vocabulary has \(tokens.count) tokens; eff.vocabulary_size says \(vocabularySize)")
            }
            vocabulary = TokenVocabulary(tokenizer: tokenizer, tokens: tokens)
        }
        try Self.checkPlausibleSize(vocabularySize: vocabularySize, width: width, specs: specs, tensorFile: tensorFile, failure: failure)
        do {
            try self.init(name: metadata["eff.name"] ?? "model", vocabularySize: vocabularySize, width: width, blocks: specs, seed: 0)
        } catch let error as ModelsError {
            throw failure(error.message)
        }
        let shapes = parameterShapes
        var values: [[Float]] = []
        for (name, shape) in shapes {
            guard let tensor = tensorFile[name] else { throw failure("tensor '\(name)' is missing") }
            guard tensor.shape == shape else {
                throw failure("tensor '\(name)' has shape \(tensor.shape); the model's blocks need \(shape)")
            }
            values.append(tensor.values)
        }
        if let extra = tensorFile.tensors.first(where: { tensor in !shapes.contains { $0.name == tensor.name } }) {
            throw failure("tensor '\(extra.name)' belongs to no block of this model")
        }
        setParameters(values)
        self.vocabulary = vocabulary
    }

    /// The metadata decides how much memory rebuilding the model allocates, before any tensor is matched, so it is
    /// checked against the values the file really holds first: the embedding must be there with vocabulary × width
    /// values, width² and each block's size product (width × its whole-number fields that size tensors) must be within
    /// 16× the file's values. Every real model passes with room to spare (a block has at least ~width² or width ×
    /// hidden parameters); a hostile header asking for a 2^24-wide layer in a 1 MB file is an error, not a 64 GB
    /// allocation.
    static func checkPlausibleSize(vocabularySize: Int, width: Int, specs: [LayerSpec], tensorFile: TensorFile,
                                   failure: (String) -> ModelsError) throws {
        let held = tensorFile.tensors.reduce(0) { $0 + $1.values.count }
        let limit = 16 * Double(held) + Double(1 << 20)
        guard let embedding = tensorFile["token_embd.weight"] else { throw failure("tensor 'token_embd.weight' is missing") }
        guard embedding.shape == [vocabularySize, width] else {
            throw failure("tensor 'token_embd.weight' has shape \(embedding.shape); the metadata says [\(vocabularySize), \(width)]")
        }
        guard Double(width) * Double(width) <= limit else {
            throw failure("width \(width) is implausible for a file of \(held) values")
        }
        // Fields that do not size a tensor (a window, a RoPE base, a count of chosen experts, a capacity factor).
        let unsized: Set<String> = ["window", "block", "base", "heads", "top", "capacity"]
        for (index, spec) in specs.enumerated() {
            let product = spec.arguments.reduce(Double(width)) { product, entry in
                guard !unsized.contains(entry.key), case .number(let value) = entry.value else { return product }
                return product * max(1, abs(value))
            }
            guard product <= limit else {
                throw failure("block \(index + 1) (\(spec.kind)) asks for about \(Int(min(product, 9e18))) values; "
                    + "the file holds \(held)")
            }
        }
    }

    static func encodeSpecs(_ specs: [LayerSpec]) -> String {
        jsonText(specs.map { spec -> [String: Any] in
            var arguments: [String: Any] = [:]
            for (key, value) in spec.arguments {
                switch value {
                case .number(let number): arguments[key] = number
                case .name(let name): arguments[key] = name
                }
            }
            return ["kind": spec.kind, "arguments": arguments]
        })
    }

    static func decodeSpecs(_ text: String) throws -> [LayerSpec] {
        guard let list = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else {
            throw ModelsError(.weightFile, "not a JSON list of blocks")
        }
        return try list.map { entry in
            guard let kind = entry["kind"] as? String, let arguments = entry["arguments"] as? [String: Any] else {
                throw ModelsError(.weightFile, "each block needs \"kind\" and \"arguments\"")
            }
            var values: [String: LayerArgument] = [:]
            for (key, value) in arguments {
                if let name = value as? String {
                    values[key] = .name(name)
                } else if let number = value as? NSNumber {
                    values[key] = .number(number.doubleValue)
                } else {
                    throw ModelsError(.weightFile, "block \(kind): argument '\(key)' is neither a number nor a name")
                }
            }
            return LayerSpec(kind: kind, arguments: values)
        }
    }

    static func jsonText(_ object: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("null".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

extension SequenceModel {
    /// The next-token logits at every position of one sequence (its whole context, no cache): what a GGUF export's
    /// logits are checked against. // returns (tokens.count, vocabularySize)
    public func logits(_ tokens: [Int32]) throws -> [Float] {
        let shape = SequenceShape(batch: 1, length: tokens.count)
        guard !tokens.isEmpty, tokens.count <= Self.maximumLength else {
            throw ModelsError(.data, "logits need 1…\(Self.maximumLength) tokens, got \(tokens.count)")
        }
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= vocabularySize }) {
            throw ModelsError(.data, "token id \(bad) is outside model '\(name)''s vocabulary of \(vocabularySize)")
        }
        var x = [Float](repeating: 0, count: tokens.count * width)
        for (row, token) in tokens.enumerated() {
            for c in 0..<width { x[row * width + c] = embedding[Int(token) * width + c] }
        }
        for block in blocks { x = try block.forward(x, shape: shape).output }
        var context = TrainingContext(random: RandomGenerator(seed: 0), quantizedFormat: nil)
        let normalized = try finalNorm.trainingForward(x, batch: tokens.count, context: &context)
        return head(normalized.output, rows: tokens.count)
    }
}
