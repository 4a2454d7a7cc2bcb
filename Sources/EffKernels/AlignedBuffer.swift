/// Raw storage aligned to 64 bytes (one cache line, the width of an AVX-512 register).
///
/// Owned by value types (`Tensor`, `QuantizedMatrix`) that copy on write. The memory is
/// zero-filled so that padding at the end of rows and blocks reads as zero.
public final class AlignedBuffer: @unchecked Sendable {
    /// The alignment of every buffer, in bytes.
    public static let alignment = 64
    /// The largest buffer eff will allocate (64 GiB), so that a size from user input can never ask for absurd memory.
    public static let maximumByteCount = 64 << 30

    /// Start of the storage (aligned to `alignment`).
    public let baseAddress: UnsafeMutableRawPointer
    /// Size in bytes.
    public let byteCount: Int

    /// Allocates `byteCount` zeroed bytes; throws when the size is negative or above `maximumByteCount`.
    public init(byteCount: Int, what: String = "buffer") throws {
        guard byteCount >= 0, byteCount <= AlignedBuffer.maximumByteCount else {
            throw KernelError.sizeTooLarge(what: what, bytes: byteCount, limit: AlignedBuffer.maximumByteCount)
        }
        self.byteCount = byteCount
        baseAddress = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: AlignedBuffer.alignment)
        baseAddress.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
    }

    /// A copy of this buffer's contents.
    public func copy() -> AlignedBuffer {
        // The size was valid when this buffer was made, so the copy cannot fail.
        let copy = try! AlignedBuffer(byteCount: byteCount)
        copy.baseAddress.copyMemory(from: baseAddress, byteCount: byteCount)
        return copy
    }

    deinit { baseAddress.deallocate() }

    /// Element count × element size in bytes, checked for overflow and against `maximumByteCount`.
    public static func checkedByteCount(_ counts: [Int], elementSize: Int, what: String) throws -> Int {
        var total = elementSize
        for count in counts {
            guard count >= 0 else { throw KernelError.invalidArgument("\(what): negative dimension \(count)") }
            let (product, overflow) = total.multipliedReportingOverflow(by: count)
            guard !overflow, product <= maximumByteCount else {
                throw KernelError.sizeTooLarge(what: what, bytes: overflow ? Int.max : product, limit: maximumByteCount)
            }
            total = product
        }
        return total
    }
}
