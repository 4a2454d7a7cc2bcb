import EffKernels
/// Post-training quantization: new models whose dense weights are rounded to a smaller format.
extension Model {
    /// A copy of this model with every dense layer's weights rounded to `format` (post-training, per-row or
    /// per-block scales: the kernels' quantizer, see `WeightFormat`). Layernorm and biases stay f32; layers already
    /// in `format` are kept as they are.
    public func quantized(_ format: WeightFormat) throws -> Model {
        var copy = try quantizedWeights(format)
        copy.name = "\(name).\(format.rawValue)"
        return copy
    }

    /// The same model with dense weights rounded to `format` (name kept; used by QAT at the end of training).
    func quantizedWeights(_ format: WeightFormat) throws -> Model {
        var copy = self
        for (index, dense) in denseLayers where dense.format != format {
            // A layer already in `format` keeps its values: re-deriving absmean scales from rounded weights
            // would move them.
            var rounded = dense
            rounded.weights = try format.roundTrip(dense.weights, rows: dense.outputCount, columns: dense.inputCount)
            if let mask = dense.mask {
                for position in rounded.weights.indices where !mask[position] { rounded.weights[position] = 0 }
            }
            rounded.format = format
            copy.replaceDense(at: index, with: rounded)
        }
        return copy
    }
}
