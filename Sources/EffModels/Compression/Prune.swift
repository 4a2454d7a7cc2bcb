import EffKernels
/// Pruning: new models with weights (or whole neurons) removed by magnitude.
extension Model {
    /// A copy with weights removed.
    ///
    /// - `unstructured`: in each dense layer, the `sparsity` fraction of weights with the smallest |w| become 0.
    /// - `2:4`: in every group of four consecutive weights of a row, the two smallest become 0 (`sparsity` must
    ///   be 0.5); rows whose length is not a multiple of 4 keep the larger half of their last group.
    ///   (Both selections are `MagnitudePruning`'s, shared with `LanguageModel.pruned`.)
    /// - `neurons`: in each hidden dense layer, the `sparsity` fraction of output neurons with the smallest
    ///   ‖incoming row‖·‖outgoing column‖ are deleted, with the matching inputs of the next dense layer; the
    ///   model gets smaller. At least one neuron stays; a layernorm between the two layers is refused.
    ///
    /// Pruned weights stay zero when the model is trained further (the mask is kept).
    public func pruned(sparsity: Double, structure: SparsityStructure = .unstructured) throws -> Model {
        if let problem = MagnitudePruning.problem(sparsity: sparsity, structure: structure) { throw ModelsError(.model, "prune: " + problem) }
        var copy = self
        copy.name = "\(name).pruned"
        switch structure {
        case .unstructured:
            for (index, dense) in denseLayers {
                let keep = dense.weights.withUnsafeBufferPointer { MagnitudePruning.unstructured($0, sparsity: sparsity) }
                copy.replaceDense(at: index, with: dense.applyingMask(dense.keeping(keep), structure: .unstructured))
            }
        case .twoOfFour:
            for (index, dense) in denseLayers {
                let keep = dense.weights.withUnsafeBufferPointer {
                    MagnitudePruning.twoOfFour($0, rows: dense.outputCount, columns: dense.inputCount)
                }
                copy.replaceDense(at: index, with: dense.applyingMask(dense.keeping(keep), structure: .twoOfFour))
            }
        case .neurons:
            copy = try removingNeurons(fraction: sparsity)
            copy.name = "\(name).pruned"
        }
        return copy
    }

    /// Deletes the weakest hidden neurons of each dense layer that feeds another dense layer.
    private func removingNeurons(fraction: Double) throws -> Model {
        var layers = self.layers
        let denseIndices = denseLayers.map(\.index)
        for (position, layerIndex) in denseIndices.dropLast().enumerated() {
            let nextIndex = denseIndices[position + 1]
            // A layer with per-feature parameters in between (a normalization) would see other statistics.
            if let between = layers[(layerIndex + 1)..<nextIndex].first(where: { $0.parameterCount > 0 }) {
                throw ModelsError(.model, "prune neurons: layer \(layerIndex) feeds a \(type(of: between).kind.name); removing "
                    + "neurons would change its statistics (prune unstructured or 2:4 instead)")
            }
            guard let current = layers[layerIndex] as? DenseLayer, let next = layers[nextIndex] as? DenseLayer else { continue }
            let scores: [Double] = (0..<current.outputCount).map { neuron in
                var incoming = 0.0, outgoing = 0.0
                for column in 0..<current.inputCount {
                    let w = Double(current.weights[neuron * current.inputCount + column]); incoming += w * w
                }
                for row in 0..<next.outputCount {
                    let w = Double(next.weights[row * next.inputCount + neuron]); outgoing += w * w
                }
                return (incoming * outgoing).squareRoot()
            }
            let removeCount = min(Int((fraction * Double(current.outputCount)).rounded(.down)), current.outputCount - 1)
            let removed = Set(scores.indices.sorted { (scores[$0], $0) < (scores[$1], $1) }.prefix(removeCount))
            let kept = (0..<current.outputCount).filter { !removed.contains($0) }
            var shrunk = try DenseLayer(inputCount: current.inputCount, outputCount: kept.count,
                                        weights: kept.flatMap { current.weights[($0 * current.inputCount)..<(($0 + 1) * current.inputCount)] },
                                        bias: current.bias.map { bias in kept.map { bias[$0] } }, activation: current.activation)
            shrunk.format = current.format
            if let mask = current.mask {
                shrunk.mask = kept.flatMap { mask[($0 * current.inputCount)..<(($0 + 1) * current.inputCount)] }
            }
            var narrowed = try DenseLayer(inputCount: kept.count, outputCount: next.outputCount,
                                          weights: (0..<next.outputCount).flatMap { row in kept.map { next.weights[row * next.inputCount + $0] } },
                                          bias: next.bias, activation: next.activation)
            narrowed.format = next.format
            if let mask = next.mask {
                narrowed.mask = (0..<next.outputCount).flatMap { row in kept.map { mask[row * next.inputCount + $0] } }
            }
            layers[layerIndex] = shrunk
            layers[nextIndex] = narrowed
        }
        var model = try Model(name: name, inputCount: inputCount, layers: layers, classNames: classNames)
        model.name = name
        return model
    }
}

extension DenseLayer {
    /// The layer's mask (all kept when it has none) with the weights `keep` leaves out removed too.
    func keeping(_ keep: [Bool]) -> [Bool] {
        guard let mask else { return keep }
        return zip(mask, keep).map { $0 && $1 }
    }

    /// The layer with weights outside `mask` set to zero and the mask kept for further training. An f32 layer
    /// moves to the matching sparse kernel format (CSR, or 2:4); a quantized layer keeps its format.
    func applyingMask(_ mask: [Bool], structure: SparsityStructure) -> DenseLayer {
        var copy = self
        for position in copy.weights.indices where !mask[position] { copy.weights[position] = 0 }
        copy.mask = mask
        if format == .f32 || format.isSparse {
            copy.format = structure == .twoOfFour ? .sparse2of4 : .sparseCSR
        }
        return copy
    }
}
