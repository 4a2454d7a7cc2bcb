import EffNumerics
import EffLanguage
import Foundation

/// The prompt's `:` commands; one list, used by the dispatcher, `:help` and completion.
enum PromptCommand: String, CaseIterable {
    case help, type, time, vars, load, save, reset, quit

    /// One line for `:help`.
    var usage: String {
        switch self {
        case .help: return ":help [NAME]    this text, or a builtin's signature, summary and example"
        case .type: return ":type EXPR      the type of EXPR's value"
        case .time: return ":time EXPR      run EXPR (1 warm-up + at least 5 timed runs); median and range"
        case .vars: return ":vars           the names you have bound and their values"
        case .load: return ":load FILE      run a script in this session"
        case .save: return ":save FILE      write this session's successful inputs as a runnable script"
        case .reset: return ":reset          forget every binding (a fresh session)"
        case .quit: return ":quit           leave (also Ctrl-D)"
        }
    }

    /// The command a typed word names: a full name or an unambiguous prefix (`:q`, `:h`).
    static func named(_ word: String) -> PromptCommand? {
        if let exact = PromptCommand(rawValue: word) { return exact }
        if word == "exit" { return .quit }
        let candidates = allCases.filter { $0.rawValue.hasPrefix(word) }
        return candidates.count == 1 && !word.isEmpty ? candidates[0] : nil
    }
}

/// Timing statistics for `:time`, in seconds.
struct TimingSummary {
    let median: Double
    let minimum: Double
    let maximum: Double
    let runs: Int

    init?(_ seconds: [Double]) {
        guard !seconds.isEmpty else { return nil }
        let sorted = seconds.sorted()
        let middle = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        minimum = sorted[0]
        maximum = sorted[sorted.count - 1]
        runs = sorted.count
    }

    var text: String {
        "median \(TimingSummary.format(median)) (min \(TimingSummary.format(minimum)), "
            + "max \(TimingSummary.format(maximum)), \(runs) runs after 1 warm-up)"
    }

    /// Seconds with an SI prefix and 3 significant digits.
    static func format(_ seconds: Double) -> String {
        let (prefix, factor) = seconds >= 1e-9 ? SIFormat.prefix(for: seconds, among: ["n", "µ", "m", ""]) : ("n", 1e-9)
        return SIFormat.fixedSignificant(seconds / factor) + " \(prefix)s"
    }
}

extension Prompt {
    /// The least number of timed runs of `:time`, and the time budget after which it stops adding runs.
    static let minimumTimedRuns = 5
    static let timingBudget = 1.0  // seconds
    static let maximumTimedRuns = 1000

    /// Handles a `:` line. Returns false when the prompt should end.
    func handleCommand(_ line: String) -> Bool {
        let body = line.trimmingCharacters(in: .whitespaces).dropFirst()
        let parts = body.split(separator: " ", maxSplits: 1)
        let word = parts.first.map(String.init) ?? ""
        let argument = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""
        guard let command = PromptCommand.named(word) else {
            Prompt.writeError("unknown command :\(word) (try :help)")
            return true
        }
        let needsArgument: Set<PromptCommand> = [.type, .time, .load, .save]
        if needsArgument.contains(command), argument.isEmpty {
            Prompt.writeError("usage: \(command.usage)")
            return true
        }
        switch command {
        case .quit: return false
        case .help: help(argument)
        case .type: showType(argument)
        case .time: time(argument)
        case .vars: showVariables()
        case .load: load(argument)
        case .save: save(argument)
        case .reset: reset()
        }
        return true
    }

    private func help(_ name: String) {
        guard !name.isEmpty else {
            Prompt.write(BuiltinHelp.overview(session.builtins, width: session.displayContext.width))
            Prompt.write("\nPrompt commands:")
            for command in PromptCommand.allCases { Prompt.write("  " + command.usage) }
            Prompt.write("\nKeys: Tab completes, Up/Down recall history, Ctrl-C interrupts, Ctrl-D quits. "
                + "`ans` is the last value.")
            return
        }
        if let text = BuiltinHelp.describe(name, in: session.builtins, width: session.displayContext.width) {
            Prompt.write(text)
        } else if let value = session.value(of: name) {
            Prompt.write("\(name): \(value.typeName) = \(value.display(session.displayContext))")
        } else if keywords.contains(name) {
            Prompt.write("\(name) is a keyword (see docs/language.md)")
        } else {
            Prompt.writeError("no builtin or binding named '\(name)'")
        }
    }

    /// Shows the type of a value by running `type(EXPR)`; the expression runs (as in IPython's `%type`-likes),
    /// but `ans` is left alone.
    private func showType(_ expression: String) {
        let (lines, diagnostics) = capture("print(type((\(expression))))", name: "<:type>")
        for diagnostic in diagnostics { Prompt.writeError(diagnostic.render()) }
        if diagnostics.isEmpty { Prompt.write(lines.joined(separator: "\n")) }
    }

    /// Times an expression: one warm-up run (whose output is shown), then at least `minimumTimedRuns` runs
    /// (more while under `timingBudget`); reports median and range, never a single timing.
    private func time(_ expression: String) {
        let (lines, warmUpErrors) = capture(expression, name: "<:time>")
        for line in lines { Prompt.write(line) }
        if let first = warmUpErrors.first {
            Prompt.writeError(first.render())
            return
        }
        var seconds: [Double] = []
        let started = DispatchTime.now().uptimeNanoseconds
        while seconds.count < Prompt.minimumTimedRuns
            || (seconds.count < Prompt.maximumTimedRuns
                && Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 < Prompt.timingBudget) {
            let begin = DispatchTime.now().uptimeNanoseconds
            let (_, errors) = capture(expression, name: "<:time>")
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
            if let first = errors.first {
                Prompt.writeError(first.render())
                return
            }
            seconds.append(elapsed)
        }
        if let summary = TimingSummary(seconds) { Prompt.write(summary.text) }
    }

    /// Runs source with the session's output collected instead of printed (interruptible, on the large stack).
    private func capture(_ text: String, name: String) -> ([String], [Diagnostic]) {
        let session = self.session
        let saved = session.output
        let collector = LineCollector()
        session.output = { collector.lines.append($0) }
        defer { session.output = saved }
        let source = SourceFile(name: name, text: text)
        let diagnostics = Prompt.runInterruptibly { session.run(source) }
        return (collector.lines, diagnostics)
    }

    private func showVariables() {
        let builtinNames = Set(session.builtins.map(\.name))
        let user = session.globalNames.filter { !builtinNames.contains($0) && !preludeNames.contains($0) }
        if user.isEmpty { Prompt.write("(no bindings yet)") }
        for name in user {
            guard let value = session.value(of: name) else { continue }
            let shown = value.display(session.displayContext).split(separator: "\n").first.map(String.init) ?? ""
            Prompt.write("\(name): \(value.typeName) = \(shown)")
        }
    }

    private func load(_ path: String) {
        let file: SourceFile
        do {
            file = try SourceLoader.load(path: (path as NSString).expandingTildeInPath)
        } catch {
            Prompt.writeError("eff: \(error)")
            return
        }
        evaluate(file.text, name: file.name)
    }

    private func save(_ path: String) {
        let script = "# Saved from the eff prompt.\n" + (usesAnswer ? "let ans = nil\n" : "")
            + history.map { $0 + "\n" }.joined()
        do {
            try script.write(toFile: (path as NSString).expandingTildeInPath, atomically: true, encoding: .utf8)
            Prompt.write("saved \(history.count) input\(history.count == 1 ? "" : "s") to \(path)")
        } catch {
            Prompt.writeError("eff: cannot write \(path): \(error.localizedDescription)")
        }
    }

    private func reset() {
        do {
            session = try Session(builtins: session.builtins, output: session.output,
                                  displayContext: session.displayContext)
            history = []
            usesAnswer = false
            preludeNames = Set(session.globalNames)
            Prompt.write("session reset")
        } catch {
            Prompt.writeError("eff: cannot start a fresh session: \(error)")
        }
    }
}

/// Output lines gathered while a command runs code quietly.
private final class LineCollector: @unchecked Sendable {
    var lines: [String] = []
}
