@testable import EffLanguage
import XCTest

/// Values nested far deeper than the stack allows recursion (lists, records, closures capturing closures) are
/// freed without recursing through them (`Value.dismantle`). Run on a 2 MiB stack: without the work list,
/// freeing any of these 100 000-level chains recurses ~100 000 frames deep and crashes the test process.
final class DeepValueTests: XCTestCase {
    func testDeepChainsAreFreedOnASmallStack() {
        let program = """
        let x = []
        for i in 0..100000 { x = [x] }
        x = 0
        let r = {next: nil, value: 0}
        for i in 0..100000 { r = {next: r, value: i} }
        r = "gone"
        let f = fn() { 0 }
        for i in 0..100000 { let g = f; f = fn() { g() + 1 } }
        f = nil
        fn chain(n) {
          let y = []
          for i in 0..n { y = [y, i] }
          y
        }
        let kept = chain(100000)
        len(chain(100000))
        chain(100000)
        chain(100000)[1] + len(chain(100000))
        {a: chain(100000)}.a
        for e in chain(100000) { }
        for i in 0..2 { let z = chain(100000) }
        print("freed")
        """
        var output: [String] = []
        let diagnostics = LargeStack.run(stackSize: 2 << 20) { () -> [Diagnostic] in
            do {
                let session = try Session(output: { output.append($0) })
                return session.run(SourceFile(name: "<deep>", text: program))
            } catch {
                return [Diagnostic(.runtime, "session failed: \(error)", at: nil)]
            }
        }
        XCTAssertEqual(diagnostics.map { $0.render() }, [])
        XCTAssertEqual(output.last, "freed")
    }

    /// Shared values are only released: dropping one of two references leaves the other intact.
    func testDismantlingLeavesSharedValuesIntact() {
        var output: [String] = []
        let diagnostics = LargeStack.run { () -> [Diagnostic] in
            do {
                let session = try Session(output: { output.append($0) })
                return session.run(SourceFile(name: "<shared>", text: """
                let inner = [[1, 2], {a: [3]}]
                let outer = [inner, inner]
                outer = 0
                let f = fn() { inner }
                let g = f
                f = 0
                print(inner, g())
                """))
            } catch {
                return [Diagnostic(.runtime, "session failed: \(error)", at: nil)]
            }
        }
        XCTAssertEqual(diagnostics.map { $0.render() }, [])
        XCTAssertEqual(output, ["[[1, 2], {a: [3]}] [[1, 2], {a: [3]}]"])
    }

    /// `Value.dismantle` reads an array's reference count through its one storage reference (not on Darwin).
    func testArrayIsOneReference() {
        XCTAssertEqual(MemoryLayout<[Value]>.size, MemoryLayout<AnyObject>.size)
        XCTAssertEqual(MemoryLayout<[(name: String, value: Value)]>.size, MemoryLayout<AnyObject>.size)
    }
}
