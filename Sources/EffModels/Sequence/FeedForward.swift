import EffKernels

/// The position-wise network of a transformer block (and of each Mixture-of-Experts expert).
/// - SwiGLU (Shazeer 2020, LLaMA): y = (SiLU(x·W_gateᵀ) ⊙ x·W_upᵀ)·W_downᵀ;
/// - GELU (GPT-2): y = GELU(x·W_upᵀ)·W_downᵀ (tanh approximation).
public struct FeedForwardNetwork: Sendable, Equatable {
    public enum Activation: String, Sendable, CaseIterable {
        case swiglu, gelu
    }

    public let width: Int
    public let hidden: Int
    public let activation: Activation
    /// SwiGLU: (2·hidden, width), rows 0..<hidden the gate, then up. GELU: (hidden, width).
    var up: LinearMap
    /// (width, hidden)
    var down: LinearMap

    public init(width: Int, hidden: Int, activation: Activation, random: inout RandomGenerator) throws {
        guard hidden > 0, hidden <= Model.maximumWidth, width > 0 else {
            throw ModelsError(.model, "feed-forward hidden width must be in 1…\(Model.maximumWidth), got \(hidden)")
        }
        self.width = width
        self.hidden = hidden
        self.activation = activation
        up = LinearMap(inputs: width, outputs: (activation == .swiglu ? 2 : 1) * hidden, random: &random)
        down = LinearMap(inputs: hidden, outputs: width, random: &random, scale: 0.5 / Float(hidden).squareRoot())
    }

    /// Columns of the up projection per position: 2·hidden (gate and up) or hidden.
    var upWidth: Int { up.outputs }

    /// saved: [pre-activations (rows, upWidth), hidden activations (rows, hidden)].
    func forward(_ input: [Float], rows: Int) -> (output: [Float], saved: SequenceSaved) {
        let pre = up(input, rows: rows)
        var activated = uninitializedFloats(rows * hidden)     // every value written below
        let hidden = self.hidden, upWidth = self.upWidth
        pre.withUnsafeBufferPointer { p in
            activated.withUnsafeMutableBufferPointer { a in
                switch activation {
                case .swiglu:
                    KernelThreads.forEachChunk(total: rows, granularity: 64) { range in
                        for row in range {
                            let g = p.baseAddress! + row * upWidth
                            swiglu(gate: g, up: g + hidden, into: a.baseAddress! + row * hidden, count: hidden)
                        }
                    }
                case .gelu:
                    for index in 0..<(rows * hidden) { a[index] = gelu(p[index]) }
                }
            }
        }
        return (down(activated, rows: rows), [pre, activated])
    }

    /// The input gradient and [up, down] weight gradients.
    func backward(_ gradient: [Float], input: [Float], saved: SequenceSaved, rows: Int) -> (input: [Float], parameters: [[Float]]) {
        let pre = saved[0], activated = saved[1]
        let (activatedGradient, downGradient) = down.backward(gradient, input: activated, rows: rows)
        var preGradient = uninitializedFloats(rows * upWidth)  // every value written below
        let hidden = self.hidden, upWidth = self.upWidth
        pre.withUnsafeBufferPointer { p in
            activatedGradient.withUnsafeBufferPointer { da in
                preGradient.withUnsafeMutableBufferPointer { dp in
                    switch activation {
                    case .swiglu:
                        KernelThreads.forEachChunk(total: rows, granularity: 64) { range in
                            for row in range {
                                let g = p.baseAddress! + row * upWidth, dg = dp.baseAddress! + row * upWidth
                                swigluBackward(da.baseAddress! + row * hidden, gate: g, up: g + hidden, gateGradient: dg,
                                               upGradient: dg + hidden, count: hidden)
                            }
                        }
                    case .gelu:
                        for index in 0..<(rows * hidden) { dp[index] = da[index] * geluDerivative(p[index]) }
                    }
                }
            }
        }
        let (inputGradient, upGradient) = up.backward(preGradient, input: input, rows: rows)
        return (inputGradient, [upGradient, downGradient])
    }

    var parameters: [[Float]] { [up.weight, down.weight] }
    mutating func setParameters(_ values: [[Float]]) {
        up.weight = values[0]
        down.weight = values[1]
    }
    var parameterCount: Int { up.weight.count + down.weight.count }

    /// Matrices, then per hidden unit an activation (SwiGLU: a SiLU — one exp, one divide — and a multiply).
    func work(rows: Int) -> Work {
        var work = up.work(rows: rows) + down.work(rows: rows)
        let units = UInt64(rows * hidden)
        work.add(.f32Transcendental, units)
        work.add(.f32Divide, units)
        work.add(.f32Multiply, activation == .swiglu ? 2 * units : 3 * units)
        return work
    }
}

/// A transformer block's feed-forward network as a block kind: `block ffn(hidden: 512)`.
public struct FeedForwardMixer: SequenceMixer, Equatable {
    var network: FeedForwardNetwork

    public static let kind = BlockKind(
        name: "ffn",
        fields: [.init("hidden", help: "hidden units"),
                 .init("activation", default: .name("swiglu"), help: "swiglu (LLaMA) or gelu (GPT-2)")],
        help: "Position-wise feed-forward network: SwiGLU (LLaMA) or GELU (GPT-2).",
        example: "block ffn(hidden: 512)",
        make: { arguments, width, random in
            let hidden = try arguments.integer("hidden", in: 1...Model.maximumWidth)
            let activation = try FeedForwardNetwork.Activation.parse(arguments.name("activation", example: "swiglu"))
            return FeedForwardMixer(network: try FeedForwardNetwork(width: width, hidden: hidden, activation: activation, random: &random))
        })

    public init(network: FeedForwardNetwork) { self.network = network }

    public var width: Int { network.width }
    public var description: String { "ffn \(network.hidden) \(network.activation.rawValue)" }
    public var spec: LayerSpec {
        LayerSpec(kind: Self.kind.name, arguments: ["hidden": .number(Double(network.hidden)), "activation": .name(network.activation.rawValue)])
    }

    public var parameters: [[Float]] { network.parameters }
    public var parameterShapes: [(name: String, shape: [Int])] {
        [("ffn_up.weight", [network.upWidth, width]), ("ffn_down.weight", [width, network.hidden])]
    }
    public var decaysParameters: [Bool] { [true, true] }
    public mutating func setParameters(_ values: [[Float]]) { network.setParameters(values) }

    public func forward(_ input: [Float], shape: SequenceShape) throws -> (output: [Float], saved: SequenceSaved, auxiliaryLoss: Double) {
        let result = network.forward(input, rows: shape.rows)
        return (result.output, result.saved, 0)
    }

    public func backward(_ gradient: [Float], input: [Float], saved: SequenceSaved, shape: SequenceShape,
                         auxiliaryWeight: Float) throws -> (input: [Float], parameters: [[Float]]) {
        network.backward(gradient, input: input, saved: saved, rows: shape.rows)
    }

    public func forwardWork(shape: SequenceShape) -> Work { network.work(rows: shape.rows) }
    public func tokenWork(context: Int) -> Work { network.work(rows: 1) }
    public func cacheValues(context: Int) -> Int { 0 }
}

extension FeedForwardNetwork.Activation {
    /// "swiglu" or "gelu"; nil is the default SwiGLU.
    static func parse(_ name: String?) throws -> Self {
        guard let name else { return .swiglu }
        guard let activation = Self(rawValue: name.lowercased()) else {
            throw ModelsError(.model, "feed-forward activation must be one of: "
                + allCases.map(\.rawValue).joined(separator: ", ") + "; got '\(name)'")
        }
        return activation
    }
}
