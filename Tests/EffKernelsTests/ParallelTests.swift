import Synchronization
import XCTest
@testable import EffKernels

/// The persistent worker pool: every chunk runs exactly once, whatever the thread counts asked in turn, under
/// nesting, and from several threads at once.
final class ParallelTests: XCTestCase {
    func testEveryIndexRunsExactlyOnceAcrossManyJobs() {
        for round in 0..<2_000 {
            let total = 1 + round % 97
            let threads = 1 + round % 7
            let hits = Hits(total)
            KernelThreads.forEachChunk(total: total, granularity: 1, threads: threads) { range in hits.add(range) }
            for i in 0..<total where hits.counts[i] != 1 {
                XCTFail("round \(round): index \(i) of \(total) ran \(hits.counts[i]) times with \(threads) threads")
                return
            }
        }
    }

    func testNestedAndConcurrentCallsRunSerially() {
        let total = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            KernelThreads.forEachChunk(total: 64, granularity: 1, threads: 4) { outer in
                KernelThreads.forEachChunk(total: outer.count, granularity: 1, threads: 4) { inner in
                    total.add(inner.count, ordering: .relaxed)
                }
            }
        }
        XCTAssertEqual(total.load(ordering: .relaxed), 4 * 64)
    }

    func testIdleWorkersSleepAndWakeForTheNextJob() throws {
        let sum = Atomic<Int>(0)
        KernelThreads.forEachChunk(total: 8, granularity: 1, threads: 2) { sum.add($0.count, ordering: .relaxed) }
        Thread.sleep(forTimeInterval: WorkerPool.spinSeconds * 5)  // past the spin: the worker sleeps
        KernelThreads.forEachChunk(total: 8, granularity: 1, threads: 2) { sum.add($0.count, ordering: .relaxed) }
        XCTAssertEqual(sum.load(ordering: .relaxed), 16)
    }
}

/// Counts per index, added to under a lock.
private final class Hits: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var counts: [Int]
    init(_ count: Int) { counts = Array(repeating: 0, count: count) }
    func add(_ range: Range<Int>) { lock.lock(); for i in range { counts[i] += 1 }; lock.unlock() }
}
