import EffKernels
import Foundation

/// A sparse Mixture-of-Experts feed-forward layer (Shazeer et al. 2017; Switch Transformer, Fedus et al. 2021,
/// arXiv:2101.03961; Mixtral, Jiang et al. 2024, arXiv:2401.04088): `block moe(experts: 8, top: 2, hidden: 128)`.
///
/// Routing, as Mixtral: logits = x·W_routerᵀ (rows, experts); p = softmax over experts; each token takes its `top`
/// most probable experts (ties go to the lower index); their gates are the chosen probabilities renormalised to sum
/// to 1 over the chosen k, g_j = p_j / Σ_chosen p (the same as Mixtral's softmax over the top-k logits). The output
/// is Σ_j g_j · expert_j(x). Each expert is a `FeedForwardNetwork` run only on the rows routed to it.
///
/// Load balancing (Switch Transformer eq. 4): aux = N · Σ_i f_i · P_i, with f_i the fraction of the rows·top
/// (token, choice) assignments that chose expert i (before any capacity drop) and P_i the mean router probability
/// of expert i. aux is 1 when routing is uniform. Its gradient flows through P_i only (f_i counts, a step function).
///
/// Capacity (optional, `capacity: 1.25`): each expert accepts at most ceil(factor · rows · top / experts)
/// assignments per forward, taken in token order (row 0 first; a row's choices in rank order). An assignment over
/// the limit is dropped: its term leaves the sum, the other gates keep their values (no renormalisation over what
/// is left), and the residual connection around the block carries the token. Without capacity nothing is dropped.
public struct MixtureOfExpertsMixer: SequenceMixer, ActiveParameterCounting, Equatable {
    public let width: Int
    public let top: Int
    /// The capacity factor, or nil for unlimited experts.
    public let capacity: Double?
    /// (experts, width)
    var router: LinearMap
    /// All of the same hidden width and activation.
    var experts: [FeedForwardNetwork]

    public static let kind = BlockKind(
        name: "moe",
        fields: [.init("experts", default: .number(8), help: "experts in the layer"),
                 .init("top", default: .number(2), help: "experts each token visits (top-k routing)"),
                 .init("hidden", help: "hidden units of each expert"),
                 .init("activation", default: .name("swiglu"), help: "each expert's: swiglu (Mixtral) or gelu"),
                 .init("capacity", default: .name("none"),
                       help: "capacity factor: an expert takes at most ⌈factor·tokens·top/experts⌉ per batch; the rest drop")],
        help: "Mixture-of-Experts feed-forward: softmax router, top-k experts per token (Mixtral), Switch load-balancing loss.",
        example: "block moe(experts: 8, top: 2, hidden: 128)",
        make: { arguments, width, random in
            let experts = try arguments.integer("experts", in: 0...4096)
            let top = try arguments.integer("top", in: 0...4096)
            let hidden = try arguments.integer("hidden", in: 1...Model.maximumWidth)
            let activation = try FeedForwardNetwork.Activation.parse(arguments.name("activation", example: "swiglu"))
            var capacity: Double?
            if case .number(let factor)? = arguments.value("capacity") { capacity = factor }
            else if case .name(let name)? = arguments.value("capacity"), name != "none" {
                throw ModelsError(.model, "moe: capacity must be a factor such as 1.25, or none; got '\(name)'")
            }
            return try MixtureOfExpertsMixer(width: width, experts: experts, top: top, hidden: hidden,
                                             activation: activation, capacity: capacity, random: &random)
        })

    public init(width: Int, experts: Int, top: Int, hidden: Int, activation: FeedForwardNetwork.Activation = .swiglu,
                capacity: Double? = nil, random: inout RandomGenerator) throws {
        guard experts >= 1 else { throw ModelsError(.model, "moe: \(experts) experts; experts must be ≥ 1") }
        guard top >= 1 else { throw ModelsError(.model, "moe: top \(top); top must be ≥ 1") }
        guard top <= experts else {
            throw ModelsError(.model, "moe: top \(top) of \(experts) experts; top must be ≤ experts")
        }
        if let capacity, !(capacity > 0 && capacity.isFinite) {
            throw ModelsError(.model, "moe: capacity factor \(LayerArgument.number(capacity)); it must be > 0 (or none)")
        }
        self.width = width
        self.top = top
        self.capacity = capacity
        router = LinearMap(inputs: width, outputs: experts, random: &random)
        self.experts = try (0..<experts).map { _ in
            try FeedForwardNetwork(width: width, hidden: hidden, activation: activation, random: &random)
        }
    }

    public var expertCount: Int { experts.count }
    public var hidden: Int { experts[0].hidden }
    var activation: FeedForwardNetwork.Activation { experts[0].activation }

    public var description: String {
        "moe \(experts.count) experts top \(top), ffn \(hidden) \(activation.rawValue)"
            + (capacity.map { ", capacity \(LayerArgument.number($0))" } ?? "")
    }

    public var spec: LayerSpec {
        LayerSpec(kind: Self.kind.name, arguments: [
            "experts": .number(Double(experts.count)), "top": .number(Double(top)), "hidden": .number(Double(hidden)),
            "activation": .name(activation.rawValue), "capacity": capacity.map { .number($0) } ?? .name("none")])
    }

    // MARK: Parameters

    /// The router, then every expert's up projections as one tensor and their down projections as another, as
    /// llama.cpp stores Mixtral (`ffn_*_exps`): expert e's matrix is slice e of the leading axis. SwiGLU's up
    /// tensor holds each expert's gate rows then up rows (as `ffn` does), where llama.cpp splits gate and up.
    public var parameters: [[Float]] {
        [router.weight, experts.flatMap(\.up.weight), experts.flatMap(\.down.weight)]
    }
    public var parameterShapes: [(name: String, shape: [Int])] {
        [("ffn_gate_inp.weight", [experts.count, width]),
         ("ffn_up_exps.weight", [experts.count, experts[0].upWidth, width]),
         ("ffn_down_exps.weight", [experts.count, width, hidden])]
    }
    public var decaysParameters: [Bool] { [true, true, true] }
    public mutating func setParameters(_ values: [[Float]]) {
        router.weight = values[0]
        let upSize = experts[0].up.weight.count, downSize = experts[0].down.weight.count
        for e in experts.indices {
            experts[e].setParameters([Array(values[1][(e * upSize)..<((e + 1) * upSize)]),
                                      Array(values[2][(e * downSize)..<((e + 1) * downSize)])])
        }
    }

    /// The router and `top` experts: the parameters one token uses.
    public var activeParameterCount: Int { router.weight.count + top * experts[0].parameterCount }

    // MARK: Routing

    /// Which experts each row visits and with what gate. // every array (rows, top), choices in rank order
    struct Routing {
        var choices: [Int]
        var gates: [Float]
        /// False where capacity dropped the assignment.
        var kept: [Bool]
        /// Per expert, the (row, rank) of the assignments it runs, in token order.
        var assignments: [[(row: Int, rank: Int)]]
    }

    /// The most assignments one expert takes in a forward over `rows` rows, or nil when unlimited.
    func capacityLimit(rows: Int) -> Int? {
        capacity.map { Int((($0 * Double(rows * top)) / Double(experts.count)).rounded(.up)) }
    }

    /// Top-k of each row of `probabilities` (rows, experts), gates renormalised over the k, capacity applied.
    func route(_ probabilities: [Float], rows: Int) -> Routing {
        let count = experts.count
        var routing = Routing(choices: [Int](repeating: 0, count: rows * top), gates: [Float](repeating: 0, count: rows * top),
                              kept: [Bool](repeating: true, count: rows * top), assignments: Array(repeating: [], count: count))
        let limit = capacityLimit(rows: rows)
        var chosen = [Bool](repeating: false, count: count)
        for row in 0..<rows {
            let p = probabilities[(row * count)..<((row + 1) * count)]
            for e in 0..<count { chosen[e] = false }
            var total: Float = 0
            for rank in 0..<top {
                // The largest probability not yet chosen; strict > keeps the lower index on ties.
                var best = -1
                for e in 0..<count where !chosen[e] && (best < 0 || p[p.startIndex + e] > p[p.startIndex + best]) { best = e }
                chosen[best] = true
                routing.choices[row * top + rank] = best
                total += p[p.startIndex + best]
            }
            for rank in 0..<top {
                let slot = row * top + rank, e = routing.choices[slot]
                routing.gates[slot] = p[p.startIndex + e] / total
                if let limit, routing.assignments[e].count >= limit {
                    routing.kept[slot] = false
                } else {
                    routing.assignments[e].append((row, rank))
                }
            }
        }
        return routing
    }

    /// Row-wise softmax of router logits. // (rows, experts)
    func softmax(_ logits: [Float], rows: Int) -> [Float] {
        let count = experts.count
        var p = logits
        for row in 0..<rows {
            let range = (row * count)..<((row + 1) * count)
            let largest = p[range].max()!
            var total: Float = 0
            for i in range { p[i] = Foundation.exp(p[i] - largest); total += p[i] }
            for i in range { p[i] /= total }
        }
        return p
    }

    /// Switch Transformer's aux = N · Σ f_i · P_i, and f (the fractions of assignments per expert).
    func balancingLoss(_ probabilities: [Float], routing: Routing, rows: Int) -> (loss: Double, fractions: [Double]) {
        let count = experts.count
        var fractions = [Double](repeating: 0, count: count), means = fractions
        for e in routing.choices { fractions[e] += 1 / Double(rows * top) }
        for row in 0..<rows { for e in 0..<count { means[e] += Double(probabilities[row * count + e]) / Double(rows) } }
        return (Double(count) * zip(fractions, means).reduce(0) { $0 + $1.0 * $1.1 }, fractions)
    }

    // MARK: Forward and backward

    /// saved: [router probabilities (rows, experts), then per expert e: its expert's saved (pre-activations,
    /// hidden activations) and its outputs (assignments_e, width)]. Routing is recomputed from the probabilities.
    public func forward(_ input: [Float], shape: SequenceShape) throws -> (output: [Float], saved: SequenceSaved, auxiliaryLoss: Double) {
        let rows = shape.rows
        let probabilities = softmax(router(input, rows: rows), rows: rows)
        let routing = route(probabilities, rows: rows)
        var output = [Float](repeating: 0, count: rows * width)
        var saved: SequenceSaved = [probabilities]
        for (e, assigned) in routing.assignments.enumerated() {
            guard !assigned.isEmpty else { saved += [[], [], []]; continue }   // an idle expert runs nothing
            let gathered = gatherRows(input, assigned.map(\.row))
            let result = experts[e].forward(gathered, rows: assigned.count)
            let width = self.width
            output.withUnsafeMutableBufferPointer { output in result.output.withUnsafeBufferPointer { expert in
                for (index, (row, rank)) in assigned.enumerated() {
                    let gate = routing.gates[row * top + rank]
                    let target = output.baseAddress! + row * width, source = expert.baseAddress! + index * width
                    for c in 0..<width { target[c] += gate * source[c] }
                }
            } }
            saved += result.saved + [result.output]
        }
        return (output, saved, balancingLoss(probabilities, routing: routing, rows: rows).loss)
    }

    public func backward(_ gradient: [Float], input: [Float], saved: SequenceSaved, shape: SequenceShape,
                         auxiliaryWeight: Float) throws -> (input: [Float], parameters: [[Float]]) {
        let rows = shape.rows, count = experts.count
        let probabilities = saved[0]
        let routing = route(probabilities, rows: rows)
        var inputGradient = [Float](repeating: 0, count: rows * width)
        var gateGradient = [Float](repeating: 0, count: rows * top)    // ∂L/∂g per (row, rank); 0 where dropped
        var upGradients: [Float] = [], downGradients: [Float] = []
        for (e, assigned) in routing.assignments.enumerated() {
            guard !assigned.isEmpty else {
                upGradients += [Float](repeating: 0, count: experts[e].up.weight.count)
                downGradients += [Float](repeating: 0, count: experts[e].down.weight.count)
                continue
            }
            let expertSaved = Array(saved[(1 + 3 * e)..<(1 + 3 * e + 2)]), expertOutput = saved[1 + 3 * e + 2]
            // ∂L/∂expert output = g · dy on its rows; ∂L/∂g = dy · expert output.
            var outputGradient = [Float](repeating: 0, count: assigned.count * width)
            let width = self.width
            gradient.withUnsafeBufferPointer { gradient in expertOutput.withUnsafeBufferPointer { expertOutput in
            outputGradient.withUnsafeMutableBufferPointer { outputGradient in
                for (index, (row, rank)) in assigned.enumerated() {
                    let gate = routing.gates[row * top + rank]
                    let dy = gradient.baseAddress! + row * width, y = expertOutput.baseAddress! + index * width
                    let target = outputGradient.baseAddress! + index * width
                    var dot: Float = 0
                    for c in 0..<width {
                        target[c] = gate * dy[c]
                        dot += dy[c] * y[c]
                    }
                    gateGradient[row * top + rank] = dot
                }
            } } }
            let expertInput = gatherRows(input, assigned.map(\.row))
            let result = experts[e].backward(outputGradient, input: expertInput, saved: expertSaved, rows: assigned.count)
            inputGradient.withUnsafeMutableBufferPointer { inputGradient in result.input.withUnsafeBufferPointer { expert in
                for (index, (row, _)) in assigned.enumerated() {
                    let target = inputGradient.baseAddress! + row * width, source = expert.baseAddress! + index * width
                    for c in 0..<width { target[c] += source[c] }
                }
            } }
            upGradients += result.parameters[0]
            downGradients += result.parameters[1]
        }
        // Gates g_j = p_j / S over the chosen set, S = Σ_chosen p: ∂L/∂p_m = (∂L/∂g_m − Σ_j ∂L/∂g_j · g_j) / S.
        var probabilityGradient = [Float](repeating: 0, count: rows * count)
        for row in 0..<rows {
            var total: Float = 0, weighted: Float = 0
            for rank in 0..<top {
                let slot = row * top + rank
                total += probabilities[row * count + routing.choices[slot]]
                weighted += gateGradient[slot] * routing.gates[slot]
            }
            for rank in 0..<top {
                let slot = row * top + rank
                probabilityGradient[row * count + routing.choices[slot]] += (gateGradient[slot] - weighted) / total
            }
        }
        // The balancing loss: ∂aux/∂p[row, i] = N · f_i / rows (through P_i = mean of p[·, i]).
        if auxiliaryWeight != 0 {
            let fractions = balancingLoss(probabilities, routing: routing, rows: rows).fractions
            for row in 0..<rows {
                for e in 0..<count {
                    probabilityGradient[row * count + e] += auxiliaryWeight * Float(Double(count) * fractions[e] / Double(rows))
                }
            }
        }
        // Softmax: ∂L/∂logit = p ⊙ (∂L/∂p − Σ ∂L/∂p · p).
        var logitGradient = probabilityGradient
        for row in 0..<rows {
            let range = (row * count)..<((row + 1) * count)
            let dot = range.reduce(Float(0)) { $0 + probabilityGradient[$1] * probabilities[$1] }
            for i in range { logitGradient[i] = probabilities[i] * (probabilityGradient[i] - dot) }
        }
        let (routerInputGradient, routerGradient) = router.backward(logitGradient, input: input, rows: rows)
        addInPlace(&inputGradient, routerInputGradient)
        return (inputGradient, [routerGradient, upGradients, downGradients])
    }

    /// Rows `rows` of `values` (·, width), in that order. // → (rows.count, width)
    func gatherRows(_ values: [Float], _ rows: [Int]) -> [Float] {
        let width = self.width
        return [Float](unsafeUninitializedCapacity: rows.count * width) { gathered, count in
            values.withUnsafeBufferPointer { values in
                for (index, row) in rows.enumerated() {
                    (gathered.baseAddress! + index * width).initialize(from: values.baseAddress! + row * width, count: width)
                }
            }
            count = rows.count * width
        }
    }

    // MARK: Work

    /// The router over every row, softmax and top-k, then the experts on `assignments` rows in all and the gated sum.
    func work(rows: Int, assignments: Int) -> Work {
        var work = router.work(rows: rows)
        let count = UInt64(experts.count)
        work.add(.f32Transcendental, UInt64(rows) * count)              // softmax exp
        work.add(.f32Divide, UInt64(rows) * count)
        work.add(.f32Compare, UInt64(rows * top) * count)                // top-k selection
        guard assignments > 0 else { return work }
        var expertWork = experts[0].work(rows: assignments)
        // Every visited expert's weights are read once: at most min(experts, assignments) of them.
        expertWork.weightBytesRead = UInt64(min(experts.count, assignments)) * UInt64(experts[0].parameterCount) * 4
        work = work + expertWork
        work.add(.f32MultiplyAdd, UInt64(assignments * width))          // Σ gate · expert output
        return work
    }

    /// The router on every token and `top` experts per token: rows·top assignments. With a capacity factor the
    /// dropped ones depend on the routing, so this charges the bound min(rows·top, experts·limit) (an upper bound).
    public func forwardWork(shape: SequenceShape) -> Work {
        var assignments = shape.rows * top
        if let limit = capacityLimit(rows: shape.rows) { assignments = min(assignments, experts.count * limit) }
        return work(rows: shape.rows, assignments: assignments)
    }

    /// The router and `top` experts for one token (no cache; independent of the context).
    public func tokenWork(context: Int) -> Work { work(rows: 1, assignments: top) }
    public func cacheValues(context: Int) -> Int { 0 }
}
