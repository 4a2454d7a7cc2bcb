import ArgumentParser
import EffKernels
import EffLanguage
import Foundation

/// The `eff` command: runs scripts, one-line expressions and the prompt; subcommands for checking,
/// benchmarking and notebooks. All the work happens in the library targets.
@main
struct EffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eff",
        abstract: "A small language for checking claims about the speed, energy and accuracy of neural models.",
        discussion: """
            eff FILE.eff            run a script (same as 'eff run FILE.eff')
            eff -e '5 J / 2 s'      evaluate an expression and print its value
            eff -                   read a script from standard input
            eff                     start the interactive prompt (or read stdin when it is not a terminal)

            Exit codes: 0 ok, 64 usage error, 65 script error, 74 file error.
            Language reference: docs/language.md. Builtins: eff builtins [NAME], or :help at the prompt.
            """,
        version: EffVersion.current,
        subcommands: [RunCommand.self, CheckCommand.self, HelpBuiltinsCommand.self, NotebookCommand.self, BenchCommand.self,
                      ModelsCommand.self, ServeCommand.self],
        defaultSubcommand: RunCommand.self)
}

enum EffVersion {
    static let current = "0.1.0"
}

/// `eff run FILE`, `eff -e EXPR`, `eff -`.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run an eff script, an expression (-e) or standard input (-).")

    @Option(name: [.customShort("e"), .customLong("expression")], parsing: .unconditional,
            help: "Evaluate this source text instead of a file (it may start with -, as in -e '-2^2').")
    var expression: String?

    @Argument(help: "The script to run ('-' reads standard input).")
    var file: String?

    @Option(help: "Threads for eff's kernels (default: every core); a builtin's threads: argument overrides it for that call.")
    var threads: Int?

    func validate() throws {
        if expression != nil, file != nil {
            throw ValidationError("give either a file or -e EXPRESSION, not both")
        }
        if let threads, !(1...1024).contains(threads) {
            throw ValidationError("--threads must be in 1…1024, got \(threads)")
        }
    }

    func run() throws {
        if let threads { KernelThreads.count = threads }
        let source: SourceFile
        if let expression {
            source = SourceFile(name: "<-e>", text: expression)
        } else if let file, file != "-" {
            source = try Driver.load(path: file)
        } else if file == "-" || isatty(STDIN_FILENO) == 0 {
            source = try Driver.readStandardInput()
        } else {
            try Driver.prompt()
            return
        }
        try Driver.execute(source)
    }
}

/// `eff check FILE`: parse and resolve only (for editors and CI).
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Parse and resolve a script without running it; report every error found.")

    @Argument(help: "The scripts to check.")
    var files: [String]

    func run() throws {
        let session = try Driver.makeSession()
        var failed = false
        for path in files {
            let source = try Driver.load(path: path)
            let diagnostics = session.check(source)
            Driver.report(diagnostics)
            failed = failed || !diagnostics.isEmpty
        }
        if failed { throw ExitCode(Driver.scriptError) }
    }
}

/// `eff builtins [NAME]`: the builtins registry as text.
struct HelpBuiltinsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "builtins", abstract: "List eff's builtin functions, or describe one: eff builtins NAME.")

    @Argument(help: "A builtin's name.")
    var name: String?

    func run() throws {
        let session = try Driver.makeSession()
        guard let name else {
            print(BuiltinHelp.overview(session.builtins, width: Registry.displayContext().width))
            return
        }
        guard let text = BuiltinHelp.describe(name, in: session.builtins, width: Registry.displayContext().width) else {
            Driver.printError("no builtin named '\(name)'")
            throw ExitCode(Driver.usageError)
        }
        print(text)
    }
}
