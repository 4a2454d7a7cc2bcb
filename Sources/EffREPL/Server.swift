import EffLanguage
import Foundation

/// `eff serve --stdio`: one long-lived session driven by JSON messages, one per line, on standard input; replies
/// and output events, one JSON object per line, on standard output. The Jupyter kernel (jupyter/eff_kernel.py)
/// speaks it; docs/jupyter.md describes the protocol.
///
///     → {"id": 1, "op": "execute", "code": "1 J + 2 J"}
///     ← {"id": 1, "event": "done", "status": "ok", "result": {"text/plain": "3 J"}}
///
/// Requests run one at a time in arrival order, except `interrupt`, which is handled as soon as it is read (it
/// stops the running `execute`, as Ctrl-C does at the prompt; the session lives on). SIGINT does the same.
/// Anything the session writes to standard output outside the protocol (a streaming `generate`) is sent to
/// standard error instead, so the protocol stream stays clean.
public final class Server {
    let session: Session
    let keywords: [String]
    private let writer: ProtocolWriter
    private let work = DispatchQueue(label: "eff.serve.work")

    /// - Parameters:
    ///   - protocolOutput: where replies go (a duplicate of the original standard output).
    public init(session: Session, keywords: [String], protocolOutput: FileHandle) {
        self.session = session
        self.keywords = keywords
        writer = ProtocolWriter(handle: protocolOutput)
    }

    /// Serves standard input until `shutdown` or end of input. Standard output is redirected to standard error
    /// for the duration; replies go to a duplicate of the original standard output.
    public static func serveStandardIO(session: Session, keywords: [String]) {
        fflush(stdout)
        let protocolDescriptor = dup(STDOUT_FILENO)
        dup2(STDERR_FILENO, STDOUT_FILENO)
        let server = Server(session: session, keywords: keywords,
                            protocolOutput: FileHandle(fileDescriptor: protocolDescriptor, closeOnDealloc: false))
        let previous = SignalHandling.install()
        defer { SignalHandling.restore(previous) }
        server.writer.send(["event": "ready", "version": 1])
        guard Server.readLines(server.receive) else { return }
        // End of input: the client has gone; stop what runs and leave.
        Interpreter.interruptRequested = true
        server.work.sync {}
    }

    /// Reads standard input line by line with `read(2)`, retrying after a signal (SIGINT interrupts a blocked
    /// read: the handler has no `SA_RESTART`), until end of input or until `body` returns false. Returns false
    /// when `body` ended it.
    static func readLines(_ body: (String) -> Bool) -> Bool {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = read(STDIN_FILENO, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            pending += buffer[0..<count]
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                if !body(line) { return false }
            }
        }
        if !pending.isEmpty { return body(String(decoding: pending, as: UTF8.self)) }
        return true
    }

    /// Handles one request line. Returns false after `shutdown`.
    func receive(_ line: String) -> Bool {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return true }
        guard let data = line.data(using: .utf8),
              let request = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            writer.send(["event": "done", "status": "error", "errors": [["kind": "protocol",
                         "message": "not a JSON object", "rendered": "error: not a JSON object: \(line.prefix(80))"]]])
            return true
        }
        let id = request["id"] ?? NSNull()
        let op = request["op"] as? String ?? ""
        switch op {
        case "interrupt":
            Interpreter.interruptRequested = true
            writer.send(["id": id, "event": "done", "status": "ok"])
        case "shutdown":
            work.sync {}
            writer.send(["id": id, "event": "done", "status": "ok"])
            return false
        default:
            work.async { [self] in
                let reply = handle(op, request, id: id)
                writer.send(reply.merging(["id": id, "event": "done"]) { old, _ in old })
            }
        }
        return true
    }

    /// Runs one queued request; the returned object is the `done` reply.
    func handle(_ op: String, _ request: [String: Any], id: Any) -> [String: Any] {
        let code = request["code"] as? String ?? ""
        let cursor = request["cursor"] as? Int ?? code.unicodeScalars.count
        switch op {
        case "execute": return execute(code, id: id)
        case "complete": return complete(code, cursor: cursor)
        case "inspect": return inspect(code, cursor: cursor)
        case "is_complete":
            return ["status": "ok", "complete": Session.isComplete(code)]
        default:
            return ["status": "error", "errors": [["kind": "protocol", "message": "unknown op '\(op)'",
                                                   "rendered": "error: unknown op '\(op)'"]]]
        }
    }

    // MARK: - execute

    /// Runs code; output lines stream as `stream` events as they are written, except the last line when it is
    /// the displayed value of the final expression, which becomes the `result` (with an SVG for charts).
    func execute(_ code: String, id: Any) -> [String: Any] {
        if let help = helpRequest(code) {
            if let text = helpText(help) { return ["status": "ok", "result": ["text/plain": text]] }
            return failure(Diagnostic(.resolve, "no builtin or binding named '\(help)'", at: nil))
        }
        counter += 1
        let source = SourceFile(name: "<cell \(counter)>", text: code)
        let session = self.session
        let held = HeldLine()
        let writer = self.writer
        let saved = session.output
        session.output = { line in
            held.replace(with: line) { writer.send(["id": id, "event": "stream", "text": $0 + "\n"]) }
            // A line still held after a moment is not the final value (that is written as the cell ends): send it,
            // so progress lines of a long cell show while it runs.
            let number = held.number
            DispatchQueue.global().asyncAfter(deadline: .now() + Server.holdSeconds) {
                held.take(ifStill: number) { writer.send(["id": id, "event": "stream", "text": $0 + "\n"]) }
            }
        }
        Interpreter.interruptRequested = false
        let diagnostics = LargeStack.run { session.run(source) }
        Interpreter.interruptRequested = false
        session.output = saved
        var reply: [String: Any] = ["status": "ok"]
        var remaining: String?
        held.take(ifStill: held.number) { remaining = $0 }
        if let last = remaining {
            let value = session.lastValue
            if diagnostics.isEmpty, !Server.isNil(value), last == value.displayBlock(session.displayContext) {
                var bundle: [String: Any] = ["text/plain": last]
                if value.typeName == "chart" { bundle["image/svg+xml"] = TextSVG.render(last) }
                reply["result"] = bundle
                session.define("ans", value)
            } else {
                writer.send(["id": id, "event": "stream", "text": last + "\n"])
            }
        }
        if let first = diagnostics.first {
            reply = failure(first, more: Array(diagnostics.dropFirst()))
        }
        return reply
    }
    private var counter = 0
    /// How long an output line is held back before it is sent as a stream line anyway.
    static let holdSeconds = 0.5

    private func failure(_ diagnostic: Diagnostic, more: [Diagnostic] = []) -> [String: Any] {
        let errors = ([diagnostic] + more).map { d -> [String: Any] in
            ["kind": d.kind.rawValue, "message": d.message, "rendered": d.render()]
        }
        return ["status": "error", "errors": errors]
    }

    static func isNil(_ value: Value) -> Bool {
        if case .nilValue = value { return true }
        return false
    }

    /// The name asked about by `:help NAME`, `?NAME` or `NAME?` (`:help` alone asks for the overview, "").
    func helpRequest(_ code: String) -> String? {
        let text = code.trimmingCharacters(in: .whitespacesAndNewlines)
        if text == ":help" || text == ":h" || text == "?" { return "" }
        for prefix in [":help ", ":h "] where text.hasPrefix(prefix) {
            return text.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
        }
        if text.hasPrefix("?"), Completion.isPlainName(String(text.dropFirst())) { return String(text.dropFirst()) }
        if text.hasSuffix("?"), Completion.isPlainName(String(text.dropLast())) { return String(text.dropLast()) }
        return nil
    }

    /// Help for a builtin, a binding or a keyword, as at the prompt's `:help`; "" gives the overview.
    func helpText(_ name: String) -> String? {
        let width = session.displayContext.width
        if name.isEmpty { return BuiltinHelp.overview(session.builtins, width: width) }
        if let text = BuiltinHelp.describe(name, in: session.builtins, width: width) { return text }
        if let value = session.value(of: name) {
            return "\(name): \(value.typeName) = \(value.display(session.displayContext))"
        }
        if keywords.contains(name) { return "\(name) is a keyword (see docs/language.md)" }
        return nil
    }

    // MARK: - complete and inspect

    /// Completion of the word that ends at `cursor` (in Unicode scalars, as Jupyter counts): the prompt's
    /// candidates, each replacing the range `cursor_start..<cursor_end`.
    func complete(_ code: String, cursor: Int) -> [String: Any] {
        let scalars = Array(code.unicodeScalars)
        let end = max(0, min(cursor, scalars.count))
        var lineStart = end
        while lineStart > 0, scalars[lineStart - 1] != "\n" { lineStart -= 1 }
        let beforeCursor = String(String.UnicodeScalarView(scalars[lineStart..<end]))
        let inString = Completion.isInsideString(beforeCursor)
        var start = end
        while start > lineStart, Server.isWordScalar(scalars[start - 1], inString: inString) { start -= 1 }
        if !inString, start > lineStart, scalars[start - 1] == ":" { start -= 1 }
        let word = String(String.UnicodeScalarView(scalars[start..<end]))
        let before = String(String.UnicodeScalarView(scalars[lineStart..<start]))
        let matches = Completion(session: session, keywords: keywords).matches(before: before, word: word)
        return ["status": "ok", "matches": matches, "cursor_start": start, "cursor_end": end]
    }

    static func isWordScalar(_ scalar: Unicode.Scalar, inString: Bool) -> Bool {
        if scalar == "_" || scalar == "." || CharacterSet.alphanumerics.contains(scalar) { return true }
        return inString && "/~-+@".unicodeScalars.contains(scalar)
    }

    /// Help for the name at the cursor or just before it; elsewhere, for the function whose call's brackets
    /// enclose the cursor (Shift-Tab in Jupyter).
    func inspect(_ code: String, cursor: Int) -> [String: Any] {
        let scalars = Array(code.unicodeScalars)
        func isName(_ s: Unicode.Scalar) -> Bool { s == "_" || CharacterSet.alphanumerics.contains(s) }
        var end = max(0, min(cursor, scalars.count))
        if end == 0 || !isName(scalars[end - 1]) {
            // The innermost open bracket before the cursor, if a name precedes it.
            var depth = 0
            var index = end - 1
            while index >= 0 {
                if scalars[index] == ")" { depth += 1 }
                if scalars[index] == "(" {
                    if depth == 0 { break }
                    depth -= 1
                }
                index -= 1
            }
            end = max(index, 0)
        } else {
            while end < scalars.count, isName(scalars[end]) { end += 1 }
        }
        var start = end
        while start > 0, isName(scalars[start - 1]) { start -= 1 }
        let name = String(String.UnicodeScalarView(scalars[start..<end]))
        guard !name.isEmpty, let text = helpText(name) else { return ["status": "ok", "found": false] }
        return ["status": "ok", "found": true, "data": ["text/plain": text]]
    }
}

/// Serialises JSON lines onto the protocol stream from the reader and worker threads.
final class ProtocolWriter: @unchecked Sendable {
    private let handle: FileHandle
    private let lock = NSLock()

    init(handle: FileHandle) { self.handle = handle }

    func send(_ object: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        lock.lock()
        defer { lock.unlock() }
        handle.write(data + Data("\n".utf8))
    }
}

/// The output line held back until the next one (or the end) shows whether it is the cell's displayed value.
private final class HeldLine: @unchecked Sendable {
    private let lock = NSLock()
    private var text: String?
    /// Counts lines held, so a delayed flush takes only the line it was scheduled for.
    private(set) var number = 0

    /// Holds `line` and gives the line held before it, if any, to `use`, under the lock (so stream lines keep
    /// their order).
    func replace(with line: String, _ use: (String) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        if let previous = text { use(previous) }
        text = line
        number += 1
    }

    /// Takes the held line if it is still the `expected`th and gives it to `use`, under the lock (so a late
    /// flush is written before the cell's reply, never after it).
    func take(ifStill expected: Int, _ use: (String) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        guard number == expected, let held = text else { return }
        text = nil
        use(held)
    }
}
