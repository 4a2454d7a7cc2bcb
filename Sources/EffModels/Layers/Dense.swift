import EffKernels
import Foundation

/// A fully connected layer: y = activation(x·Wᵀ + b), weights in PyTorch `nn.Linear` layout.
///
/// Inference runs the weight format's kernel (`Kernels.matrixMatrix` on the packed weights, then the activation
/// from `Elementwise`); training keeps its own single-threaded f32 loops (Training/LinearAlgebra.swift).
public struct DenseLayer: Layer, Equatable {
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

    public static let kind = LayerKind(
        name: "dense",
        fields: [.init("units", help: "number of outputs"),
                 .init("activation", default: .name(Activation.none.rawValue),
                       help: Activation.allCases.map(\.rawValue).joined(separator: ", "))],
        help: "A fully connected layer: y = activation(x·Wᵀ + b), weights (units, inputs) as PyTorch nn.Linear.",
        example: "{kind: \"dense\", units: 10}",
        make: { arguments, width, random in
            guard case .number(let number)? = arguments.value("units"), number == number.rounded(), abs(number) < 9e15 else {
                throw ModelsError(.model, "dense needs 'units', a whole number in 1…\(Model.maximumWidth)")
            }
            let units = Int(number)
            guard units > 0, units <= Model.maximumWidth else {
                throw ModelsError(.model, "dense width must be in 1…\(Model.maximumWidth), got \(units)")
            }
            let activation = try arguments.name("activation", example: Activation.relu.rawValue).map(Activation.named) ?? .none
            let (count, overflow) = width.multipliedReportingOverflow(by: units)
            guard !overflow, count <= Model.maximumLayerWeights else {
                throw ModelsError(.model, "\(width)×\(units) weights is too large")
            }
            // Uniform in ±√(6/inputs) (He) before relu/gelu, ±√(6/(inputs+outputs)) (Glorot) otherwise; zero bias.
            let fanSum = activation == .relu || activation == .gelu ? width : width + units
            let bound = (6 / Float(fanSum)).squareRoot()
            let weights = (0..<count).map { _ in (random.nextFloat() * 2 - 1) * bound }
            return try DenseLayer(inputCount: width, outputCount: units, weights: weights,
                                  bias: [Float](repeating: 0, count: units), activation: activation)
        },
        read: { words, width in
            guard words.count >= 2, let units = Int(words[0]), units > 0, units <= Model.maximumWidth,
                  let activation = Activation(rawValue: words[1]), width * units <= Model.maximumLayerWeights else { return nil }
            let hasBias = !(words.count > 2 && words[2] == "nobias")
            return try DenseLayer(inputCount: width, outputCount: units, weights: [Float](repeating: 0, count: width * units),
                                  bias: hasBias ? [Float](repeating: 0, count: units) : nil, activation: activation)
        })

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

    /// `dense 64→128 relu`
    public var description: String {
        "dense \(inputCount)→\(outputCount)" + (activation == .none ? "" : " \(activation.rawValue)")
    }

    public func outputWidth(inputWidth: Int) -> Int { outputCount }

    public func mismatch(inputWidth: Int) -> String? {
        inputCount == inputWidth ? nil : " (\(description)): expects \(inputCount) inputs but receives \(inputWidth)"
    }

    public var spec: LayerSpec { .dense(units: outputCount, activation: activation) }

    // MARK: Inference

    /// activation(input·Wᵀ + b) on the kernels, in the layer's format. // input (batch, inputCount) → (batch, outputCount)
    public func callAsFunction(_ input: [Float], batch: Int) throws -> [Float] {
        let matrix = try packed.matrix(for: self)
        var output = [Float](repeating: 0, count: batch * outputCount)  // (batch, outputCount)
        do {
            try input.withUnsafeBufferPointer { x in
                try output.withUnsafeMutableBufferPointer { y in
                    if let bias {
                        try bias.withUnsafeBufferPointer { b in _ = try Kernels.matrixMatrix(matrix, x, batch: batch, bias: b, into: y) }
                    } else {
                        _ = try Kernels.matrixMatrix(matrix, x, batch: batch, into: y)
                    }
                }
            }
        } catch let error as KernelError {
            throw ModelsError(.model, "dense layer \(outputCount)×\(inputCount) (\(format.rawValue)): \(error.description)")
        }
        output.withUnsafeMutableBufferPointer { values in
            switch activation {
            case .none: break
            case .relu: Elementwise.relu(values)
            case .gelu: Elementwise.gelu(values)
            case .tanh: Elementwise.tanh(values)
            case .sigmoid: Elementwise.sigmoid(values)
            }
        }
        return output
    }

    // MARK: Training

    /// saved: [pre-activations z = x·Wᵀ + b (batch, outputs), the weights used (rounded to the QAT format)].
    public func trainingForward(_ input: [Float], batch: Int, context: inout TrainingContext) throws
        -> (output: [Float], saved: [[Float]]) {
        let used = try context.quantizedFormat.map {
            try $0.roundTrip(weights, rows: outputCount, columns: inputCount)
        } ?? weights
        let z = matrixMultiplyTransposed(input: input, weights: used, bias: bias, batch: batch,
                                         inputs: inputCount, outputs: outputCount)
        var values = z
        activation.apply(&values)
        return (values, [z, used])
    }

    public func backward(_ gradient: [Float], input: [Float], saved: [[Float]], batch: Int, needsInputGradient: Bool)
        -> (input: [Float], parameters: [[Float]]) {
        var gradient = gradient
        let z = saved[0]
        var outputs: [Float] = []
        if activation == .tanh || activation == .sigmoid {
            outputs = z
            activation.apply(&outputs)
        }
        activation.backpropagate(&gradient, inputs: z, outputs: outputs)
        var weightGradient = [Float](repeating: 0, count: weights.count)
        accumulateOuterProducts(into: &weightGradient, gradientOutput: gradient, input: input, batch: batch,
                                inputs: inputCount, outputs: outputCount)
        if let mask {
            for index in weightGradient.indices where !mask[index] { weightGradient[index] = 0 }
        }
        var parameterGradients = [weightGradient]
        if bias != nil {
            var biasGradient = [Float](repeating: 0, count: outputCount)
            for row in 0..<batch {
                for column in 0..<outputCount { biasGradient[column] += gradient[row * outputCount + column] }
            }
            parameterGradients.append(biasGradient)
        }
        let inputGradient = needsInputGradient
            ? matrixMultiply(gradientOutput: gradient, weights: saved[1], batch: batch, inputs: inputCount, outputs: outputCount)
            : []
        return (inputGradient, parameterGradients)
    }

    /// Weights, then the bias when there is one.
    public var parameters: [[Float]] { bias.map { [weights, $0] } ?? [weights] }

    /// Weight decay applies to the weights, not the bias.
    public var decaysParameters: [Bool] { bias == nil ? [true] : [true, false] }

    /// New weights (pruned ones stay zero) and bias.
    public mutating func setParameters(_ values: [[Float]]) {
        weights = values[0]
        if let mask {
            for position in weights.indices where !mask[position] { weights[position] = 0 }
        }
        if bias != nil { bias = values[1] }
    }

    // MARK: Work and summary

    /// The arithmetic and memory traffic of running this layer on `batch` examples in its weight format:
    /// the kernels' count for the product (`Kernels.work`: weights read once per call, activations per example)
    /// plus the activation function's count (as `Elementwise` counts it).
    public func work(batch: Int = 1) -> Work {
        var work = Kernels.work(format: format, rows: outputCount, columns: inputCount, batch: batch, hasBias: bias != nil,
                                storedWeights: nonzeroWeightCount, weightBytes: weightBytes)
        work += activation.work(count: outputCount * max(batch, 0))
        return work
    }

    /// Bytes to store the weights (not the bias) in this layer's format: the packed matrix's size. // bytes
    public var weightBytes: Int {
        (try? packed.matrix(for: self).byteCount)
            ?? format.storageBytes(rows: outputCount, columns: inputCount, nonzeros: nonzeroWeightCount)
    }

    public func summaryRow(index: Int, inputWidth: Int, work: Work) -> ModelSummary.Row {
        ModelSummary.Row(index: index, kind: Self.kind.name, inputs: inputCount, outputs: outputCount,
                         activation: activation.rawValue, format: format, parameters: parameterCount,
                         nonzeroParameters: nonzeroWeightCount + (bias?.count ?? 0),
                         bytes: weightBytes + (bias?.count ?? 0) * 4, work: work)
    }

    public var weightInfo: (shape: [Int], format: WeightFormat, nonzero: Double)? {
        ([outputCount, inputCount], format, Double(nonzeroWeightCount) / Double(max(1, weights.count)))
    }

    // MARK: Weight files

    /// `Linear`, plus the activation module when there is one.
    public var moduleCount: Int { activation == .none ? 1 : 2 }

    public var tensors: [LayerTensor] {
        [LayerTensor(suffix: "weight", shape: [outputCount, inputCount], values: weights)]
            + (bias.map { [LayerTensor(suffix: "bias", shape: [$0.count], values: $0)] } ?? [])
    }

    /// `128 relu`, or `128 none nobias`.
    public var metadataWords: [String] { [String(outputCount), activation.rawValue] + (bias == nil ? ["nobias"] : []) }

    public func loading(weight: NamedTensor, bias biasTensor: NamedTensor?, prefix: String, layerIndex: Int,
                        file: String) throws -> DenseLayer {
        var copy = self
        copy.weights = try Model.checked(weight, shape: [outputCount, inputCount], file: file).values
        if bias != nil {
            guard let biasTensor else {
                throw ModelsError(.weightFile, "\(file): '\(prefix)' has no bias tensor; layer \(layerIndex) needs one")
            }
            copy.bias = try Model.checked(biasTensor, shape: [outputCount], file: file).values
        } else if biasTensor != nil {
            throw ModelsError(.weightFile, "\(file): '\(prefix)' has a bias, layer \(layerIndex) has none")
        }
        copy.mask = nil
        return copy
    }
}

extension LayerSpec {
    /// A fully connected layer with `units` outputs followed by `activation`.
    public static func dense(units: Int, activation: Activation) -> LayerSpec {
        LayerSpec(kind: DenseLayer.kind.name, arguments: ["units": .number(Double(units)), "activation": .name(activation.rawValue)])
    }
}
