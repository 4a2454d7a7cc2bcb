import EffKernels

/// RMS normalization: y = gain·x/√(mean(x²) + epsilon), per example over the features (PyTorch `nn.RMSNorm`,
/// weight = gain; the norm of LLaMA-style language models). No mean subtraction and no shift.
public struct RMSNormLayer: Layer, Equatable {
    /// Learnable scale. // (featureCount)
    public internal(set) var gain: [Float]
    /// Added to the mean square for stability.
    public let epsilon: Float

    public static let kind = LayerKind(
        name: "rmsnorm", fields: [.init("epsilon", default: .number(Double(Float(1e-5))), help: "added to the mean square")],
        help: "RMS normalization over the features with a learnable gain (PyTorch nn.RMSNorm, as in LLaMA).",
        example: "{kind: \"rmsnorm\"}",
        make: { arguments, width, _ in
            guard case .number(let epsilon)? = arguments.value("epsilon"), epsilon > 0, epsilon < 1 else {
                throw ModelsError(.model, "rmsnorm needs 'epsilon', a number in (0, 1)")
            }
            return try RMSNormLayer(featureCount: width, epsilon: Float(epsilon))
        },
        read: { words, width in
            guard words.count == 1, let epsilon = Float(words[0]) else { return nil }
            return try RMSNormLayer(featureCount: width, epsilon: epsilon)
        })

    /// An RMS normalization with gain 1 (or the given values).
    public init(featureCount: Int, gain: [Float]? = nil, epsilon: Float = 1e-5) throws {
        guard featureCount > 0, featureCount <= Model.maximumWidth else {
            throw ModelsError(.model, "rmsnorm width must be in 1…\(Model.maximumWidth), got \(featureCount)")
        }
        let gain = gain ?? [Float](repeating: 1, count: featureCount)
        guard gain.count == featureCount else {
            throw ModelsError(.model, "rmsnorm of width \(featureCount) got a gain of \(gain.count)")
        }
        self.gain = gain
        self.epsilon = epsilon
    }

    /// Number of features normalized.
    public var featureCount: Int { gain.count }

    public var parameterCount: Int { featureCount }

    /// `rmsnorm 128`
    public var description: String { "rmsnorm \(featureCount)" }

    public func outputWidth(inputWidth: Int) -> Int { inputWidth }

    public func mismatch(inputWidth: Int) -> String? {
        featureCount == inputWidth ? nil : ": rmsnorm of \(featureCount) features after a layer of width \(inputWidth)"
    }

    public var spec: LayerSpec { .rmsNorm(epsilon: epsilon) }

    /// The `Elementwise.rmsNorm` kernel. // input (batch, featureCount) → same
    public func callAsFunction(_ input: [Float], batch: Int) throws -> [Float] {
        var values = input
        try values.withUnsafeMutableBufferPointer { x in
            try gain.withUnsafeBufferPointer { g in
                _ = try Elementwise.rmsNorm(x, rowLength: featureCount, gain: g, epsilon: epsilon)
            }
        }
        return values
    }

    /// The same operations as the kernel, keeping x̂ = x/rms and 1/rms for backward; rows split across threads
    /// (each row's operations as on one thread).
    /// saved: [x̂ (batch, features), 1/√(mean(x²) + ε) per example (batch)].
    public func trainingForward(_ input: [Float], batch: Int, context: inout TrainingContext) throws
        -> (output: [Float], saved: [[Float]]) {
        let width = featureCount, epsilon = self.epsilon
        let count = batch * width
        var inverse = [Float](repeating: 0, count: batch)       // (batch)
        // Both written below before they are read.
        var xHat = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }    // (batch, features)
        var values = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }  // (batch, features)
        values.withUnsafeMutableBufferPointer { valuesBuffer in
            xHat.withUnsafeMutableBufferPointer { xHatBuffer in
                inverse.withUnsafeMutableBufferPointer { inverseBuffer in
                    input.withUnsafeBufferPointer { inputBuffer in
                        gain.withUnsafeBufferPointer { gainBuffer in
                            let x = inputBuffer.baseAddress!, gain = gainBuffer.baseAddress!
                            let hat = xHatBuffer.baseAddress!, out = valuesBuffer.baseAddress!, inv = inverseBuffer.baseAddress!
                            KernelThreads.forEachChunk(total: batch, granularity: 16) { rows in
                                for row in rows {
                                    let base = row * width
                                    var squares: Float = 0
                                    for column in 0..<width { squares += x[base + column] * x[base + column] }
                                    let rowInverse = 1 / (squares / Float(width) + epsilon).squareRoot()
                                    inv[row] = rowInverse
                                    for column in 0..<width {
                                        hat[base + column] = x[base + column] * rowInverse
                                        out[base + column] = hat[base + column] * gain[column]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (values, [xHat, inverse])
    }

    /// With ĝ = dy·gain: dx = (1/rms)·(ĝ − x̂·mean(ĝ·x̂)); dgain = Σ dy·x̂. The input gradient is split across
    /// threads by rows, the gain gradient by features (each feature summed over the rows in order), so every value
    /// is what one thread computes.
    public func backward(_ gradient: [Float], input: [Float], saved: [[Float]], batch: Int, needsInputGradient: Bool)
        -> (input: [Float], parameters: [[Float]]) {
        let width = featureCount
        let xHat = saved[0], inverse = saved[1]
        var gainGradient = [Float](repeating: 0, count: width)  // (features)
        var inputGradient = [Float](unsafeUninitializedCapacity: batch * width) { _, initialized in initialized = batch * width }
        gradient.withUnsafeBufferPointer { gradientBuffer in
            xHat.withUnsafeBufferPointer { xHatBuffer in
                inverse.withUnsafeBufferPointer { inverseBuffer in
                    gain.withUnsafeBufferPointer { gainBuffer in
                        inputGradient.withUnsafeMutableBufferPointer { inputBuffer in
                            gainGradient.withUnsafeMutableBufferPointer { gainGradientBuffer in
                                let dy = gradientBuffer.baseAddress!, hat = xHatBuffer.baseAddress!
                                let inv = inverseBuffer.baseAddress!, gain = gainBuffer.baseAddress!
                                let dx = inputBuffer.baseAddress!, dGain = gainGradientBuffer.baseAddress!
                                KernelThreads.forEachChunk(total: batch, granularity: 16) { rows in
                                    for row in rows {
                                        let base = row * width
                                        var meanGradientTimesXHat: Float = 0
                                        for column in 0..<width { meanGradientTimesXHat += dy[base + column] * gain[column] * hat[base + column] }
                                        meanGradientTimesXHat /= Float(width)
                                        for column in 0..<width {
                                            let gHat = dy[base + column] * gain[column]
                                            dx[base + column] = inv[row] * (gHat - hat[base + column] * meanGradientTimesXHat)
                                        }
                                    }
                                }
                                KernelThreads.forEachChunk(total: width, granularity: 16) { columns in
                                    for row in 0..<batch {
                                        let base = row * width
                                        for column in columns { dGain[column] += dy[base + column] * hat[base + column] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (inputGradient, [gainGradient])
    }

    /// The gain; no weight decay.
    public var parameters: [[Float]] { [gain] }
    public var decaysParameters: [Bool] { [false] }
    public mutating func setParameters(_ values: [[Float]]) { gain = values[0] }

    /// The work `Elementwise.rmsNorm` reports for `batch` examples (per feature a multiply-add for the sum of
    /// squares and two multiplies; per example three divides and an add), plus reading the gain once.
    public func work(batch: Int = 1) -> Work {
        let examples = UInt64(max(batch, 0)), width = UInt64(featureCount)
        var work = Work()
        work.add(.f32MultiplyAdd, width * examples)  // sum of squares
        work.add(.f32Multiply, 2 * width * examples) // × 1/rms, × gain
        work.add(.f32Divide, 3 * examples)           // mean, √, reciprocal
        work.add(.f32Add, examples)                  // + ε
        work.activationBytesRead = width * 4 * examples + 4 * width
        work.activationBytesWritten = width * 4 * examples
        return work
    }

    public var weightInfo: (shape: [Int], format: WeightFormat, nonzero: Double)? { ([featureCount], .f32, 1) }

    /// `weight` = gain (PyTorch's name); no bias.
    public var tensors: [LayerTensor] { [LayerTensor(suffix: "weight", shape: [featureCount], values: gain)] }

    public var metadataWords: [String] { ["\(epsilon)"] }

    public func loading(weight: NamedTensor, bias: NamedTensor?, prefix: String, layerIndex: Int,
                        file: String) throws -> RMSNormLayer {
        guard bias == nil else { throw ModelsError(.weightFile, "\(file): rmsnorm '\(prefix)' has a bias tensor; it has none") }
        var copy = self
        copy.gain = try Model.checked(weight, shape: [featureCount], file: file).values
        return copy
    }
}

extension LayerSpec {
    /// RMS normalization over the features with a learnable gain.
    public static let rmsNorm = LayerSpec.rmsNorm(epsilon: 1e-5)

    /// RMS normalization with its own epsilon.
    public static func rmsNorm(epsilon: Float) -> LayerSpec {
        LayerSpec(kind: RMSNormLayer.kind.name, arguments: ["epsilon": .number(Double(epsilon))])
    }
}
