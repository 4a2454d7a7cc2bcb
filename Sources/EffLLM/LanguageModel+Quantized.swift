import EffKernels

/// A format a language model's matrices can be re-quantized to: one of eff's dense formats (`WeightFormat`:
/// int8, int4, ternary, binary, …) or a ggml block type eff can write (`GGMLQuantizer.types`: q8_0, q4_0, q4_1).
public enum LLMWeightFormat: Sendable, Equatable {
    case eff(WeightFormat)
    case ggml(GGMLType)

    /// The name users write: eff's (`int4`) or ggml's in lowercase (`q8_0`).
    public var name: String {
        switch self {
        case .eff(let format): return format.rawValue
        case .ggml(let type): return type.name.lowercased()
        }
    }

    /// Every format a model can be re-quantized to, in the order messages list them: eff's dense formats, then
    /// ggml's. Sparse formats are left out: they store pruned weights, and these matrices are dense.
    public static var all: [LLMWeightFormat] {
        WeightFormat.allCases.filter { !$0.isSparse }.map { .eff($0) } + GGMLQuantizer.types.map { .ggml($0) }
    }

    /// Looks a format up by name (any case), with errors that list the formats.
    public static func named(_ name: String) throws -> LLMWeightFormat {
        let key = name.lowercased()
        if let format = all.first(where: { $0.name == key }) { return format }
        let known = all.map(\.name).joined(separator: ", ")
        if let format = WeightFormat(rawValue: key), format.isSparse {
            throw LLMError(.unsupported, "\(key) stores pruned weights sparsely, but re-quantizing keeps a language model's matrices dense; "
                + "prune(lm, structure: \"\(format == .sparse2of4 ? "2:4" : "unstructured")\") stores them as \(key); re-quantize to one of: \(known)")
        }
        if GGMLType.allCases.contains(where: { $0.name.lowercased() == key }) {
            throw LLMError(.unsupported, "eff cannot write ggml's \(key) blocks (it writes \(GGMLQuantizer.types.map { $0.name.lowercased() }.joined(separator: ", "))); re-quantize to one of: \(known)")
        }
        throw LLMError(.invalidArgument, "unknown weight format '\(name)' for a language model (known: \(known))")
    }
}

extension LanguageModel {
    /// A variant of this model with its matrices re-quantized to `format`: each attention and FFN matrix is
    /// dequantized to f32 (one matrix at a time, never the whole model) and quantized again. The token embedding
    /// (and the output head, tied to it or not) stays as it is unless `includeEmbedding`. Same tokenizer and
    /// configuration; named e.g. "SmolLM2 135M Instruct (int4)" unless `name` is given.
    ///
    ///     let small = try lm.quantized(to: .named("int4"))
    ///     let result = try small.perplexity(text, maxWindows: 4)
    public func quantized(to format: LLMWeightFormat, includeEmbedding: Bool = false, name: String? = nil) throws -> LanguageModel {
        let weights = try decoder.weights.mapMatrices { name, matrix in
            guard includeEmbedding || (name != "token_embd" && name != "output") else { return matrix }
            return try Self.requantize(matrix, to: format, name: name)
        }
        let suffix = format.name + (includeEmbedding ? ", embedding too" : "")
        return LanguageModel(file: file, decoder: LlamaDecoder(file: file, config: config, weights: weights),
                             tokenizer: tokenizer, name: name ?? "\(self.name) (\(suffix))", requantization: suffix)
    }

    /// One matrix dequantized to f32 (rows, columns) and quantized into `format`.
    static func requantize(_ matrix: DecoderMatrix, to format: LLMWeightFormat, name: String) throws -> DecoderMatrix {
        try quantize(matrix.dequantized(), rows: matrix.rows, columns: matrix.columns, from: matrix, to: format, name: name)
    }

    /// f32 values (rows, columns) quantized into `format`; `source` and `name` only for the error message.
    static func quantize(_ values: [Float], rows: Int, columns: Int, from source: DecoderMatrix, to format: LLMWeightFormat,
                         name: String) throws -> DecoderMatrix {
        do {
            return try values.withUnsafeBufferPointer { v in
                switch format {
                case .eff(let weightFormat):
                    return .eff(try QuantizedMatrix(quantizing: v, rows: rows, columns: columns, format: weightFormat))
                case .ggml(let type):
                    return DecoderMatrix(try GGMLQuantizer.quantize(v.baseAddress!, rows: rows, columns: columns, type: type))
                }
            }
        } catch let error as KernelError {
            throw LLMError(.unsupported, "cannot re-quantize \(name) (\(rows)×\(columns), \(source.formatName)) to \(format.name): \(error)")
        }
    }

    /// Parameters and bytes per storage format of the matrices the decoder runs and its f32 norm vectors, largest
    /// share first; format names as `DecoderMatrix.formatName` (`Q4_1`, `int4`, `F32`). The output head counts
    /// only when it is not tied to the embedding.
    public var bytesByFormat: [(format: String, parameters: Int, bytes: Int)] {
        var totals: [String: (parameters: Int, bytes: Int)] = [:]
        for (_, matrix) in decoder.weights.namedMatrices {
            let t = totals[matrix.formatName] ?? (0, 0)
            totals[matrix.formatName] = (t.parameters + matrix.rows * matrix.columns, t.bytes + matrix.byteCount)
        }
        let w = decoder.weights
        let norms = w.outputNorm.count + w.blocks.reduce(0) { $0 + $1.attentionNorm.count + $1.feedForwardNorm.count }
        let f32 = totals["F32"] ?? (0, 0)
        totals["F32"] = (f32.parameters + norms, f32.bytes + norms * 4)
        return totals.map { (format: $0.key, parameters: $0.value.parameters, bytes: $0.value.bytes) }
            .sorted { $0.bytes != $1.bytes ? $0.bytes > $1.bytes : $0.format < $1.format }
    }

    /// Bytes of the weights the decoder holds (all formats of `bytesByFormat`).
    public var weightByteCount: Int { bytesByFormat.reduce(0) { $0 + $1.bytes } }

    /// Bytes of the model: its file's, or, once re-quantized, its weights'.
    public var byteCount: Int { requantization == nil ? file.byteCount : weightByteCount }
}
