import EffLanguage
import Foundation

/// The interactive prompt: line editing and persistent history (libedit, loaded at run time), continuation
/// lines for incomplete input, Tab completion, `:` commands, Ctrl-C to interrupt, Ctrl-D to quit.
///
///     Prompt.run(session: try Driver.makeSession(), keywords: Session.keywords, banner: "eff 0.1.0 …")
public final class Prompt {
    /// The session inputs run in (replaced by `:reset`).
    var session: Session
    /// The language's keywords, for completion.
    let keywords: [String]
    /// Inputs that ran without error, in order (what `:save` writes).
    var history: [String] = []
    /// Whether `history` assigns `ans` (then a saved script declares it first).
    var usesAnswer = false
    /// Names bound before the first input (builtins and prelude), left out of `:vars`.
    var preludeNames: Set<String>
    private var inputCounter = 0

    /// Runs the prompt until Ctrl-D or `:quit`. No error in eff code ends it.
    /// - Parameters:
    ///   - session: where inputs run; its `output` receives displayed values.
    ///   - keywords: the language's keywords (completion candidates).
    ///   - banner: printed once at the start (nil prints nothing).
    ///   - environment: `XDG_STATE_HOME`, `HOME` (history location) and `EFF_LINE_EDITOR=plain`.
    public static func run(session: Session, keywords: [String] = [], banner: String? = nil,
                           environment: [String: String] = ProcessInfo.processInfo.environment) {
        let prompt = Prompt(session: session, keywords: keywords)
        prompt.loop(banner: banner, environment: environment)
    }

    init(session: Session, keywords: [String]) {
        self.session = session
        self.keywords = keywords
        preludeNames = Set(session.globalNames)
    }

    /// The history file: `$XDG_STATE_HOME/eff/history`, default `~/.local/state/eff/history`; its folder is
    /// created. Nil when no home is known or the folder cannot be made.
    public static func historyPath(environment: [String: String]) -> String? {
        let state: String
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") {
            state = xdg
        } else if let home = environment["HOME"], !home.isEmpty {
            state = (home as NSString).appendingPathComponent(".local/state")
        } else {
            return nil
        }
        let folder = (state as NSString).appendingPathComponent("eff")
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            return nil
        }
        return (folder as NSString).appendingPathComponent("history")
    }

    private func loop(banner: String?, environment: [String: String]) {
        let path = Prompt.historyPath(environment: environment)
        let editor = LineEditor(historyPath: path, usePlainInput: environment["EFF_LINE_EDITOR"] == "plain") {
            [unowned self] before, word in
            Completion(session: self.session, keywords: self.keywords).matches(before: before, word: word)
        }
        let previousInterruptHandler = SignalHandling.install()
        defer { SignalHandling.restore(previousInterruptHandler) }
        if let banner { Prompt.write(banner) }
        if let reason = editor.fallbackReason {
            Prompt.writeError("note: plain line input (no editing, history or completion): \(reason)")
        }
        var buffer = ""
        while true {
            switch editor.read(prompt: buffer.isEmpty ? "eff> " : "...> ") {
            case .endOfInput:
                Prompt.write("")
                return
            case .interrupted:
                // Ctrl-C while typing abandons the input, as in a shell.
                Prompt.write("")
                buffer = ""
            case .line(let line):
                editor.remember(line)
                if buffer.isEmpty, line.trimmingCharacters(in: .whitespaces).hasPrefix(":") {
                    if !handleCommand(line) { return }
                    continue
                }
                buffer += (buffer.isEmpty ? "" : "\n") + line
                guard Session.isComplete(buffer) else { continue }
                let input = buffer
                buffer = ""
                if input.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { continue }
                evaluate(input)
            }
        }
    }

    /// Runs one input on a large stack; reports errors on stderr; binds `ans`. Returns whether it succeeded.
    @discardableResult
    func evaluate(_ input: String, name: String? = nil) -> Bool {
        inputCounter += 1
        let source = SourceFile(name: name ?? "<prompt:\(inputCounter)>", text: input)
        let session = self.session
        // Watch the output to learn whether this input displayed a value (only such inputs change `ans`).
        let original = session.output
        let lastLine = LastLine()
        session.output = { line in
            lastLine.text = line
            original(line)
        }
        let diagnostics = Prompt.runInterruptibly { session.run(source) }
        session.output = original
        fflush(stdout)
        for diagnostic in diagnostics { Prompt.writeError(diagnostic.render()) }
        guard diagnostics.isEmpty else { return false }
        let displayed = !Prompt.isNil(session.lastValue)
            && lastLine.text == session.lastValue.displayBlock(session.displayContext)
        if displayed { session.define("ans", session.lastValue) }
        history.append(displayed ? scriptForm(ofDisplaying: input) : input)
        return true
    }

    /// How `:save` writes an input that displayed a value: as `ans = (input)` then `ans`, so the script
    /// shows the same value and later inputs that use `ans` see it. Inputs that are not a single expression
    /// are written as typed.
    private func scriptForm(ofDisplaying input: String) -> String {
        let assignment = "ans = (\n\(input)\n)"
        guard !input.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix(";"),
              session.check(SourceFile(name: "<save>", text: assignment)).isEmpty else { return input }
        usesAnswer = true
        return assignment + "\nans"
    }

    /// Runs work on the large-stack thread with the interrupt flag cleared before and after, so a Ctrl-C
    /// typed after the computation ended does not stop the next one.
    static func runInterruptibly<T>(_ work: @escaping () -> T) -> T {
        Interpreter.interruptRequested = false
        let result = LargeStack.run(work)
        Interpreter.interruptRequested = false
        // A Ctrl-C during the computation was spent on stopping it, not on the next line.
        SignalHandling.lineInterrupted = 0
        return result
    }

    static func isNil(_ value: Value) -> Bool {
        if case .nilValue = value { return true }
        return false
    }

    // MARK: - Output

    static func write(_ text: String) {
        // Through `print`, like the session's output, so the two never reorder.
        print(text)
        fflush(stdout)
    }

    static func writeError(_ text: String) {
        fflush(stdout)
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// The last line an input wrote.
private final class LastLine: @unchecked Sendable {
    var text: String?
}
