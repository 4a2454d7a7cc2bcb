import EffKernels

/// Inverted dropout: while training each value is zeroed with probability `rate` and the rest scaled by
/// 1/(1 − rate); at inference the identity.
public struct DropoutLayer: Layer, Equatable {
    /// The probability of dropping a value while training, in [0, 1).
    public let rate: Double

    public static let kind = LayerKind(
        name: "dropout", fields: [.init("rate", help: "drop probability while training, in [0, 1)")],
        help: "Inverted dropout with drop probability rate while training; the identity at inference.",
        example: "{kind: \"dropout\", rate: 0.1}",
        make: { arguments, _, _ in
            guard case .number(let rate)? = arguments.value("rate"), rate >= 0, rate < 1 else {
                var message = "dropout needs 'rate', a number in [0, 1)"
                if case .number(let rate)? = arguments.value("rate") { message += "; dropout rate \(rate) is not" }
                throw ModelsError(.model, message)
            }
            return DropoutLayer(rate: rate)
        },
        read: { words, _ in
            guard words.count == 1, let rate = Double(words[0]) else { return nil }
            return DropoutLayer(rate: rate)
        })

    /// A dropout layer (the rate is checked when a model is built).
    public init(rate: Double) { self.rate = rate }

    public var parameterCount: Int { 0 }

    /// `dropout 0.1`
    public var description: String { "dropout \(rate)" }

    public func outputWidth(inputWidth: Int) -> Int { inputWidth }

    public func mismatch(inputWidth: Int) -> String? {
        rate >= 0 && rate < 1 ? nil : ": dropout rate must be in [0, 1), got \(rate)"
    }

    public var spec: LayerSpec { .dropout(rate: rate) }

    /// The identity: dropout only acts while training.
    public func callAsFunction(_ input: [Float], batch: Int) throws -> [Float] { input }

    /// saved: [the per-value multipliers, 0 or 1/(1 − rate) (batch, features)], or nothing when the rate is 0.
    public func trainingForward(_ input: [Float], batch: Int, context: inout TrainingContext) throws
        -> (output: [Float], saved: [[Float]]) {
        guard rate > 0 else { return (input, []) }
        var values = input
        let keep = Float(1 / (1 - rate))
        var mask = [Float](repeating: 0, count: values.count)
        for index in values.indices where Double(context.random.nextFloat()) >= rate {
            mask[index] = keep
        }
        for index in values.indices { values[index] *= mask[index] }
        return (values, [mask])
    }

    public func backward(_ gradient: [Float], input: [Float], saved: [[Float]], batch: Int, needsInputGradient: Bool)
        -> (input: [Float], parameters: [[Float]]) {
        guard let mask = saved.first else { return (gradient, []) }
        var gradient = gradient
        for index in gradient.indices { gradient[index] *= mask[index] }
        return (gradient, [])
    }

    /// Nothing at inference.
    public func work(batch: Int = 1) -> Work { Work() }

    /// PyTorch's `nn.Dropout` (one module, no tensors).
    public var metadataWords: [String] { ["\(rate)"] }
}

extension LayerSpec {
    /// Inverted dropout with drop probability `rate` while training; identity at inference.
    public static func dropout(rate: Double) -> LayerSpec {
        LayerSpec(kind: DropoutLayer.kind.name, arguments: ["rate": .number(rate)])
    }
}
