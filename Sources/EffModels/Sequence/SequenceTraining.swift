import EffKernels
import EffNumerics
import Foundation

/// How to train a sequence model: AdamW (Loshchilov & Hutter 2019) with linear warm-up then cosine decay to
/// `minimumRate` × the peak, global-norm gradient clipping, random windows of the training text.
public struct SequenceTrainingOptions: Sendable, Equatable {
    /// Optimizer steps.
    public var steps: Int = 300
    /// Sequences per step.
    public var batch: Int = 16
    /// Tokens per sequence (positions predicted per sequence).
    public var length: Int = 64
    /// Peak learning rate.
    public var learningRate: Double = 3e-3
    /// Linear warm-up steps (then cosine decay).
    public var warmup: Int = 20
    /// The learning rate at the end, as a fraction of the peak.
    public var minimumRate: Double = 0.1
    /// Decoupled weight decay on matrices (not on embeddings, norms or biases).
    public var weightDecay: Double = 0.1
    public var beta1: Double = 0.9
    public var beta2: Double = 0.95
    public var epsilon: Double = 1e-8
    /// The largest global gradient norm; larger gradients are scaled down to it (0: no clipping).
    public var clip: Double = 1
    /// Weight of the Mixture-of-Experts load-balancing loss.
    public var auxiliaryWeight: Double = 0.01
    /// Seeds the windows drawn (weights are seeded by the model).
    public var seed: UInt64 = 42
    /// Evaluate on the held-out text every this many steps (and at the end); 0: only at the end.
    public var evaluateEvery: Int = 100
    /// Held-out windows per evaluation (consecutive from the start of the held-out text).
    public var evaluationWindows: Int = 32

    public init(steps: Int = 300) { self.steps = steps }

    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw ModelsError(.training, message) } }
        try check(steps >= 1 && steps <= 10_000_000, "steps must be in 1…10000000, got \(steps)")
        try check(batch >= 1 && batch <= 4096, "batch must be in 1…4096 sequences, got \(batch)")
        try check(length >= 1 && length <= SequenceModel.maximumLength, "length must be in 1…\(SequenceModel.maximumLength), got \(length)")
        try check(learningRate > 0 && learningRate < 10, "learning rate must be in (0, 10), got \(learningRate)")
        try check(warmup >= 0, "warm-up must be ≥ 0 steps, got \(warmup)")
        try check(minimumRate >= 0 && minimumRate <= 1, "minimum rate must be a fraction in [0, 1], got \(minimumRate)")
        try check(weightDecay >= 0 && weightDecay < 1, "weight decay must be in [0, 1), got \(weightDecay)")
        try check(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "AdamW betas must be in [0, 1)")
        try check(clip >= 0, "clip must be ≥ 0, got \(clip)")
        try check(evaluateEvery >= 0 && evaluationWindows >= 1, "evaluation needs evaluateEvery ≥ 0 and at least one window")
    }

    /// The learning rate of step `step` (0-based): linear warm-up to the peak, cosine to `minimumRate` × peak.
    public func rate(step: Int) -> Double {
        if step < warmup { return learningRate * Double(step + 1) / Double(warmup) }
        let span = max(steps - warmup, 1)
        let progress = min(Double(step - warmup) / Double(span), 1)
        return learningRate * (minimumRate + (1 - minimumRate) * 0.5 * (1 + cos(Double.pi * progress)))
    }
}

/// One reported point of a training run.
public struct SequenceTrainingStep: Sendable, Equatable {
    public var step: Int
    public var steps: Int
    /// Mean cross-entropy (nats/token) of this step's batch.
    public var loss: Double
    /// Held-out cross-entropy (nats/token) when evaluated at this step.
    public var heldOutLoss: Double?
    public var learningRate: Double
    /// Global gradient norm before clipping.
    public var gradientNorm: Double
    /// Tokens trained on so far.
    public var tokens: Int
    /// Seconds since training started.
    public var elapsed: Double
    /// Training tokens per second so far.
    public var tokensPerSecond: Double { elapsed > 0 ? Double(tokens) / elapsed : 0 }
}

public struct SequenceTrainingHistory: Sendable, Equatable {
    /// Every step, in order.
    public var steps: [SequenceTrainingStep] = []
    /// True when `progress` asked to stop (Ctrl-C): the model keeps the steps made.
    public var stoppedEarly = false
    /// The last held-out loss (nats/token) and its perplexity.
    public var heldOutLoss: Double? { steps.last { $0.heldOutLoss != nil }?.heldOutLoss }
    public var heldOutPerplexity: Double? { heldOutLoss.map { exp($0) } }
}

extension SequenceModel {
    /// Trains in place; `progress` is called after every step and stops training when it returns false (the model
    /// keeps what it learned). Deterministic: the same model, data and options give the same weights (the GEMM's
    /// reduction order depends only on the sizes). When a step fails (a diverging loss) the model is left as it was
    /// before that step and the error says at which step.
    @discardableResult
    public mutating func train(on data: TokenSequence, heldOut: TokenSequence?, options: SequenceTrainingOptions,
                               progress: ((SequenceTrainingStep) -> Bool)? = nil) throws -> SequenceTrainingHistory {
        try options.validate()
        guard data.vocabulary.count == vocabularySize else {
            throw ModelsError(.training, "model '\(name)' has a vocabulary of \(vocabularySize) tokens; "
                + "'\(data.name)' has \(data.vocabulary.count)")
        }
        guard data.count > options.length + 1 else {
            throw ModelsError(.training, "'\(data.name)' has \(data.count) tokens; training windows need more than \(options.length + 1)")
        }
        if let heldOut {
            guard heldOut.vocabulary == data.vocabulary else {
                throw ModelsError(.training, "held-out '\(heldOut.name)' has another vocabulary than '\(data.name)'")
            }
            guard heldOut.count > options.length else {
                throw ModelsError(.training, "held-out '\(heldOut.name)' has \(heldOut.count) tokens; one window needs \(options.length + 1)")
            }
        }
        if let vocabulary, vocabulary != data.vocabulary {
            throw ModelsError(.training, "model '\(name)' was trained on another vocabulary (\(vocabulary.tokenizer), "
                + "\(vocabulary.count) tokens) than '\(data.name)'")
        }
        vocabulary = data.vocabulary
        var random = RandomGenerator(seed: options.seed)
        var optimizer = AdamW(shapes: parameters.map(\.count), decays: decaysParameters, options: options)
        var history = SequenceTrainingHistory()
        let shape = SequenceShape(batch: options.batch, length: options.length)
        let start = ContinuousClock.now
        for step in 0..<options.steps {
            let windows = data.randomWindows(batch: options.batch, length: options.length, random: &random)
            let result = try loss(windows: windows, shape: shape, auxiliaryWeight: Float(options.auxiliaryWeight), gradients: true)
            guard result.loss.isFinite else {
                throw ModelsError(.training, "loss became \(result.loss) at step \(step + 1) of training '\(name)'; "
                    + "try a smaller learning rate (now \(options.learningRate))")
            }
            var gradients = result.gradients
            let norm = AdamW.clip(&gradients, to: options.clip)
            let rate = options.rate(step: step)
            // New tensors written in one pass (copying the shared ones first and updating them would be two).
            setParameters(optimizer.updated(parameters, gradients: gradients, learningRate: rate))
            let last = step == options.steps - 1
            let evaluate = heldOut != nil && (last || (options.evaluateEvery > 0 && (step + 1) % options.evaluateEvery == 0))
            let heldOutLoss = try evaluate ? heldOut.map { try crossEntropy(on: $0, length: options.length,
                                                                            windows: options.evaluationWindows) } : nil
            let row = SequenceTrainingStep(step: step + 1, steps: options.steps, loss: result.loss, heldOutLoss: heldOutLoss,
                                           learningRate: rate, gradientNorm: norm, tokens: (step + 1) * shape.rows,
                                           elapsed: (ContinuousClock.now - start).seconds)
            history.steps.append(row)
            if let progress, !progress(row) {
                history.stoppedEarly = true
                if heldOutLoss == nil, let heldOut {
                    history.steps[history.steps.count - 1].heldOutLoss = try crossEntropy(on: heldOut, length: options.length,
                                                                                          windows: options.evaluationWindows)
                }
                break
            }
        }
        return history
    }

    /// Mean next-token cross-entropy (nats/token) on up to `windows` consecutive windows of `length` + 1 tokens
    /// from the start of `text` (each window starts with an empty context, as llama-perplexity scores chunks).
    public func crossEntropy(on text: TokenSequence, length: Int, windows: Int) throws -> Double {
        guard text.vocabulary.count == vocabularySize else {
            throw ModelsError(.data, "'\(text.name)' has \(text.vocabulary.count) tokens in its vocabulary; model '\(name)' has \(vocabularySize)")
        }
        let (tokens, count) = text.consecutiveWindows(length: length, limit: windows)
        guard count > 0 else { throw ModelsError(.data, "'\(text.name)' (\(text.count) tokens) is shorter than one window of \(length + 1)") }
        // Evaluated in batches of up to 16 windows to bound memory.
        var total = 0.0
        var done = 0
        while done < count {
            let n = min(16, count - done)
            let slice = Array(tokens[(done * (length + 1))..<((done + n) * (length + 1))])
            total += try loss(windows: slice, shape: SequenceShape(batch: n, length: length), gradients: false).loss * Double(n)
            done += n
        }
        return total / Double(count)
    }
}

/// AdamW's moments, one array per parameter tensor.
struct AdamW {
    var first: [[Float]]
    var second: [[Float]]
    let decays: [Bool]
    let options: SequenceTrainingOptions
    var step = 0

    init(shapes: [Int], decays: [Bool], options: SequenceTrainingOptions) {
        first = shapes.map { [Float](repeating: 0, count: $0) }
        second = first
        self.decays = decays
        self.options = options
    }

    /// Values per chunk of the clipping norm's partial sums: fixed, so the sum's order (and the trained weights)
    /// does not depend on the thread count.
    static let normChunk = 16384

    /// Scales all gradients so their global L2 norm is at most `limit` (0: no limit); returns the norm before.
    /// The sum of squares is taken over fixed chunks of `normChunk` values per tensor (in Double, each chunk in
    /// order), split across threads, then the chunks' sums are added in order.
    static func clip(_ gradients: inout [[Float]], to limit: Double) -> Double {
        var chunks: [(tensor: Int, start: Int)] = []
        for (index, tensor) in gradients.enumerated() {
            for start in stride(from: 0, to: tensor.count, by: normChunk) { chunks.append((index, start)) }
        }
        var partial = [Double](repeating: 0, count: chunks.count)
        partial.withUnsafeMutableBufferPointer { sums in
            let tensors = gradients
            KernelThreads.forEachChunk(total: chunks.count, granularity: 1) { range in
                for chunk in range {
                    let (index, start) = chunks[chunk]
                    tensors[index].withUnsafeBufferPointer { g in
                        var squares = 0.0
                        for i in start..<min(g.count, start + normChunk) { squares += Double(g[i]) * Double(g[i]) }
                        sums[chunk] = squares
                    }
                }
            }
        }
        let norm = partial.reduce(0, +).squareRoot()
        if limit > 0 && norm > limit {
            let scale = Float(limit / norm)
            for index in gradients.indices {
                gradients[index].withUnsafeMutableBufferPointer { g in
                    let base = g.baseAddress!
                    KernelThreads.forEachChunk(total: g.count, granularity: 1024) { range in
                        for i in range { base[i] *= scale }
                    }
                }
            }
        }
        return norm
    }

    /// w ← w − rate·(m̂/(√v̂ + ε) + decay·w) with bias-corrected moments (decay on `decays` tensors only), into new
    /// tensors; elementwise, so split across threads in chunks of each tensor without changing a value.
    mutating func updated(_ values: [[Float]], gradients: [[Float]], learningRate: Double) -> [[Float]] {
        step += 1
        let b1 = Float(options.beta1), b2 = Float(options.beta2), eps = Float(options.epsilon)
        let correction1 = Float(1 - pow(options.beta1, Double(step))), correction2 = Float(1 - pow(options.beta2, Double(step)))
        let rate = Float(learningRate)
        var result: [[Float]] = []
        result.reserveCapacity(values.count)
        for tensor in values.indices {
            let decay: Float = decays[tensor] ? 1 - rate * Float(options.weightDecay) : 1
            let count = values[tensor].count
            result.append([Float](unsafeUninitializedCapacity: count) { out, initialized in
                values[tensor].withUnsafeBufferPointer { w in
                    first[tensor].withUnsafeMutableBufferPointer { m in
                        second[tensor].withUnsafeMutableBufferPointer { v in
                            gradients[tensor].withUnsafeBufferPointer { g in
                                let w = w.baseAddress!, m = m.baseAddress!, v = v.baseAddress!, g = g.baseAddress!
                                let o = out.baseAddress!
                                KernelThreads.forEachChunk(total: count, granularity: 1024) { range in
                                    for i in range {
                                        let gradient = g[i]
                                        m[i] = b1 * m[i] + (1 - b1) * gradient
                                        v[i] = b2 * v[i] + (1 - b2) * gradient * gradient
                                        let mHat = m[i] / correction1, vHat = v[i] / correction2
                                        o[i] = w[i] * decay - rate * mHat / (vHat.squareRoot() + eps)
                                    }
                                }
                            }
                        }
                    }
                }
                initialized = count
            })
        }
        return result
    }
}
