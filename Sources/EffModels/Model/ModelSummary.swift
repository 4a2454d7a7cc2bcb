import EffKernels

/// A table-like description of a model: per-layer shapes, parameters, storage and work per inference.
public struct ModelSummary: Sendable, Equatable {
    /// One layer's row.
    public struct Row: Sendable, Equatable {
        /// Position in `Model.layers`.
        public let index: Int
        /// `dense`, `layernorm` or `dropout`.
        public let kind: String
        /// Input and output widths.
        public let inputs: Int, outputs: Int
        /// The activation after a dense layer ("none" otherwise).
        public let activation: String
        /// Weight format of a dense layer (nil for other layers).
        public let format: WeightFormat?
        /// Learnable values.
        public let parameters: Int
        /// Weights that are not zero (parameters for non-dense layers).
        public let nonzeroParameters: Int
        /// Bytes to store the layer in its format (weights + scales; biases and layernorm in f32). // bytes
        public let bytes: Int
        /// Arithmetic and memory traffic for one example (the kernels' counts).
        public let work: Work
    }

    /// The layers, in order.
    public let rows: [Row]
    /// Learnable values in the whole model.
    public let parameters: Int
    /// Bytes to store the model as it is. // bytes
    public let bytes: Int
    /// Bytes to store the model if every dense layer were in each format (biases and layernorm in f32; CSR for
    /// the current nonzero weights). // bytes
    public let bytesByFormat: [(format: WeightFormat, bytes: Int)]
    /// Arithmetic and memory traffic for one example through the whole model.
    public let work: Work

    public static func == (lhs: ModelSummary, rhs: ModelSummary) -> Bool {
        lhs.rows == rhs.rows && lhs.parameters == rhs.parameters && lhs.bytes == rhs.bytes
            && lhs.work == rhs.work
            && lhs.bytesByFormat.map(\.format) == rhs.bytesByFormat.map(\.format)
            && lhs.bytesByFormat.map(\.bytes) == rhs.bytesByFormat.map(\.bytes)
    }
}

extension Model {
    /// The model's summary table.
    public var summary: ModelSummary {
        var rows: [ModelSummary.Row] = []
        var width = inputCount
        let works = layerWork(batch: 1)
        for (index, layer) in layers.enumerated() {
            switch layer {
            case .dense(let dense):
                let biasBytes = (dense.bias?.count ?? 0) * 4
                rows.append(.init(index: index, kind: "dense", inputs: dense.inputCount, outputs: dense.outputCount,
                                  activation: dense.activation.rawValue, format: dense.format, parameters: dense.parameterCount,
                                  nonzeroParameters: dense.nonzeroWeightCount + (dense.bias?.count ?? 0),
                                  bytes: dense.weightBytes + biasBytes,
                                  work: works[index]))
                width = dense.outputCount
            case .layerNorm(let norm):
                rows.append(.init(index: index, kind: "layernorm", inputs: width, outputs: width, activation: "none",
                                  format: nil, parameters: 2 * norm.featureCount, nonzeroParameters: 2 * norm.featureCount,
                                  bytes: 8 * norm.featureCount, work: works[index]))
            case .dropout:
                rows.append(.init(index: index, kind: "dropout", inputs: width, outputs: width, activation: "none",
                                  format: nil, parameters: 0, nonzeroParameters: 0, bytes: 0, work: works[index]))
            }
        }
        let otherBytes = rows.filter { $0.kind != "dense" }.reduce(0) { $0 + $1.bytes }
            + denseLayers.reduce(0) { $0 + ($1.layer.bias?.count ?? 0) * 4 }
        let byFormat = WeightFormat.allCases.map { format in
            (format, otherBytes + denseLayers.reduce(0) {
                $0 + format.storageBytes(rows: $1.layer.outputCount, columns: $1.layer.inputCount,
                                         nonzeros: $1.layer.nonzeroWeightCount)
            })
        }
        return ModelSummary(rows: rows, parameters: parameterCount, bytes: rows.reduce(0) { $0 + $1.bytes },
                            bytesByFormat: byFormat, work: works.reduce(Work(), +))
    }
}
