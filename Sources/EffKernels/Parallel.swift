import Dispatch
import Foundation
import Synchronization

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

    /// How many threads are worth waking for `units` of work (bytes of weights streamed, or multiply-adds).
    /// The pool's workers spin between calls, so handing one a chunk costs about a microsecond; below
    /// `perThread` units a chunk is still not worth it.
    /// - Parameter perThread: the least work that pays for one more thread.
    public static func useful(for units: Int, perThread: Int) -> Int {
        max(1, min(count, units / max(perThread, 1)))
    }

    /// Runs `body` over 0..<total split into contiguous chunks (multiples of `granularity`), one per thread,
    /// on the persistent `WorkerPool` (the caller runs the first chunk). A call made while the pool is busy
    /// (from inside a chunk, or from a second thread) runs its chunks on the calling thread.
    public static func forEachChunk(total: Int, granularity: Int = 4, threads: Int? = nil,
                                    _ body: (Range<Int>) -> Void) {
        let threadCount = min(threads ?? count, max(1, total / max(granularity, 1)), WorkerPool.maximumThreads)
        guard threadCount > 1 else { if total > 0 { body(0..<total) }; return }
        let chunk = (total + threadCount - 1) / threadCount
        let rounded = (chunk + granularity - 1) / granularity * granularity
        func run(_ index: Int) {
            let start = index * rounded
            let end = min(total, start + rounded)
            if start < end { body(start..<end) }
        }
        if !WorkerPool.shared.run(threadCount, run) {
            for index in 0..<threadCount { run(index) }
        }
    }
}

/// Threads that live for the whole process and wait for work, as ggml's thread pool does: creating or waking
/// threads per call costs tens of microseconds on a VM, and a decoded token makes ~250 kernel calls. After each
/// job a worker spins for `spinSeconds` watching for the next one (a decode step's next matrix comes within
/// microseconds), then sleeps on a condition variable so an idle process uses no CPU.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()
    /// The most threads one call uses (the caller and `maximumThreads − 1` workers).
    static let maximumThreads = 256
    /// How long an idle worker spins before it sleeps (seconds).
    static let spinSeconds = 0.002

    /// The job's number × 1024 + its thread count, bumped once per job: workers compare it with the last one
    /// they saw, and read the thread count from the same value (so a late worker never joins the wrong job).
    private let generation = Atomic<Int>(0)
    /// Workers of the current job that have not finished yet.
    private let pending = Atomic<Int>(0)
    /// Whether a job is being run (a second caller then runs its chunks itself).
    private let busy = Atomic<Bool>(false)
    /// Workers waiting on `wake`.
    private let sleepers = Atomic<Int>(0)
    private let wake = NSCondition()
    /// The current job: written before `generation` is bumped, read by workers after they see the bump.
    nonisolated(unsafe) private var job: ((Int) -> Void)?
    /// Workers started so far (worker i runs chunk i, i ≥ 1); only the caller holding `busy` adds more.
    nonisolated(unsafe) private var workerCount = 0

    /// Runs `body(0..<threads)` with the caller doing chunk 0; false (and nothing run) when the pool is busy.
    func run(_ threads: Int, _ body: (Int) -> Void) -> Bool {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { busy.store(false, ordering: .releasing) }
        while workerCount < threads - 1 {
            workerCount += 1
            let index = workerCount
            // The worker starts from the generation before this job's, even if its thread starts after the bump.
            let seen = generation.load(ordering: .acquiring)
            let thread = Thread { [unowned self] in self.work(index: index, seen: seen) }
            thread.name = "eff-kernel-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
        withoutActuallyEscaping(body) { escapable in
            job = escapable
            pending.store(threads - 1, ordering: .relaxed)
            let number = generation.load(ordering: .relaxed) / 1024 + 1
            generation.store(number * 1024 + threads, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                wake.lock(); wake.broadcast(); wake.unlock()
            }
            escapable(0)
            var spins = 0
            while pending.load(ordering: .acquiring) > 0 {
                spins += 1
                if spins > 4096 { sched_yield() }
            }
            job = nil
        }
        return true
    }

    private func work(index: Int, seen start: Int) {
        var seen = start
        while true {
            seen = waitForJob(after: seen)
            if index < seen % 1024 {
                job!(index)
                pending.subtract(1, ordering: .releasing)
            }
        }
    }

    /// Spins, then sleeps, until the generation moves past `seen`; returns the new generation.
    private func waitForJob(after seen: Int) -> Int {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(Self.spinSeconds * 1e9)
        var spins = 0
        while true {
            let now = generation.load(ordering: .acquiring)
            if now != seen { return now }
            spins += 1
            if spins & 255 == 0 {
                if DispatchTime.now().uptimeNanoseconds > deadline { break }
                if spins > 4096 { sched_yield() }
            }
        }
        wake.lock()
        sleepers.add(1, ordering: .sequentiallyConsistent)
        while generation.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        wake.unlock()
        return generation.load(ordering: .acquiring)
    }
}

/// The first error thrown by any chunk of a `forEachChunk` body (whose chunks cannot throw themselves).
public final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var error: Error?
    public init() {}
    public func record(_ error: Error) { lock.lock(); if self.error == nil { self.error = error }; lock.unlock() }
    public func rethrow() throws { lock.lock(); defer { lock.unlock() }; if let error { throw error } }
}
