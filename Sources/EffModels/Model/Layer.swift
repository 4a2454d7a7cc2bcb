import EffKernels
import Foundation

/// An element-wise activation applied after a dense layer.
public enum Activation: String, CaseIterable, Sendable, Codable {
    case relu, gelu, tanh, sigmoid, none

    /// Applies the activation in place. // values: any shape
    func apply(_ values: inout [Float]) {
        switch self {
        case .none: return
        case .relu: for index in values.indices where values[index] < 0 { values[index] = 0 }
        case .gelu: for index in values.indices { values[index] = Activation.gelu(values[index]) }
        case .tanh: for index in values.indices { values[index] = Foundation.tanh(values[index]) }
        case .sigmoid: for index in values.indices { values[index] = 1 / (1 + exp(-values[index])) }
        }
    }

    /// Multiplies `gradient` by the activation's derivative, given pre-activations `inputs` and `outputs`.
    func backpropagate(_ gradient: inout [Float], inputs: [Float], outputs: [Float]) {
        switch self {
        case .none: return
        case .relu: for index in gradient.indices where inputs[index] <= 0 { gradient[index] = 0 }
        case .gelu:
            for index in gradient.indices {
                let z = inputs[index]
                let cdf = 0.5 * (1 + erf(z * 0.70710678))
                let pdf = exp(-0.5 * z * z) * 0.39894228
                gradient[index] *= cdf + z * pdf
            }
        case .tanh: for index in gradient.indices { gradient[index] *= 1 - outputs[index] * outputs[index] }
        case .sigmoid: for index in gradient.indices { gradient[index] *= outputs[index] * (1 - outputs[index]) }
        }
    }

    /// Exact GELU, x·Φ(x) (as PyTorch's default `nn.GELU()`).
    static func gelu(_ x: Float) -> Float { 0.5 * x * (1 + erf(x * 0.70710678)) }
}

/// One entry of a model description, before weights exist.
public enum LayerSpec: Sendable, Equatable {
    /// A fully connected layer with `units` outputs followed by `activation`.
    case dense(units: Int, activation: Activation)
    /// Layer normalization over the features, with learnable gain and shift.
    case layerNorm
    /// Inverted dropout with drop probability `rate` while training; identity at inference.
    case dropout(rate: Double)
}

/// A fully connected layer: y = activation(x·Wᵀ + b), weights in PyTorch `nn.Linear` layout.
public struct DenseLayer: Sendable, Equatable {
    /// Number of inputs (columns of `weights`).
    public let inputCount: Int
    /// Number of outputs (rows of `weights`).
    public let outputCount: Int
    /// The effective weights (for quantized formats: the dequantized values the kernel computes with).
    /// // (outputCount, inputCount) row-major
    public internal(set) var weights: [Float] { didSet { packed = PackedWeights() } }
    /// The bias, or nil for a layer without one. // (outputCount)
    public internal(set) var bias: [Float]?
    /// The activation applied to the outputs.
    public var activation: Activation
    /// The format the weights are stored and computed in (the kernels' list; pruned f32 layers become
    /// `sparseCSR` or `sparse2of4`).
    public internal(set) var format: WeightFormat { didSet { packed = PackedWeights() } }
    /// Weights kept at zero by pruning (true = kept); nil when the layer is dense. // (outputCount, inputCount)
    public internal(set) var mask: [Bool]?
    /// The weights packed in `format` for the kernels, built on first use and shared by copies.
    var packed = PackedWeights()

    /// Creates a layer from explicit values, checking shapes.
    public init(inputCount: Int, outputCount: Int, weights: [Float], bias: [Float]?,
                activation: Activation = .none) throws {
        guard inputCount > 0, outputCount > 0 else {
            throw ModelsError(.model, "dense layer needs positive sizes, got \(outputCount)×\(inputCount)")
        }
        let (expected, overflow) = inputCount.multipliedReportingOverflow(by: outputCount)
        guard !overflow, weights.count == expected else {
            throw ModelsError(.model, "dense layer \(outputCount)×\(inputCount) needs "
                + (overflow ? "more weights than can be addressed" : "\(expected) weights") + ", got \(weights.count)")
        }
        if let bias, bias.count != outputCount {
            throw ModelsError(.model, "dense layer with \(outputCount) outputs got a bias of \(bias.count)")
        }
        self.inputCount = inputCount
        self.outputCount = outputCount
        self.weights = weights
        self.bias = bias
        self.activation = activation
        self.format = .f32
        self.mask = nil
    }

    /// Number of learnable values (weights and bias).
    public var parameterCount: Int { weights.count + (bias?.count ?? 0) }

    /// Number of weights that are not zero.
    public var nonzeroWeightCount: Int { weights.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } }

    public static func == (lhs: DenseLayer, rhs: DenseLayer) -> Bool {
        lhs.inputCount == rhs.inputCount && lhs.outputCount == rhs.outputCount && lhs.weights == rhs.weights
            && lhs.bias == rhs.bias && lhs.activation == rhs.activation && lhs.format == rhs.format && lhs.mask == rhs.mask
    }
}

/// Layer normalization: y = gain·(x − mean)/√(variance + epsilon) + shift, per example over the features.
public struct LayerNormLayer: Sendable, Equatable {
    /// Learnable scale. // (featureCount)
    public internal(set) var gain: [Float]
    /// Learnable offset. // (featureCount)
    public internal(set) var shift: [Float]
    /// Added to the variance for stability (PyTorch's default 1e-5).
    public let epsilon: Float

    /// A layer normalization with gain 1 and shift 0 (or the given values).
    public init(featureCount: Int, gain: [Float]? = nil, shift: [Float]? = nil, epsilon: Float = 1e-5) throws {
        guard featureCount > 0, featureCount <= Model.maximumWidth else {
            throw ModelsError(.model, "layernorm width must be in 1…\(Model.maximumWidth), got \(featureCount)")
        }
        let gain = gain ?? [Float](repeating: 1, count: featureCount)
        let shift = shift ?? [Float](repeating: 0, count: featureCount)
        guard gain.count == featureCount, shift.count == featureCount else {
            throw ModelsError(.model, "layernorm of width \(featureCount) got gain \(gain.count), shift \(shift.count)")
        }
        self.gain = gain
        self.shift = shift
        self.epsilon = epsilon
    }

    /// Number of features normalized.
    public var featureCount: Int { gain.count }
}

/// One layer of a model, with its values.
public enum Layer: Sendable, Equatable {
    case dense(DenseLayer)
    case layerNorm(LayerNormLayer)
    case dropout(rate: Double)

    /// Number of learnable values.
    public var parameterCount: Int {
        switch self {
        case .dense(let dense): return dense.parameterCount
        case .layerNorm(let norm): return 2 * norm.featureCount
        case .dropout: return 0
        }
    }

    /// A short description, e.g. `dense 64→128 relu` or `layernorm 128`.
    public var summary: String {
        switch self {
        case .dense(let dense):
            let activation = dense.activation == .none ? "" : " \(dense.activation.rawValue)"
            return "dense \(dense.inputCount)→\(dense.outputCount)\(activation)"
        case .layerNorm(let norm): return "layernorm \(norm.featureCount)"
        case .dropout(let rate): return "dropout \(rate)"
        }
    }
}

/// How a pruned layer's zeros are arranged.
public enum SparsityStructure: String, CaseIterable, Sendable {
    /// Any weights may be zero (smallest magnitudes removed).
    case unstructured
    /// Two of every four consecutive weights in a row are zero (NVIDIA 2:4).
    case twoOfFour = "2:4"
    /// Whole hidden neurons removed (the model gets smaller, no zeros remain).
    case neurons
}
