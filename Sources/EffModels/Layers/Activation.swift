import EffKernels
import Foundation

/// An element-wise activation applied after a dense layer.
public enum Activation: String, CaseIterable, Sendable, Codable {
    case relu, gelu, tanh, sigmoid, none

    /// Applies the activation in place. // values: any shape
    func apply(_ values: inout [Float]) {
        switch self {
        case .none: return
        case .relu: for index in values.indices where values[index] < 0 { values[index] = 0 }
        case .gelu: for index in values.indices { values[index] = Activation.gelu(values[index]) }
        case .tanh: for index in values.indices { values[index] = Foundation.tanh(values[index]) }
        case .sigmoid: for index in values.indices { values[index] = 1 / (1 + exp(-values[index])) }
        }
    }

    /// Multiplies `gradient` by the activation's derivative, given pre-activations `inputs` and `outputs`.
    func backpropagate(_ gradient: inout [Float], inputs: [Float], outputs: [Float]) {
        switch self {
        case .none: return
        case .relu: for index in gradient.indices where inputs[index] <= 0 { gradient[index] = 0 }
        case .gelu:
            for index in gradient.indices {
                let z = inputs[index]
                let cdf = 0.5 * (1 + erf(z * 0.70710678))
                let pdf = exp(-0.5 * z * z) * 0.39894228
                gradient[index] *= cdf + z * pdf
            }
        case .tanh: for index in gradient.indices { gradient[index] *= 1 - outputs[index] * outputs[index] }
        case .sigmoid: for index in gradient.indices { gradient[index] *= outputs[index] * (1 - outputs[index]) }
        }
    }

    /// Exact GELU, x·Φ(x) (as PyTorch's default `nn.GELU()`).
    static func gelu(_ x: Float) -> Float { 0.5 * x * (1 + erf(x * 0.70710678)) }
}

extension Activation {
    /// The work of applying the activation to `count` values (the counts `Elementwise` reports).
    func work(count: Int) -> Work {
        let n = UInt64(count)
        var work = Work()
        switch self {
        case .none: break
        case .relu: work.add(.f32Compare, n)
        case .gelu:
            work.add(.f32Transcendental, n)
            work.add(.f32Multiply, 2 * n)
            work.add(.f32MultiplyAdd, n)
        case .tanh: work.add(.f32Transcendental, n)
        case .sigmoid:
            work.add(.f32Transcendental, n)
            work.add(.f32Add, n)
            work.add(.f32Divide, n)
        }
        return work
    }
}
