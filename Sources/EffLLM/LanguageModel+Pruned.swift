import EffKernels

extension LanguageModel {
    /// A variant of this model with every decoder matrix magnitude-pruned and stored in eff's sparse formats: the
    /// attention (q, k, v, output) and FFN (gate, up, down) matrices of every block are dequantized to f32 (one at
    /// a time), the weights `MagnitudePruning` selects (the same selection as `Model.pruned` for MLPs) set to 0,
    /// and the rest stored exactly as f32 in `sparse_csr` (unstructured) or `sparse_2of4` (2:4), which the
    /// decoder multiplies with eff's sparse kernels (f32 activations).
    ///
    /// - `unstructured`: in each matrix the `sparsity` fraction of weights with the smallest |w| become 0.
    /// - `2:4`: in every group of four consecutive weights of a row the two smallest become 0 (sparsity 0.5).
    ///
    /// The token embedding and the output head stay as they are: the embedding is a lookup (a pruned row is a
    /// token that has lost features, not a cheaper multiply), and the head shares it in tied models; both are
    /// commonly left dense in LLM pruning (SparseGPT, Wanda). Named e.g. "SmolLM2 135M Instruct (pruned 50%
    /// unstructured)" unless `name` is given.
    ///
    ///     let sparse = try lm.pruned(sparsity: 0.5, structure: .twoOfFour)
    public func pruned(sparsity: Double = 0.5, structure: SparsityStructure = .unstructured, name: String? = nil) throws -> LanguageModel {
        try pruned(sparsity: sparsity, structure: structure, name: name, storedAs: nil)
    }

    /// `pruned`, with the kept weights stored in `storage` instead of the sparse format (tests use `.f32` for a
    /// dense reference with the same zeros).
    func pruned(sparsity: Double, structure: SparsityStructure, name: String?, storedAs storage: WeightFormat?) throws -> LanguageModel {
        if let problem = MagnitudePruning.problem(sparsity: sparsity, structure: structure) {
            throw LLMError(.invalidArgument, problem)
        }
        guard structure != .neurons else {
            throw LLMError(.unsupported, "structure \"neurons\" removes whole hidden units of an MLP; a language model's "
                + "matrices can be pruned \"unstructured\" or \"2:4\"")
        }
        let format = storage ?? (structure == .twoOfFour ? .sparse2of4 : .sparseCSR)
        let weights = try decoder.weights.mapMatrices { name, matrix in
            guard name != "token_embd" && name != "output" else { return matrix }
            var values = matrix.dequantized()  // (rows, columns)
            let keep = values.withUnsafeBufferPointer { v in
                structure == .twoOfFour ? MagnitudePruning.twoOfFour(v, rows: matrix.rows, columns: matrix.columns)
                    : MagnitudePruning.unstructured(v, sparsity: sparsity)
            }
            for position in values.indices where !keep[position] { values[position] = 0 }
            return try Self.quantize(values, rows: matrix.rows, columns: matrix.columns, from: matrix, to: .eff(format), name: name)
        }
        let percent = sparsity * 100
        let pruning = structure == .twoOfFour ? "pruned 2:4"
            : "pruned \(percent == percent.rounded() ? String(Int(percent)) : String((percent * 10).rounded() / 10))% unstructured"
        return LanguageModel(file: file, decoder: LlamaDecoder(file: file, config: config, weights: weights),
                             tokenizer: tokenizer, name: name ?? "\(self.name) (\(pruning))",
                             requantization: "\(format.rawValue), \(pruning)")
    }
}
