import ArgumentParser
import EffLanguage
import EffREPL
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

    /// The interactive prompt (EffREPL): line editing, history, completion, `:` commands.
    static func prompt() throws {
        let session = try makeSession()
        Prompt.run(session: session, keywords: Session.keywords,
                   banner: "eff \(EffVersion.current) — type an expression, :help for help, Ctrl-D to quit")
    }
}
