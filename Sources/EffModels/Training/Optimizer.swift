import Foundation

/// Per-parameter optimizer memory (momentum, Adam moments) in `Model.parameterArrays` order.
struct OptimizerState {
    private let options: TrainingOptions
    /// SGD velocity or Adam first moment, one array per parameter tensor.
    private var first: [[Float]]
    /// Adam second moment, one array per parameter tensor (empty for SGD).
    private var second: [[Float]]
    /// Number of updates made (Adam bias correction).
    private var step = 0

    init(model: Model, options: TrainingOptions) {
        self.options = options
        let shapes = model.parameterArrays.map(\.count)
        first = shapes.map { [Float](repeating: 0, count: $0) }
        if case .adam = options.optimizer {
            second = shapes.map { [Float](repeating: 0, count: $0) }
        } else {
            second = []
        }
    }

    /// Applies one update with `gradients` (same order and shapes as `parameterArrays`).
    mutating func update(_ model: inout Model, gradients: [[Float]], learningRate: Double) {
        step += 1
        var parameters = model.parameterArrays
        let decays = model.parameterDecays
        let rate = Float(learningRate)
        let decay = Float(options.weightDecay)
        switch options.optimizer {
        case .sgd(let momentum):
            let mu = Float(momentum)
            for tensor in parameters.indices {
                let decayed = decays[tensor] && decay > 0
                for index in parameters[tensor].indices {
                    var g = gradients[tensor][index]
                    if decayed { g += decay * parameters[tensor][index] }
                    let velocity = mu * first[tensor][index] + g
                    first[tensor][index] = velocity
                    parameters[tensor][index] -= rate * velocity
                }
            }
        case .adam(let beta1, let beta2, let epsilon):
            let b1 = Float(beta1), b2 = Float(beta2), eps = Float(epsilon)
            let correction1 = 1 - Float(pow(beta1, Double(step)))
            let correction2 = 1 - Float(pow(beta2, Double(step)))
            let stepSize = rate / correction1
            let inverseCorrection2 = 1 / correction2
            for tensor in parameters.indices {
                let decayFactor: Float = decays[tensor] ? 1 - rate * decay : 1
                parameters[tensor].withUnsafeMutableBufferPointer { w in
                    first[tensor].withUnsafeMutableBufferPointer { m in
                        second[tensor].withUnsafeMutableBufferPointer { v in
                            gradients[tensor].withUnsafeBufferPointer { g in
                                for index in 0..<w.count {
                                    let gradient = g[index]
                                    let mean = b1 * m[index] + (1 - b1) * gradient
                                    let square = b2 * v[index] + (1 - b2) * gradient * gradient
                                    m[index] = mean
                                    v[index] = square
                                    w[index] = w[index] * decayFactor
                                        - stepSize * mean / ((square * inverseCorrection2).squareRoot() + eps)
                                }
                            }
                        }
                    }
                }
            }
        }
        model.setParameterArrays(parameters)
    }
}

extension Model {
    /// All learnable tensors in a fixed order: per layer, its `parameters` (dense: weights then bias;
    /// normalizations: gain then shift).
    var parameterArrays: [[Float]] { layers.flatMap(\.parameters) }

    /// Whether weight decay applies to each tensor of `parameterArrays` (dense weights only).
    var parameterDecays: [Bool] { layers.flatMap(\.decaysParameters) }

    /// Writes tensors back in `parameterArrays` order; pruned weights stay zero.
    mutating func setParameterArrays(_ arrays: [[Float]]) {
        var next = 0
        for index in layers.indices {
            let count = layers[index].parameters.count
            guard count > 0 else { continue }
            layers[index].setParameters(Array(arrays[next..<(next + count)]))
            next += count
        }
    }
}
