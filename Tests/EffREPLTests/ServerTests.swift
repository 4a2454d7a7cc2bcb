import EffLanguage
@testable import EffREPL
import Foundation
import XCTest

/// `eff serve --stdio`'s protocol, driven in process through a pipe (the Jupyter kernel's back end).
final class ServerTests: XCTestCase {
    /// A server over a fresh session whose replies land in a pipe; `replies()` closes it and returns them all.
    private func makeServer() throws -> (Server, () -> [[String: Any]]) {
        let (server, reader) = try makeServerWithReader()
        return (server, { reader.finish() })
    }

    private func makeServerWithReader() throws -> (Server, ReplyReader) {
        let session = try Session(builtins: Builtins.core, output: { _ in })
        let pipe = Pipe()
        let server = Server(session: session, keywords: Session.keywords, protocolOutput: pipe.fileHandleForWriting)
        return (server, ReplyReader(pipe))
    }

    func testExecuteStreamsLinesAndReturnsTheDisplayedValue() throws {
        let (server, replies) = try makeServer()
        XCTAssertTrue(server.receive(#"{"id": 1, "op": "execute", "code": "print(\"a\")\nprint(\"b\")\n1 J + 2 J"}"#))
        XCTAssertTrue(server.receive(#"{"id": 2, "op": "execute", "code": "let x = 4 J;"}"#))
        XCTAssertTrue(server.receive(#"{"id": 3, "op": "execute", "code": "ans * 2"}"#))
        XCTAssertFalse(server.receive(#"{"id": 4, "op": "shutdown"}"#))
        let all = replies()
        XCTAssertEqual(all.count, 6, "\(all)")
        XCTAssertEqual(all[0]["event"] as? String, "stream")
        XCTAssertEqual(all[0]["text"] as? String, "a\n")
        XCTAssertEqual(all[1]["text"] as? String, "b\n")
        XCTAssertEqual(all[2]["event"] as? String, "done")
        XCTAssertEqual((all[2]["result"] as? [String: Any])?["text/plain"] as? String, "3 J")
        XCTAssertNil(all[3]["result"], "a statement ending in ; shows nothing")
        XCTAssertEqual((all[4]["result"] as? [String: Any])?["text/plain"] as? String, "6 J", "ans is the last shown value")
        XCTAssertEqual(all[5]["id"] as? Int, 4)
    }

    func testErrorsCarryTheCaretDiagnostic() throws {
        let (server, replies) = try makeServer()
        _ = server.receive(#"{"id": 1, "op": "execute", "code": "1 J + 2 s"}"#)
        _ = server.receive(#"{"id": 2, "op": "shutdown"}"#)
        let done = replies()[0]
        XCTAssertEqual(done["status"] as? String, "error")
        let error = (done["errors"] as? [[String: Any]])?.first
        XCTAssertEqual(error?["kind"] as? String, "runtime")
        XCTAssertTrue((error?["rendered"] as? String ?? "").contains("^"), "\(done)")
    }

    func testCompleteInspectAndIsComplete() throws {
        let (server, replies) = try makeServer()
        _ = server.receive(#"{"id": 1, "op": "execute", "code": "let budget = {joules: 1 J, seconds: 2 s};"}"#)
        _ = server.receive(#"{"id": 2, "op": "complete", "code": "x = budget.jo", "cursor": 13}"#)
        _ = server.receive(#"{"id": 3, "op": "complete", "code": "prin", "cursor": 4}"#)
        _ = server.receive(#"{"id": 4, "op": "inspect", "code": "print(budget, ", "cursor": 14}"#)
        _ = server.receive(#"{"id": 5, "op": "inspect", "code": "budget", "cursor": 2}"#)
        _ = server.receive(#"{"id": 6, "op": "inspect", "code": "nothing_here", "cursor": 3}"#)
        _ = server.receive(#"{"id": 7, "op": "is_complete", "code": "fn f(x) {"}"#)
        _ = server.receive(#"{"id": 8, "op": "is_complete", "code": "fn f(x) { x }"}"#)
        _ = server.receive(#"{"id": 9, "op": "shutdown"}"#)
        let all = replies()
        XCTAssertEqual(all[1]["matches"] as? [String], ["budget.joules"])
        XCTAssertEqual(all[1]["cursor_start"] as? Int, 4)
        XCTAssertEqual(all[1]["cursor_end"] as? Int, 13)
        XCTAssertEqual(all[2]["matches"] as? [String], ["print"])
        let printHelp = (all[3]["data"] as? [String: Any])?["text/plain"] as? String ?? ""
        XCTAssertTrue(printHelp.hasPrefix("print("), printHelp)
        let bindingHelp = (all[4]["data"] as? [String: Any])?["text/plain"] as? String ?? ""
        XCTAssertTrue(bindingHelp.hasPrefix("budget: record"), bindingHelp)
        XCTAssertEqual(all[5]["found"] as? Bool, false)
        XCTAssertEqual(all[6]["complete"] as? Bool, false)
        XCTAssertEqual(all[7]["complete"] as? Bool, true)
    }

    func testInterruptStopsAnEndlessLoopAndTheSessionLivesOn() throws {
        let (server, reader) = try makeServerWithReader()
        _ = server.receive(#"{"id": 1, "op": "execute", "code": "let kept = 5\nprint(\"looping\")\nlet n = 0\nwhile true { n = n + 1 }"}"#)
        // The held line is sent while the loop runs (after Server.holdSeconds), so the loop has started.
        XCTAssertTrue(reader.wait { $0["text"] as? String == "looping\n" }, "the progress line did not arrive while the cell ran")
        _ = server.receive(#"{"id": 2, "op": "interrupt"}"#)
        _ = server.receive(#"{"id": 3, "op": "execute", "code": "kept + 1"}"#)
        _ = server.receive(#"{"id": 4, "op": "shutdown"}"#)
        let all = reader.finish()
        let first = all.first { $0["id"] as? Int == 1 && $0["event"] as? String == "done" }
        XCTAssertEqual(first?["status"] as? String, "error")
        XCTAssertEqual((first?["errors"] as? [[String: Any]])?.first?["message"] as? String, "interrupted")
        let third = all.first { $0["id"] as? Int == 3 }
        XCTAssertEqual((third?["result"] as? [String: Any])?["text/plain"] as? String, "6")
    }

    func testHelpInACellAndBadRequests() throws {
        let (server, replies) = try makeServer()
        _ = server.receive(#"{"id": 1, "op": "execute", "code": ":help sqrt"}"#)
        _ = server.receive(#"{"id": 2, "op": "execute", "code": "sqrt?"}"#)
        _ = server.receive(#"not json"#)
        _ = server.receive(#"{"id": 3, "op": "dance"}"#)
        _ = server.receive(#"{"id": 4, "op": "shutdown"}"#)
        // The reply to a line that is not JSON is written at once, so it may come before queued replies.
        let all = replies()
        func reply(_ id: Int?) -> [String: Any]? { all.first { $0["id"] as? Int == id } }
        for id in [1, 2] {
            XCTAssertTrue(((reply(id)?["result"] as? [String: Any])?["text/plain"] as? String ?? "").hasPrefix("sqrt("), "\(all)")
        }
        XCTAssertEqual(reply(nil)?["status"] as? String, "error")
        XCTAssertEqual(reply(3)?["status"] as? String, "error")
        XCTAssertEqual(all.count, 5)
    }

    func testTextSVGEscapesAndSizesToTheText() {
        let svg = TextSVG.render("a<b & \"c\"\n⣿⣿⣿")
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertTrue(svg.contains(">a&lt;b &amp; &quot;c&quot;</text>"))
        XCTAssertTrue(svg.contains("textLength=\"25.2\""), "three columns of 8.4 px")
        XCTAssertTrue(svg.hasSuffix("</svg>"))
    }
}

/// Reads a server's reply lines as they arrive.
private final class ReplyReader: @unchecked Sendable {
    private let pipe: Pipe
    private let lock = NSLock()
    private var replies: [[String: Any]] = []
    private let done = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        self.pipe = pipe
        Thread.detachNewThread { [self] in
            var pending = Data()
            while true {
                let chunk = pipe.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                pending += chunk
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = pending[pending.startIndex..<newline]
                    pending = Data(pending[(newline + 1)...])
                    let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any] ?? [:]
                    lock.lock(); replies.append(object); lock.unlock()
                }
            }
            done.signal()
        }
    }

    /// Waits up to 30 s for a reply that satisfies `predicate`.
    func wait(_ predicate: ([String: Any]) -> Bool) -> Bool {
        for _ in 0..<300 {
            lock.lock()
            let found = replies.contains(where: predicate)
            lock.unlock()
            if found { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    /// Closes the pipe and returns every reply.
    func finish() -> [[String: Any]] {
        try? pipe.fileHandleForWriting.close()
        done.wait()
        lock.lock()
        defer { lock.unlock() }
        return replies
    }
}
