import EffKernels

/// A table-like description of a model: per-layer shapes, parameters, storage and work per inference.
public struct ModelSummary: Sendable, Equatable {
    /// One layer's row.
    public struct Row: Sendable, Equatable {
        /// Position in `Model.layers`.
        public let index: Int
        /// The layer kind's name (`LayerKind.name`).
        public let kind: String
        /// Input and output widths.
        public let inputs: Int, outputs: Int
        /// The activation after a dense layer ("none" otherwise).
        public let activation: String
        /// Weight format of a layer with quantizable weights (nil for other layers).
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
        let works = layerWork(batch: 1)
        let rows = zip(layers, layerInputWidths).enumerated().map { index, entry in
            entry.0.summaryRow(index: index, inputWidth: entry.1, work: works[index])
        }
        // Everything but the dense weights stays as it is whatever the format: other layers' bytes and biases.
        let otherBytes = rows.filter { $0.format == nil }.reduce(0) { $0 + $1.bytes }
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
