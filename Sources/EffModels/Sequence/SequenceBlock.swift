import EffKernels

/// A batch of token sequences: `batch` sequences of `length` positions. Activations are row-major
/// (batch · length, width): row `b · length + t` is position t of sequence b.
public struct SequenceShape: Sendable, Equatable {
    public var batch: Int
    public var length: Int
    public init(batch: Int, length: Int) {
        self.batch = batch
        self.length = length
    }
    /// batch · length.
    public var rows: Int { batch * length }
}

/// What a mixer's training forward keeps for its backward (its own layout, documented per kind).
public typealias SequenceSaved = [[Float]]

/// The part of a residual block that mixes information: attention across positions, a feed-forward network or
/// Mixture-of-Experts within each position, or a state-space scan along the sequence. It maps (rows, width) to
/// (rows, width); `ResidualBlock` adds the normalization before it and the residual connection around it.
///
/// Each kind is one type in its own file in this folder, holding its parameters, forward, exact backward (checked
/// against finite differences in tests), its work counts and its weight-file tensors. `BlockKind.all` lists them.
public protocol SequenceMixer: Sendable, CustomStringConvertible {
    /// The registry entry: name, fields with defaults, help, how to build one.
    static var kind: BlockKind { get }
    /// The model width (inputs and outputs per position).
    var width: Int { get }
    /// The kind and arguments that rebuild this mixer with fresh weights.
    var spec: LayerSpec { get }

    /// The learnable tensors in a fixed order, with their names and shapes (`name` is the weight-file suffix).
    var parameters: [[Float]] { get }
    var parameterShapes: [(name: String, shape: [Int])] { get }
    /// Whether weight decay applies to each of `parameters` (matrices yes; gains, biases, decay rates no).
    var decaysParameters: [Bool] { get }
    mutating func setParameters(_ values: [[Float]])

    /// Training (and full-sequence) forward. `auxiliaryLoss` is this mixer's own loss term before weighting (the
    /// Mixture-of-Experts load-balancing loss; 0 for others). // input (rows, width) → output (rows, width)
    func forward(_ input: [Float], shape: SequenceShape) throws -> (output: [Float], saved: SequenceSaved, auxiliaryLoss: Double)
    /// The gradient with respect to the input and the gradients of `parameters`, in that order. `auxiliaryWeight`
    /// is the weight of `auxiliaryLoss` in the total loss. // gradient, input: (rows, width)
    func backward(_ gradient: [Float], input: [Float], saved: SequenceSaved, shape: SequenceShape,
                  auxiliaryWeight: Float) throws -> (input: [Float], parameters: [[Float]])

    /// The work of one forward pass over `shape` (every position of every sequence), following the architecture:
    /// attention counts only the key positions its pattern allows, MoE only the experts tokens visit.
    func forwardWork(shape: SequenceShape) -> Work
    /// The work of generating one token at position `context` − 1 with a cache of the earlier ones (attention reads
    /// its keys and values; a state-space scan reads its fixed state).
    func tokenWork(context: Int) -> Work
    /// Values a generating model keeps per sequence at `context` (KV cache or recurrent state), in floats.
    func cacheValues(context: Int) -> Int
}

extension SequenceMixer {
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}

/// A kind of residual block as users declare it (`block attention(heads: 4)` in a `model { }` block): the single
/// list that the language, `summary`, weight files and docs read.
public struct BlockKind: Sendable {
    public let name: String
    public let fields: [LayerKind.Field]
    public let help: String
    /// A declaration line, e.g. `block attention(heads: 4, window: 64)`.
    public let example: String
    /// Builds a mixer of model width `width`, drawing initial weights from `random`.
    let make: @Sendable (_ arguments: LayerArguments, _ width: Int, _ random: inout RandomGenerator) throws -> any SequenceMixer

    public init(name: String, fields: [LayerKind.Field], help: String, example: String,
                make: @escaping @Sendable (LayerArguments, Int, inout RandomGenerator) throws -> any SequenceMixer) {
        self.name = name
        self.fields = fields
        self.help = help
        self.example = example
        self.make = make
    }

    /// Every block kind. Adding one: a file in Sequence/ and a line here.
    public static let all: [BlockKind] = [
        AttentionMixer.kind,
        FeedForwardMixer.kind,
        MixtureOfExpertsMixer.kind,
        StateSpaceMixer.kind,
    ]

    /// The kind called `name` (case-insensitive), or nil.
    public static func named(_ name: String) -> BlockKind? {
        let lowered = name.lowercased()
        return all.first { $0.name == lowered }
    }

    /// A mixer of this kind from spec arguments (unknown fields are errors).
    public func mixer(_ arguments: [String: LayerArgument], width: Int, random: inout RandomGenerator) throws -> any SequenceMixer {
        if let extra = arguments.keys.sorted().first(where: { field in !fields.contains { $0.name == field } }) {
            throw ModelsError(.model, "a \(name) block has no field '\(extra)' (fields: "
                + fields.map(\.name).joined(separator: ", ") + ")")
        }
        return try make(LayerArguments(name: name, fields: fields, values: arguments), width, &random)
    }

    /// `attention(heads, [window], …)`: required fields plain, optional ones in brackets.
    public var synopsis: String {
        name + "(" + fields.map { $0.defaultValue == nil ? $0.name : "[\($0.name)]" }.joined(separator: ", ") + ")"
    }
}

/// A pre-normalized residual block: y = x + mixer(norm(x)), the layout of LLaMA, Mixtral and Mamba.
public struct ResidualBlock: Sendable {
    public internal(set) var norm: RMSNormLayer
    public internal(set) var mixer: any SequenceMixer

    public init(mixer: any SequenceMixer) throws {
        self.norm = try RMSNormLayer(featureCount: mixer.width)
        self.mixer = mixer
    }

    /// saved: [the norm's saved…, normalized input, the mixer's saved…]; `normSavedCount` says where they split.
    static let normSavedCount = 2

    public func forward(_ input: [Float], shape: SequenceShape) throws -> (output: [Float], saved: SequenceSaved, auxiliaryLoss: Double) {
        var context = TrainingContext(random: RandomGenerator(seed: 0), quantizedFormat: nil)
        let normalized = try norm.trainingForward(input, batch: shape.rows, context: &context)
        let mixed = try mixer.forward(normalized.output, shape: shape)
        var output = mixed.output
        addInPlace(&output, input)
        return (output, normalized.saved + [normalized.output] + mixed.saved, mixed.auxiliaryLoss)
    }

    public func backward(_ gradient: [Float], input: [Float], saved: SequenceSaved, shape: SequenceShape,
                         auxiliaryWeight: Float) throws -> (input: [Float], parameters: [[Float]]) {
        let normSaved = Array(saved[0..<Self.normSavedCount])
        let normalized = saved[Self.normSavedCount]
        let mixerSaved = Array(saved[(Self.normSavedCount + 1)...])
        let mixed = try mixer.backward(gradient, input: normalized, saved: mixerSaved, shape: shape, auxiliaryWeight: auxiliaryWeight)
        let normed = norm.backward(mixed.input, input: input, saved: normSaved, batch: shape.rows, needsInputGradient: true)
        var inputGradient = normed.input
        addInPlace(&inputGradient, gradient)
        return (inputGradient, normed.parameters + mixed.parameters)
    }

    /// The norm's gain, then the mixer's tensors.
    public var parameters: [[Float]] { [norm.gain] + mixer.parameters }
    public var decaysParameters: [Bool] { [false] + mixer.decaysParameters }
    public var parameterShapes: [(name: String, shape: [Int])] { [("norm.weight", [norm.featureCount])] + mixer.parameterShapes }
    public mutating func setParameters(_ values: [[Float]]) {
        norm.setParameters([values[0]])
        mixer.setParameters(Array(values.dropFirst()))
    }
    public var parameterCount: Int { norm.parameterCount + mixer.parameterCount }

    public func forwardWork(shape: SequenceShape) -> Work {
        var work = norm.work(batch: shape.rows) + mixer.forwardWork(shape: shape)
        work.add(.f32Add, UInt64(shape.rows * mixer.width))
        return work
    }

    public func tokenWork(context: Int) -> Work {
        var work = norm.work(batch: 1) + mixer.tokenWork(context: context)
        work.add(.f32Add, UInt64(mixer.width))
        return work
    }
}

/// a += b, elementwise; large arrays split across threads (each value as on one thread).
@inline(__always)
func addInPlace(_ a: inout [Float], _ b: [Float]) {
    a.withUnsafeMutableBufferPointer { x in
        b.withUnsafeBufferPointer { y in
            let count = x.count
            guard let x = x.baseAddress, let y = y.baseAddress else { return }
            KernelThreads.forEachChunk(total: count, granularity: 16384) { range in
                for index in range { x[index] += y[index] }
            }
        }
    }
}
