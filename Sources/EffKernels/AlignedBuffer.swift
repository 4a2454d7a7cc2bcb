#if canImport(Glibc)
import Glibc
#endif

/// Raw storage aligned to 64 bytes (one cache line, the width of an AVX-512 register).
///
/// Owned by value types (`Tensor`, `QuantizedMatrix`) that copy on write. The memory is
/// zero-filled so that padding at the end of rows and blocks reads as zero.
public final class AlignedBuffer: @unchecked Sendable {
    /// The alignment of every buffer, in bytes.
    public static let alignment = 64
    /// The largest buffer eff will allocate (64 GiB), so that a size from user input can never ask for absurd memory.
    public static let maximumByteCount = 64 << 30
    /// Buffers of at least `hugePageThreshold` bytes start on a 2 MiB boundary and ask Linux for transparent huge
    /// pages (`madvise(MADV_HUGEPAGE)`; the kernels' weight streams then cross a page, and miss the TLB, every 2 MiB
    /// instead of every 4 KiB). Tuning runs at 16384² on a loaded VM: int8 and int4 GEMV up to 25 and 20 GB/s with
    /// them, ≈ 12 without; later paired runs did not confirm it (docs/kernels.md).
    static let hugePageSize = 2 << 20
    static let hugePageThreshold = 4 << 20

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
        let huge = byteCount >= AlignedBuffer.hugePageThreshold
        baseAddress = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1),
                                                       alignment: huge ? AlignedBuffer.hugePageSize : AlignedBuffer.alignment)
        #if os(Linux)
        // A hint: where THP is off (or "never") it fails and nothing changes. Before the first touch, so the zero fill
        // below already faults in huge pages. 14 = MADV_HUGEPAGE.
        if huge { _ = madvise(baseAddress, byteCount / AlignedBuffer.hugePageSize * AlignedBuffer.hugePageSize, 14) }
        #endif
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
