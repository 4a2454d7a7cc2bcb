/// A dense f32 tensor: a shape and row-major elements in 64-byte-aligned storage.
///
/// Value semantics (copy on write). The last dimension is contiguous.
///
///     var x = try Tensor(shape: [2, 3])
///     x[1, 2] = 5
public struct Tensor: Sendable, Equatable {
    /// Dimensions, outermost first.
    public let shape: [Int]
    private var storage: AlignedBuffer

    /// A zero-filled tensor; throws when a dimension is negative or the size is too large.
    public init(shape: [Int]) throws {
        let bytes = try AlignedBuffer.checkedByteCount(shape, elementSize: 4, what: "tensor \(shape)")
        self.shape = shape
        storage = try AlignedBuffer(byteCount: bytes, what: "tensor \(shape)")
    }

    /// A tensor holding `elements` (row-major); throws when the count does not match the shape.
    public init(shape: [Int], elements: [Float]) throws {
        try self.init(shape: shape)
        guard elements.count == count else {
            throw KernelError.shapeMismatch(what: "tensor \(shape) elements", expected: count, actual: elements.count)
        }
        elements.withUnsafeBufferPointer { source in
            storage.baseAddress.copyMemory(from: source.baseAddress!, byteCount: count * 4)
        }
    }

    /// Number of elements (product of the shape).
    public var count: Int { storage.byteCount / 4 }

    /// The elements as an array (row-major).
    public var elements: [Float] { withUnsafeBufferPointer { Array($0) } }

    /// Reads the elements in place.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.baseAddress.assumingMemoryBound(to: Float.self), count: count))
    }

    /// Writes the elements in place (copies the storage first if it is shared).
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return try body(UnsafeMutableBufferPointer(start: storage.baseAddress.assumingMemoryBound(to: Float.self), count: count))
    }

    /// The element at a multi-dimensional index (traps on an out-of-range index, like an array).
    public subscript(indices: Int...) -> Float {
        get { withUnsafeBufferPointer { $0[offset(indices)] } }
        set { let index = offset(indices); withUnsafeMutableBufferPointer { $0[index] = newValue } }
    }

    /// The element at a multi-dimensional index, or an error naming the index and shape when it is out of range
    /// (use this for indices that come from user input).
    public func element(at indices: [Int]) throws -> Float {
        guard indices.count == shape.count, zip(indices, shape).allSatisfy({ $0 >= 0 && $0 < $1 }) else {
            throw KernelError.invalidArgument("index \(indices) is out of range for a tensor of shape \(shape)")
        }
        return withUnsafeBufferPointer { $0[offset(indices)] }
    }

    private func offset(_ indices: [Int]) -> Int {
        precondition(indices.count == shape.count, "tensor index has \(indices.count) dimensions, shape has \(shape.count)")
        var offset = 0
        for (index, dimension) in zip(indices, shape) {
            precondition(index >= 0 && index < dimension, "tensor index \(indices) out of range for shape \(shape)")
            offset = offset * dimension + index
        }
        return offset
    }

    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        lhs.shape == rhs.shape && lhs.elements == rhs.elements
    }
}
