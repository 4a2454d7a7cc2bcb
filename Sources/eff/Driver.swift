import ArgumentParser
import EffLanguage
import Foundation

/// What the subcommands share: loading sources, running them, reporting errors, exit codes.
enum Driver {
    // sysexits.h
    static let usageError: Int32 = 64
    static let scriptError: Int32 = 65
    static let internalError: Int32 = 70
    static let ioError: Int32 = 74

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func report(_ diagnostics: [Diagnostic]) {
        for diagnostic in diagnostics { printError(diagnostic.render()) }
    }

    /// Reads a script; exits 74 for file-system problems and 65 for bad content.
    static func load(path: String) throws -> SourceFile {
        do {
            return try SourceLoader.load(path: path)
        } catch let failure as SourceLoader.Failure {
            printError("eff: \(failure.reason)")
            throw ExitCode(failure.isIOError ? ioError : scriptError)
        }
    }

    static func readStandardInput() throws -> SourceFile {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        do {
            return try SourceLoader.decode(data, name: "<stdin>")
        } catch let failure as SourceLoader.Failure {
            printError("eff: \(failure.reason)")
            throw ExitCode(scriptError)
        }
    }

    static func makeSession() throws -> Session {
        do {
            return try Session(builtins: Registry.all, output: { line in print(line) },
                               displayContext: Registry.displayContext())
        } catch {
            printError("eff: \(error)")
            throw ExitCode(internalError)
        }
    }

    /// Runs a whole script on a large-stack thread; a script error exits 65.
    static func execute(_ source: SourceFile) throws {
        let diagnostics: [Diagnostic] = try LargeStack.run { () -> Result<[Diagnostic], Error> in
            Result { try makeSession().run(source) }
        }.get()
        if !diagnostics.isEmpty {
            fflush(stdout)
            report(diagnostics)
            throw ExitCode(scriptError)
        }
    }

    /// The interactive prompt: plain line input with continuation lines for incomplete input.
    static func prompt() throws {
        let session = try makeSession()
        print("eff \(EffVersion.current) — type an expression, :help for help, Ctrl-D to quit")
        var buffer = ""
        var counter = 0
        while true {
            print(buffer.isEmpty ? "eff> " : "...> ", terminator: "")
            fflush(stdout)
            guard let line = readLine() else { print(""); return }
            if buffer.isEmpty, line.trimmingCharacters(in: .whitespaces).hasPrefix(":") {
                if !PromptCommands.handle(line, session: session) { return }
                continue
            }
            buffer += (buffer.isEmpty ? "" : "\n") + line
            guard Session.isComplete(buffer) else { continue }
            counter += 1
            let source = SourceFile(name: "<prompt:\(counter)>", text: buffer)
            buffer = ""
            let diagnostics = LargeStack.run { session.run(source) }
            report(diagnostics)
            if diagnostics.isEmpty { session.define("ans", session.lastValue) }
        }
    }
}

/// `:help`, `:quit` and friends at the prompt.
enum PromptCommands {
    /// Returns false when the prompt should end.
    static func handle(_ line: String, session: Session) -> Bool {
        let parts = line.trimmingCharacters(in: .whitespaces).dropFirst().split(separator: " ", maxSplits: 1)
        let command = parts.first.map(String.init) ?? ""
        let argument = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : nil
        switch command {
        case "q", "quit", "exit": return false
        case "help", "h":
            if let argument {
                print(BuiltinHelp.describe(argument, in: session.builtins) ?? "no builtin named '\(argument)'")
            } else {
                print(BuiltinHelp.overview(session.builtins))
                print("\nPrompt commands: :help [NAME], :vars, :quit")
            }
        case "vars":
            let builtinNames = Set(session.builtins.map(\.name))
            for name in session.globalNames where !builtinNames.contains(name) {
                print("\(name) = \(session.value(of: name)?.display() ?? "nil")")
            }
        default:
            print("unknown command :\(command) (try :help)")
        }
        return true
    }
}
