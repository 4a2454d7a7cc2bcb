import EffLanguage
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Drives the real prompt binary through a pseudo-terminal: multi-line input, Tab, history, Ctrl-C, Ctrl-D.
final class PromptTerminalTests: XCTestCase {
    private var home: URL!

    override func setUpWithError() throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("eff-pty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: home)
    }

    private var stateHome: URL { home.appendingPathComponent("state") }

    private func start(plain: Bool = false) throws -> PseudoTerminal {
        guard let binary = PromptBinary.url else {
            throw XCTSkip("no prompt binary (\(PromptBinary.candidateNames.joined(separator: ", "))) next to the tests")
        }
        var environment = [
            "HOME": home.path, "XDG_STATE_HOME": stateHome.path, "TERM": "xterm", "NO_COLOR": "1",
            "COLUMNS": "80", "LANG": "C.UTF-8",
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
        ]
        if plain { environment["EFF_LINE_EDITOR"] = "plain" }
        let terminal = try PseudoTerminal(executable: binary, environment: environment)
        terminal.expect("eff> ")
        return terminal
    }

    /// Skips (naming why) when libedit cannot be loaded, where the prompt falls back to plain input.
    private func requireLibedit(_ terminal: PseudoTerminal) throws {
        if dlopen("libedit.so.2", RTLD_NOW) == nil || terminal.transcript.contains("plain line input") {
            throw XCTSkip("libedit.so.2 is not loadable on this machine: Tab and history keys need it")
        }
    }

    private func exercise(_ terminal: PseudoTerminal) throws {
        // A definition over three lines: continuation prompts until the block closes.
        terminal.send("fn square(x) {\n")
        terminal.expect("...> ")
        terminal.send("  x * x\n")
        terminal.expect("...> ")
        terminal.send("}\n")
        terminal.expect("eff> ")
        terminal.send("square(7)\n")
        terminal.expect("49")
        terminal.send("let kept = 5\n")
        terminal.expect("eff> ")
        // Ctrl-C stops an endless loop and returns to the prompt with bindings intact.
        terminal.send("while true { }\n")
        Thread.sleep(forTimeInterval: 0.5)
        terminal.send("\u{03}")
        terminal.expect("interrupted")
        terminal.expect("eff> ")
        terminal.send("kept + square(2)\n")
        terminal.expect("9")
        terminal.send("ans * 10\n")
        terminal.expect("90")
        // Ctrl-C while typing abandons the line. (Wait for the prompt: libedit reads type-ahead that arrived
        // before it switched the terminal to raw mode as a cooked line, where Ctrl-C only takes effect at Enter.)
        terminal.expect("eff> ")
        terminal.send("1 + ")
        Thread.sleep(forTimeInterval: 0.2)
        terminal.send("\u{03}")
        terminal.expect("eff> ")
        terminal.send("kept * 100\n")
        terminal.expect("500")
        XCTAssertFalse(terminal.transcript.contains("error: unexpected"), terminal.transcript)
        // An error does not end the session.
        terminal.send("not_bound\n")
        terminal.expect("'not_bound' is not defined")
        // The `:` commands.
        let loadable = home.appendingPathComponent("loadme.eff")
        try "let loaded = 7\nloaded * 6\n".write(to: loadable, atomically: true, encoding: .utf8)
        terminal.send(":load \(loadable.path)\n")
        terminal.expect("42")
        terminal.send(":type kept * 1 J\n")
        terminal.expect("energy")
        terminal.send(":time square(3)\n")
        terminal.expect("median")
        terminal.expect("runs after 1 warm-up")
        terminal.send(":vars\n")
        terminal.expect("kept: number = 5")
        terminal.send(":help map\n")
        terminal.expect("map(")
        terminal.send(":bogus\n")
        terminal.expect("unknown command :bogus")
        let script = home.appendingPathComponent("saved.eff")
        terminal.send(":save \(script.path)\n")
        terminal.expect("saved")
        terminal.sendEndOfInput()
        XCTAssertEqual(terminal.waitForExit(), 0)
        let saved = try String(contentsOf: script, encoding: .utf8)
        XCTAssertTrue(saved.contains("fn square(x) {\n  x * x\n}\n"), saved)
        XCTAssertTrue(saved.contains("let kept = 5\n"), saved)
        XCTAssertTrue(saved.contains("let loaded = 7\n"), saved)
        XCTAssertFalse(saved.contains("not_bound"), "failed inputs are not saved:\n\(saved)")
        // The saved script is runnable and shows the same values, `ans` included.
        var lines: [String] = []
        let session = try Session(builtins: Builtins.core, output: { lines.append($0) })
        let errors = session.run(SourceFile(name: script.path, text: saved))
        XCTAssertEqual(errors.map { $0.render() }, [])
        XCTAssertEqual(lines, ["49", "9", "90", "500", "42"], saved)
    }

    func testMultiLineInterruptAndExitWithLineEditor() throws {
        let terminal = try start()
        try exercise(terminal)
    }

    func testPlainInputFallbackStillWorks() throws {
        let terminal = try start(plain: true)
        XCTAssertTrue(terminal.transcript.contains("plain line input"), terminal.transcript)
        try exercise(terminal)
    }

    func testTabCompletesANameAndUpRecallsHistoryAcrossSessions() throws {
        let terminal = try start()
        try requireLibedit(terminal)
        terminal.send("let zebra_count = 41\n")
        terminal.expect("eff> ")
        terminal.send("zebra_c\t+ 1\n")
        terminal.expect("42")
        terminal.expect("eff> ")
        terminal.send("\u{1b}[A\n")
        terminal.expect("42")
        terminal.send("let record = {alpha: 1, beta: 2}\n")
        terminal.expect("eff> ")
        terminal.send("record.be\t\n")
        terminal.expect("2")
        terminal.sendEndOfInput()
        XCTAssertEqual(terminal.waitForExit(), 0)
        let history = try String(contentsOf: stateHome.appendingPathComponent("eff/history"), encoding: .utf8)
        XCTAssertTrue(history.contains("zebra_count"), history)

        // A new session recalls the previous session's last line with Up.
        let second = try start()
        second.send("let zebra_count = 1\n")
        second.expect("eff> ")
        second.send("\u{1b}[A\u{1b}[A\n")
        second.expect("record.beta")
        second.sendEndOfInput()
        XCTAssertEqual(second.waitForExit(), 0)
    }
}
