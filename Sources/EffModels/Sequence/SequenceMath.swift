import EffKernels
import Foundation

// The dense algebra of sequence layers, on eff's blocked, threaded f32 GEMM (`Kernels.multiply`).

/// C = op(A)·op(B) (+ C when `accumulate`). op(A) is (m, k), op(B) is (k, n), C is (m, n); stored shapes as
/// `Kernels.multiply` documents. Sizes come from the model, never from files, so a mismatch is a programming error.
@inline(__always)
func gemm(_ a: [Float], _ b: [Float], into c: inout [Float], m: Int, n: Int, k: Int,
          transposeA: Transpose = .none, transposeB: Transpose = .none, accumulate: Bool = false) {
    a.withUnsafeBufferPointer { aBuffer in
        b.withUnsafeBufferPointer { bBuffer in
            c.withUnsafeMutableBufferPointer { cBuffer in
                gemm(aBuffer, bBuffer, into: cBuffer, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                     accumulate: accumulate)
            }
        }
    }
}

@inline(__always)
func gemm(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>, into c: UnsafeMutableBufferPointer<Float>,
          m: Int, n: Int, k: Int, transposeA: Transpose = .none, transposeB: Transpose = .none, accumulate: Bool = false) {
    do {
        try Kernels.multiply(a, b, into: c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                             accumulate: accumulate)
    } catch {
        preconditionFailure("sequence layer GEMM with inconsistent shapes: \(error)")
    }
}

/// op(A)·op(B) in a new (m, n) array, written once by the GEMM (no zero-fill first).
@inline(__always)
func product(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposeA: Transpose = .none, transposeB: Transpose = .none) -> [Float] {
    [Float](unsafeUninitializedCapacity: m * n) { c, count in
        a.withUnsafeBufferPointer { aBuffer in
            b.withUnsafeBufferPointer { bBuffer in
                gemm(aBuffer, bBuffer, into: c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
            }
        }
        count = m * n
    }
}

/// A new array of `count` floats left unset, for a caller that writes every value before reading any (skips the
/// zero fill: tens of MB per training step, on one thread).
@inline(__always)
func uninitializedFloats(_ count: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
}

/// A bias-free linear map y = x·Wᵀ with W stored (outputs, inputs), as PyTorch's `nn.Linear(bias=False)` and GGUF.
struct LinearMap: Sendable, Equatable {
    /// (outputs, inputs)
    var weight: [Float]
    let inputs: Int
    let outputs: Int

    /// Weights drawn from N(0, scale²); scale defaults to 1/√inputs (fan-in).
    init(inputs: Int, outputs: Int, random: inout RandomGenerator, scale: Float? = nil) {
        let deviation = scale ?? 1 / Float(inputs).squareRoot()
        self.inputs = inputs
        self.outputs = outputs
        weight = (0..<(inputs * outputs)).map { _ in random.nextNormal() * deviation }
    }

    /// x (rows, inputs) → (rows, outputs)
    func callAsFunction(_ x: [Float], rows: Int) -> [Float] {
        product(x, weight, m: rows, n: outputs, k: inputs, transposeB: .transposed)
    }

    /// dx = dy·W (rows, inputs) and dW = dyᵀ·x (outputs, inputs). // dy (rows, outputs), x (rows, inputs)
    func backward(_ dy: [Float], input x: [Float], rows: Int) -> (input: [Float], weight: [Float]) {
        (product(dy, weight, m: rows, n: inputs, k: outputs), product(dy, x, m: outputs, n: inputs, k: rows, transposeA: .transposed))
    }

    /// The multiply-adds of `rows` positions and one read of the weights (f32).
    func work(rows: Int) -> Work {
        var work = Work()
        work.add(.f32MultiplyAdd, UInt64(rows) * UInt64(inputs * outputs))
        work.weightBytesRead = UInt64(inputs * outputs) * 4
        work.activationBytesRead = UInt64(rows * inputs) * 4
        work.activationBytesWritten = UInt64(rows * outputs) * 4
        return work
    }
}

/// SiLU(x) = x·σ(x) and its derivative σ(x)·(1 + x·(1 − σ(x))).
@inline(__always) func silu(_ x: Float) -> Float { x / (1 + Foundation.exp(-x)) }
@inline(__always) func siluDerivative(_ x: Float) -> Float {
    let s = 1 / (1 + Foundation.exp(-x))
    return s * (1 + x * (1 - s))
}

/// GELU with the tanh approximation (GPT-2, PyTorch `approximate="tanh"`) and its derivative.
@inline(__always) func gelu(_ x: Float) -> Float {
    let c: Float = 0.7978845608 // √(2/π)
    return 0.5 * x * (1 + tanh(c * (x + 0.044715 * x * x * x)))
}
@inline(__always) func geluDerivative(_ x: Float) -> Float {
    let c: Float = 0.7978845608
    let inner = c * (x + 0.044715 * x * x * x)
    let t = tanh(inner)
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
}

/// softplus(x) = log(1 + eˣ), computed without overflow; its derivative is σ(x).
@inline(__always) func softplus(_ x: Float) -> Float { x > 20 ? x : Foundation.log1p(Foundation.exp(x)) }
@inline(__always) func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }

/// out[i] = silu(gate[i]) · up[i] for i < count: 8 at a time with `SequenceKernels.exp8` (within 1e−6 of libm's exp).
@inline(__always)
func swiglu(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count {
        let g = UnsafeRawPointer(gate + i).loadUnaligned(as: SIMD8<Float>.self)
        let u = UnsafeRawPointer(up + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(out + i).storeBytes(of: g / (1 + SequenceKernels.exp8(-g)) * u, as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        out[i] = silu(gate[i]) * up[i]
        i += 1
    }
}

/// The backward of `swiglu`: dGate = d·up·σ(g)(1 + g(1 − σ(g))), dUp = d·silu(g), one exp per value.
@inline(__always)
func swigluBackward(_ d: UnsafePointer<Float>, gate: UnsafePointer<Float>, up: UnsafePointer<Float>,
                    gateGradient: UnsafeMutablePointer<Float>, upGradient: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count {
        let g = UnsafeRawPointer(gate + i).loadUnaligned(as: SIMD8<Float>.self)
        let u = UnsafeRawPointer(up + i).loadUnaligned(as: SIMD8<Float>.self)
        let dy = UnsafeRawPointer(d + i).loadUnaligned(as: SIMD8<Float>.self)
        let s = 1 / (1 + SequenceKernels.exp8(-g))
        UnsafeMutableRawPointer(gateGradient + i).storeBytes(of: dy * u * (s * (1 + g * (1 - s))), as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(upGradient + i).storeBytes(of: dy * g * s, as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        gateGradient[i] = d[i] * up[i] * siluDerivative(gate[i])
        upGradient[i] = d[i] * silu(gate[i])
        i += 1
    }
}

/// out[j] = e^(x[j] − largest) for j < count (`out` may be `x`), returning their sum: 8 at a time with
/// `SequenceKernels.exp8`, the rest with libm's exp.
@inline(__always)
func exponentials(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int, minus largest: Float) -> Float {
    var sums = SIMD8<Float>()
    var j = 0
    while j + 8 <= count {
        let e = SequenceKernels.exp8(UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<Float>.self) - largest)
        UnsafeMutableRawPointer(out + j).storeBytes(of: e, as: SIMD8<Float>.self)
        sums += e
        j += 8
    }
    var total = sums.sum()
    while j < count {
        out[j] = Foundation.exp(x[j] - largest)
        total += out[j]
        j += 1
    }
    return total
}

/// x ← softmax(scale·x) over `count` ≥ 1 values in place.
@inline(__always)
func softmaxInPlace(_ x: UnsafeMutablePointer<Float>, count: Int, scale: Float) {
    var largest = -Float.infinity
    for j in 0..<count { x[j] *= scale; largest = max(largest, x[j]) }
    let inverse = 1 / exponentials(x, into: x, count: count, minus: largest)
    for j in 0..<count { x[j] *= inverse }
}
