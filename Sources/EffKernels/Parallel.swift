import Dispatch
import Foundation

/// The number of threads kernels split their rows across (default: all cores; 1 for clean measurements).
///
///     KernelThreads.count = 1
public enum KernelThreads {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var stored = ProcessInfo.processInfo.activeProcessorCount

    /// Threads per kernel call, at least 1 (values below 1 are stored as 1).
    public static var count: Int {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); defer { lock.unlock() }; stored = max(1, newValue) }
    }

    /// How many threads are worth waking for `units` of work (bytes of weights streamed, or multiply-adds):
    /// waking a thread costs tens of microseconds on a VM, so small layers run on the caller's thread alone.
    /// - Parameter perThread: the least work that pays for one more thread.
    public static func useful(for units: Int, perThread: Int) -> Int {
        max(1, min(count, units / max(perThread, 1)))
    }

    /// Runs `body` over 0..<total split into contiguous chunks (multiples of `granularity`), one per thread.
    public static func forEachChunk(total: Int, granularity: Int = 4, threads: Int? = nil,
                             _ body: (Range<Int>) -> Void) {
        let threadCount = min(threads ?? count, max(1, total / max(granularity, 1)))
        guard threadCount > 1 else { if total > 0 { body(0..<total) }; return }
        let chunk = (total + threadCount - 1) / threadCount
        let rounded = (chunk + granularity - 1) / granularity * granularity
        DispatchQueue.concurrentPerform(iterations: threadCount) { index in
            let start = index * rounded
            let end = min(total, start + rounded)
            if start < end { body(start..<end) }
        }
    }
}
