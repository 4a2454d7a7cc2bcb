/// The exact work one kernel call did: arithmetic by kind and precision, and bytes moved.
///
/// Kernels fill this in; the energy estimator (EffEnergy) prices it with an energy table.
/// Counts are exact (computed from shapes and formats, never sampled), so they can be
/// checked in tests against hand-computed values.
///
///     var work = Work()
///     work.add(.f32MultiplyAdd, 8192 * 8192)
///     work.weightBytesRead += 8192 * 8192 * 4
public struct Work: Sendable, Equatable, Hashable {
    /// Arithmetic performed, by operation kind. Missing keys mean zero.
    public private(set) var operations: [Operation: UInt64]
    /// Bytes of weights (including scales, indices and bit planes) read.
    public var weightBytesRead: UInt64
    /// Bytes of activations (inputs, biases, intermediate buffers) read.
    public var activationBytesRead: UInt64
    /// Bytes of activations (outputs) written.
    public var activationBytesWritten: UInt64

    public init(operations: [Operation: UInt64] = [:],
                weightBytesRead: UInt64 = 0,
                activationBytesRead: UInt64 = 0,
                activationBytesWritten: UInt64 = 0) {
        self.operations = operations.filter { $0.value != 0 }
        self.weightBytesRead = weightBytesRead
        self.activationBytesRead = activationBytesRead
        self.activationBytesWritten = activationBytesWritten
    }

    /// Adds `count` operations of one kind.
    public mutating func add(_ operation: Operation, _ count: UInt64) {
        guard count != 0 else { return }
        operations[operation, default: 0] += count
    }

    /// The count of one kind of operation (0 when none was done).
    public subscript(operation: Operation) -> UInt64 { operations[operation] ?? 0 }

    /// All bytes moved, weights and activations, read and written.
    public var totalBytes: UInt64 { weightBytesRead + activationBytesRead + activationBytesWritten }

    /// Sums two records (e.g. the layers of a model).
    public static func + (lhs: Work, rhs: Work) -> Work {
        var sum = lhs
        sum += rhs
        return sum
    }

    public static func += (lhs: inout Work, rhs: Work) {
        for (operation, count) in rhs.operations { lhs.add(operation, count) }
        lhs.weightBytesRead += rhs.weightBytesRead
        lhs.activationBytesRead += rhs.activationBytesRead
        lhs.activationBytesWritten += rhs.activationBytesWritten
    }

    /// This work repeated `times` times (e.g. per-inference work times a batch).
    public func scaled(by times: UInt64) -> Work {
        Work(operations: operations.mapValues { $0 * times },
             weightBytesRead: weightBytesRead * times,
             activationBytesRead: activationBytesRead * times,
             activationBytesWritten: activationBytesWritten * times)
    }
}

/// One kind of arithmetic operation, named by what it does and its precision.
///
/// This enum is the single list of operation kinds: kernels count them and the
/// energy tables price them. A multiply-add counts once (it is priced as one multiply
/// plus one add of the stated precisions).
public enum Operation: String, CaseOrdered, Sendable, Codable, Hashable {
    /// f32 × f32 + f32 (dense f32/f16/bf16 weights after conversion).
    case f32MultiplyAdd = "f32_multiply_add"
    /// f32 + f32 or f32 − f32 (bias adds, ternary/binary weights on f32 activations, scale sums).
    case f32Add = "f32_add"
    /// f32 × f32 (scales, normalisation).
    case f32Multiply = "f32_multiply"
    /// f32 ÷ f32 and square roots.
    case f32Divide = "f32_divide"
    /// exp, tanh, log, erf and other transcendental functions, one evaluation each.
    case f32Transcendental = "f32_transcendental"
    /// f32 comparisons and max/min (relu, argmax, max-subtraction in softmax).
    case f32Compare = "f32_compare"
    /// int8 × int8 (or uint8 × int8) multiply accumulated into int32.
    case int8MultiplyAdd = "int8_multiply_add"
    /// int8 additions/subtractions (ternary weights on int8 activations).
    case int8Add = "int8_add"
    /// int16 additions.
    case int16Add = "int16_add"
    /// int32 additions (accumulator sums, block sums).
    case int32Add = "int32_add"
    /// int32 multiplications.
    case int32Multiply = "int32_multiply"
    /// 64-bit xnor + popcount (binary weights on binary activations), one per 64 lanes.
    case popcount64 = "popcount64"
    /// Format conversions (f32→int8 activation quantization, f16→f32 widening), one per element.
    case convert = "convert"

}

/// An enum ordered as its cases are declared (operations, memory levels: tables list them in that order).
public protocol CaseOrdered: CaseIterable, Comparable {}

extension CaseOrdered {
    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
