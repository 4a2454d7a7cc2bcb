import EffKernels

/// Layer normalization: y = gain·(x − mean)/√(variance + epsilon) + shift, per example over the features
/// (PyTorch `nn.LayerNorm`: weight = gain, bias = shift).
public struct LayerNormLayer: Layer, Equatable {
    /// Learnable scale. // (featureCount)
    public internal(set) var gain: [Float]
    /// Learnable offset. // (featureCount)
    public internal(set) var shift: [Float]
    /// Added to the variance for stability (PyTorch's default 1e-5).
    public let epsilon: Float

    public static let kind = LayerKind(
        name: "layernorm", fields: [],
        help: "Layer normalization over the features, with learnable gain and shift (PyTorch nn.LayerNorm).",
        example: "{kind: \"layernorm\"}",
        make: { _, width, _ in try LayerNormLayer(featureCount: width) },
        read: { words, width in
            guard words.count == 1, let epsilon = Float(words[0]) else { return nil }
            return try LayerNormLayer(featureCount: width, epsilon: epsilon)
        })

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

    public var parameterCount: Int { 2 * featureCount }

    /// `layernorm 128`
    public var description: String { "layernorm \(featureCount)" }

    public func outputWidth(inputWidth: Int) -> Int { inputWidth }

    public func mismatch(inputWidth: Int) -> String? {
        featureCount == inputWidth ? nil : ": layernorm of \(featureCount) features after a layer of width \(inputWidth)"
    }

    public var spec: LayerSpec { .layerNorm }

    /// The `Elementwise.layerNorm` kernel. // input (batch, featureCount) → same
    public func callAsFunction(_ input: [Float], batch: Int) throws -> [Float] {
        var values = input
        try values.withUnsafeMutableBufferPointer { x in
            try gain.withUnsafeBufferPointer { g in
                try shift.withUnsafeBufferPointer { b in
                    _ = try Elementwise.layerNorm(x, rowLength: featureCount, gain: g, bias: b, epsilon: epsilon)
                }
            }
        }
        return values
    }

    /// saved: [normalized inputs x̂ (batch, features), 1/√(variance + ε) per example (batch)].
    public func trainingForward(_ input: [Float], batch: Int, context: inout TrainingContext) throws
        -> (output: [Float], saved: [[Float]]) {
        let width = featureCount
        var values = input
        var xHat = values
        var inverse = [Float](repeating: 0, count: batch)
        for row in 0..<batch {
            let range = (row * width)..<((row + 1) * width)
            var mean: Float = 0
            for index in range { mean += values[index] }
            mean /= Float(width)
            var variance: Float = 0
            for index in range { variance += (values[index] - mean) * (values[index] - mean) }
            variance /= Float(width)
            let inv = 1 / (variance + epsilon).squareRoot()
            inverse[row] = inv
            for index in range {
                let column = index - row * width
                xHat[index] = (values[index] - mean) * inv
                values[index] = xHat[index] * gain[column] + shift[column]
            }
        }
        return (values, [xHat, inverse])
    }

    public func backward(_ gradient: [Float], input: [Float], saved: [[Float]], batch: Int, needsInputGradient: Bool)
        -> (input: [Float], parameters: [[Float]]) {
        let width = featureCount
        let xHat = saved[0], inverse = saved[1]
        var gainGradient = [Float](repeating: 0, count: width)
        var shiftGradient = [Float](repeating: 0, count: width)
        var inputGradient = gradient
        for row in 0..<batch {
            let base = row * width
            var meanGradient: Float = 0
            var meanGradientTimesXHat: Float = 0
            for column in 0..<width {
                let g = gradient[base + column]
                gainGradient[column] += g * xHat[base + column]
                shiftGradient[column] += g
                let gHat = g * gain[column]
                meanGradient += gHat
                meanGradientTimesXHat += gHat * xHat[base + column]
            }
            meanGradient /= Float(width)
            meanGradientTimesXHat /= Float(width)
            for column in 0..<width {
                let gHat = gradient[base + column] * gain[column]
                inputGradient[base + column] = inverse[row]
                    * (gHat - meanGradient - xHat[base + column] * meanGradientTimesXHat)
            }
        }
        return (inputGradient, [gainGradient, shiftGradient])
    }

    /// Gain, then shift; no weight decay on either.
    public var parameters: [[Float]] { [gain, shift] }
    public var decaysParameters: [Bool] { [false, false] }
    public mutating func setParameters(_ values: [[Float]]) {
        gain = values[0]
        shift = values[1]
    }

    /// The work of normalizing `batch` examples: mean, variance, 1/√, scale and shift per feature.
    public func work(batch: Int = 1) -> Work {
        let examples = UInt64(max(batch, 0)), width = UInt64(featureCount)
        var work = Work()
        work.add(.f32Add, 3 * width * examples)          // sum for the mean, x − mean, + shift
        work.add(.f32MultiplyAdd, width * examples)      // sum of squares
        work.add(.f32Multiply, 2 * width * examples)     // × 1/σ, × gain
        work.add(.f32Divide, 2 * examples)               // √ and 1/σ
        work.activationBytesRead = width * 4 * examples + 8 * width
        work.activationBytesWritten = width * 4 * examples
        return work
    }

    public var weightInfo: (shape: [Int], format: WeightFormat, nonzero: Double)? { ([featureCount], .f32, 1) }

    /// `weight` = gain, `bias` = shift (PyTorch names).
    public var tensors: [LayerTensor] {
        [LayerTensor(suffix: "weight", shape: [featureCount], values: gain),
         LayerTensor(suffix: "bias", shape: [featureCount], values: shift)]
    }

    public var metadataWords: [String] { ["\(epsilon)"] }

    public func loading(weight: NamedTensor, bias: NamedTensor?, prefix: String, layerIndex: Int,
                        file: String) throws -> LayerNormLayer {
        var copy = self
        copy.gain = try Model.checked(weight, shape: [featureCount], file: file).values
        guard let bias else {
            throw ModelsError(.weightFile, "\(file): layernorm '\(prefix)' has no bias tensor")
        }
        copy.shift = try Model.checked(bias, shape: [featureCount], file: file).values
        return copy
    }
}

extension LayerSpec {
    /// Layer normalization over the features, with learnable gain and shift.
    public static let layerNorm = LayerSpec(kind: LayerNormLayer.kind.name)
}
