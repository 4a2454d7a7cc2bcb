import EffKernels
import Foundation

/// A language model built from residual blocks: token embedding → blocks → RMSNorm → linear head over the
/// vocabulary. With attention and SwiGLU blocks it is a (small) Llama; with `ffn` replaced by `moe` it is a
/// Mixtral-style MoE; with `ssm` blocks only it is a Mamba-style state-space model.
///
///     var model = try SequenceModel(vocabularySize: 80, width: 64,
///                                   blocks: [.attention(heads: 4), .feedForward(hidden: 256)], seed: 1)
///     let history = try model.train(on: data.train, heldOut: data.heldOut, options: SequenceTrainingOptions(steps: 200))
public struct SequenceModel: Sendable {
    /// The most positions one training sequence may have (attention keeps length² probabilities per head).
    public static let maximumLength = 4096
    /// The largest vocabulary (the embedding and head are vocabulary × width each).
    public static let maximumVocabulary = 1 << 18

    public var name: String
    public let vocabularySize: Int
    public let width: Int
    /// (vocabularySize, width)
    var embedding: [Float]
    public internal(set) var blocks: [ResidualBlock]
    var finalNorm: RMSNormLayer
    /// (vocabularySize, width)
    var head: LinearMap
    /// The tokens' texts and the tokenizer that made them, once the model has been trained on (or given) data.
    public var vocabulary: TokenVocabulary?

    public init(name: String = "model", vocabularySize: Int, width: Int, blocks specs: [LayerSpec], seed: UInt64) throws {
        guard vocabularySize >= 2, vocabularySize <= Self.maximumVocabulary else {
            throw ModelsError(.model, "model '\(name)': vocabulary must be in 2…\(Self.maximumVocabulary) tokens, got \(vocabularySize)")
        }
        guard width >= 2, width <= 1 << 16 else {
            throw ModelsError(.model, "model '\(name)': embedding width must be in 2…65536, got \(width)")
        }
        guard !specs.isEmpty else { throw ModelsError(.model, "model '\(name)' has no blocks") }
        var random = RandomGenerator(seed: seed)
        self.name = name
        self.vocabularySize = vocabularySize
        self.width = width
        embedding = (0..<(vocabularySize * width)).map { _ in random.nextNormal() * 0.02 }
        blocks = []
        for (index, spec) in specs.enumerated() {
            do {
                guard let kind = BlockKind.named(spec.kind) else {
                    throw ModelsError(.model, "unknown block kind '\(spec.kind)'; choose one of: "
                        + BlockKind.all.map(\.name).joined(separator: ", "))
                }
                blocks.append(try ResidualBlock(mixer: kind.mixer(spec.arguments, width: width, random: &random)))
            } catch let error as ModelsError {
                throw ModelsError(.model, "model '\(name)', block \(index + 1): \(error.message)")
            }
        }
        finalNorm = try RMSNormLayer(featureCount: width)
        head = LinearMap(inputs: width, outputs: vocabularySize, random: &random)
    }

    /// The block specs (what `like()` rebuilds with fresh weights).
    public var specs: [LayerSpec] { blocks.map(\.mixer.spec) }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
    /// Parameters a token uses in a forward pass: a Mixture-of-Experts block counts only its router and `top` experts.
    public var activeParameterCount: Int {
        embedding.count / vocabularySize + head.weight.count + finalNorm.parameterCount
            + blocks.reduce(0) { $0 + $1.norm.parameterCount + (($1.mixer as? any ActiveParameterCounting)?.activeParameterCount ?? $1.mixer.parameterCount) }
    }

    // MARK: Parameters

    /// Every learnable tensor: embedding, each block's (norm gain, mixer tensors), final norm gain, head.
    public var parameters: [[Float]] {
        [embedding] + blocks.flatMap(\.parameters) + [finalNorm.gain, head.weight]
    }
    var decaysParameters: [Bool] { [false] + blocks.flatMap(\.decaysParameters) + [false, true] }
    /// Names and shapes in `parameters` order (GGUF-style names: `token_embd.weight`, `blk.N.…`, `output.weight`).
    public var parameterShapes: [(name: String, shape: [Int])] {
        [("token_embd.weight", [vocabularySize, width])]
            + blocks.enumerated().flatMap { index, block in block.parameterShapes.map { ("blk.\(index).\($0.name)", $0.shape) } }
            + [("output_norm.weight", [width]), ("output.weight", [vocabularySize, width])]
    }
    mutating func setParameters(_ values: [[Float]]) {
        var next = 0
        embedding = values[next]; next += 1
        for index in blocks.indices {
            let count = blocks[index].parameters.count
            blocks[index].setParameters(Array(values[next..<(next + count)]))
            next += count
        }
        finalNorm.setParameters([values[next]]); next += 1
        head.weight = values[next]
    }

    // MARK: Forward and backward

    /// Checks a batch of token windows: (batch, length + 1) ids, each below the vocabulary size.
    func checkWindows(_ tokens: [Int32], shape: SequenceShape) throws {
        guard shape.batch > 0, shape.length > 0, shape.length <= Self.maximumLength else {
            throw ModelsError(.training, "sequence length must be in 1…\(Self.maximumLength), got \(shape.length)")
        }
        guard tokens.count == shape.batch * (shape.length + 1) else {
            throw ModelsError(.training, "expected \(shape.batch) windows of \(shape.length + 1) tokens, got \(tokens.count) tokens")
        }
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= vocabularySize }) {
            throw ModelsError(.training, "token id \(bad) is outside model '\(name)''s vocabulary of \(vocabularySize)")
        }
    }

    /// The mean next-token cross-entropy (nats) of windows (batch, length + 1), the mean auxiliary loss, and — when
    /// `gradients` — the gradients of `parameters` for loss + auxiliaryWeight · auxiliary.
    public func loss(windows tokens: [Int32], shape: SequenceShape, auxiliaryWeight: Float = 0.01,
                     gradients wantsGradients: Bool) throws -> (loss: Double, auxiliary: Double, gradients: [[Float]]) {
        try checkWindows(tokens, shape: shape)
        let rows = shape.rows, length = shape.length
        var inputs = [Int32](repeating: 0, count: rows), targets = inputs
        for b in 0..<shape.batch {
            for t in 0..<length {
                inputs[b * length + t] = tokens[b * (length + 1) + t]
                targets[b * length + t] = tokens[b * (length + 1) + t + 1]
            }
        }
        let width = self.width
        var x = [Float](unsafeUninitializedCapacity: rows * width) { buffer, initialized in
            embedding.withUnsafeBufferPointer { table in
                let out = buffer.baseAddress!, table = table.baseAddress!
                KernelThreads.forEachChunk(total: rows, granularity: 64) { range in
                    for row in range { (out + row * width).update(from: table + Int(inputs[row]) * width, count: width) }
                }
            }
            initialized = rows * width
        }
        var blockInputs: [[Float]] = [], blockSaved: [SequenceSaved] = []
        var auxiliary = 0.0
        for block in blocks {
            let result = try block.forward(x, shape: shape)
            if wantsGradients {
                blockInputs.append(x)
                blockSaved.append(result.saved)
            }
            auxiliary += result.auxiliaryLoss
            x = result.output
        }
        var context = TrainingContext(random: RandomGenerator(seed: 0), quantizedFormat: nil)
        let normalized = try finalNorm.trainingForward(x, batch: rows, context: &context)
        let logits = head(normalized.output, rows: rows)
        let (crossEntropy, logitsGradient) = Self.crossEntropy(logits: logits, targets: targets, vocabulary: vocabularySize,
                                                               gradient: wantsGradients)
        guard wantsGradients else { return (crossEntropy, auxiliary, []) }

        let (normalizedGradient, headGradient) = head.backward(logitsGradient, input: normalized.output, rows: rows)
        let normed = finalNorm.backward(normalizedGradient, input: x, saved: normalized.saved, batch: rows, needsInputGradient: true)
        var gradient = normed.input
        var blockGradients: [[[Float]]] = Array(repeating: [], count: blocks.count)
        for index in stride(from: blocks.count - 1, through: 0, by: -1) {
            let step = try blocks[index].backward(gradient, input: blockInputs[index], saved: blockSaved[index], shape: shape,
                                                  auxiliaryWeight: auxiliaryWeight)
            blockGradients[index] = step.parameters
            gradient = step.input
        }
        // Scattered by features across threads: each value sums its rows in order, as on one thread.
        var embeddingGradient = [Float](repeating: 0, count: embedding.count)
        embeddingGradient.withUnsafeMutableBufferPointer { table in
            gradient.withUnsafeBufferPointer { rowsGradient in
                let table = table.baseAddress!, source = rowsGradient.baseAddress!
                KernelThreads.forEachChunk(total: width, granularity: 16) { columns in
                    for row in 0..<rows {
                        let target = table + Int(inputs[row]) * width, from = source + row * width
                        for c in columns { target[c] += from[c] }
                    }
                }
            }
        }
        return (crossEntropy, auxiliary, [embeddingGradient] + blockGradients.flatMap { $0 } + normed.parameters + [headGradient])
    }

    /// Mean cross-entropy of logits (rows, vocabulary) against targets, and its gradient (softmax − one-hot)/rows.
    /// Rows are split across threads; their losses are added in row order.
    static func crossEntropy(logits: [Float], targets: [Int32], vocabulary: Int, gradient wantsGradient: Bool) -> (Double, [Float]) {
        let rows = targets.count
        // The exponentials go into the gradient (or a per-chunk scratch row).
        var gradient = wantsGradient
            ? [Float](unsafeUninitializedCapacity: logits.count) { _, initialized in initialized = logits.count } : []
        var losses = [Double](repeating: 0, count: rows)
        let scale = 1 / Float(rows)
        logits.withUnsafeBufferPointer { z in
            gradient.withUnsafeMutableBufferPointer { g in
                losses.withUnsafeMutableBufferPointer { lossBuffer in
                    let z = z.baseAddress!, gradientBase = g.baseAddress, loss = lossBuffer.baseAddress!
                    KernelThreads.forEachChunk(total: rows, granularity: 16) { range in
                        let scratch = wantsGradient ? nil : UnsafeMutablePointer<Float>.allocate(capacity: vocabulary)
                        defer { scratch?.deallocate() }
                        for row in range {
                            let base = row * vocabulary
                            let source = z + base, e = scratch ?? gradientBase! + base
                            var largest = -Float.infinity
                            for c in 0..<vocabulary { largest = max(largest, source[c]) }
                            let sum = Double(exponentials(source, into: e, count: vocabulary, minus: largest))
                            let target = Int(targets[row])
                            loss[row] = Double(largest) + Foundation.log(sum) - Double(source[target])
                            if wantsGradient {
                                let factor = scale / Float(sum)
                                for c in 0..<vocabulary { e[c] *= factor }
                                e[target] -= scale
                            }
                        }
                    }
                }
            }
        }
        var total = 0.0
        for loss in losses { total += loss }
        return (total / Double(max(rows, 1)), gradient)
    }

    // MARK: Work

    /// One forward pass over `shape`: embedding reads, every block as its architecture dictates, the head.
    public func forwardWork(shape: SequenceShape) -> Work {
        var work = blocks.reduce(Work()) { $0 + $1.forwardWork(shape: shape) }
        work += finalNorm.work(batch: shape.rows) + head.work(rows: shape.rows)
        work.activationBytesRead += UInt64(shape.rows * width) * 4   // embedding rows gathered
        return work
    }

    /// Generating one token at context `context` (the tokens before it cached): what inference energy per token counts.
    public func tokenWork(context: Int) -> Work {
        var work = blocks.reduce(Work()) { $0 + $1.tokenWork(context: context) }
        work += finalNorm.work(batch: 1) + head.work(rows: 1)
        work.activationBytesRead += UInt64(width) * 4
        return work
    }

    /// One training step on `shape`: forward, backward (≈ 2× the forward's arithmetic and traffic: the gradients of
    /// inputs and of weights each cost one forward's multiply-adds, as Kaplan et al. 2020 count C ≈ 6·N·D), and an
    /// AdamW update of every parameter (per value: 4 multiply-adds, 4 multiplies, a square root and a divide; the
    /// value, gradient and two moments read and the value and moments written).
    public func trainingStepWork(shape: SequenceShape) -> Work {
        let forward = forwardWork(shape: shape)
        var work = forward + forward + forward
        let values = UInt64(parameterCount)
        work.add(.f32MultiplyAdd, 4 * values)
        work.add(.f32Multiply, 4 * values)
        work.add(.f32Divide, 2 * values)
        work.activationBytesRead += 16 * values
        work.activationBytesWritten += 12 * values
        return work
    }

    /// Values kept per generated sequence at `context` (KV caches and recurrent states), all blocks.
    public func cacheValues(context: Int) -> Int { blocks.reduce(0) { $0 + $1.mixer.cacheValues(context: context) } }
}

/// A mixer whose tokens use only part of its parameters (Mixture-of-Experts: the router and the chosen experts).
public protocol ActiveParameterCounting {
    var activeParameterCount: Int { get }
}

extension SequenceModel: CustomStringConvertible {
    /// `model dense: 80 tokens → embed 64 → attention 4 heads → ffn 256 swiglu → head, 123,456 parameters`
    public var description: String {
        "model \(name): \(vocabularySize) tokens → embed \(width) → " + blocks.map(\.mixer.description).joined(separator: " → ")
            + " → head, \(parameterCount) parameters"
    }
}
