import ArgumentParser
import EffLanguage
import EffREPL
import Foundation

/// `eff notebook FILE.eff [-o FILE.md] [--stop-on-error]`: runs a notebook's cells (`# %%` markers, the
/// Jupytext percent format) and writes a Markdown report with each cell's output under it.
struct NotebookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notebook",
        abstract: "Run a notebook (cells separated by '# %%' lines) and write it as Markdown with outputs.",
        discussion: """
            Cells: '# %%' starts a code cell, '# %% [markdown]' a prose cell of '# '-prefixed lines.
            Exit codes: 0 ok, 65 a cell failed (its error is in the report), 74 file error.
            """)

    /// sysexits.h codes (the same as the rest of the tool).
    static let cellFailed: Int32 = 65
    static let ioError: Int32 = 74

    @Argument(help: "The notebook script (FILE.eff).")
    var file: String

    @Option(name: [.customShort("o"), .customLong("output")],
            help: "Where to write the Markdown ('-' for standard output; default: FILE.md next to the input).")
    var output: String?

    @Flag(name: .customLong("stop-on-error"), help: "Stop at the first failing cell.")
    var stopOnError = false

    func run() throws {
        let source: SourceFile
        do {
            source = try SourceLoader.load(path: file)
        } catch let failure as SourceLoader.Failure {
            NotebookCommand.printError("eff: \(failure.reason)")
            throw ExitCode(failure.isIOError ? NotebookCommand.ioError : NotebookCommand.cellFailed)
        }
        let session: Session
        do {
            session = try Session(builtins: Registry.all, output: { _ in })
        } catch {
            NotebookCommand.printError("eff: \(error)")
            throw ExitCode(70)
        }
        let (markdown, failed) = Notebook.render(source: source, session: session, stopOnError: stopOnError)
        let destination = output ?? NotebookCommand.defaultOutput(for: file)
        if destination == "-" {
            FileHandle.standardOutput.write(Data(markdown.utf8))
        } else {
            do {
                try Data(markdown.utf8).write(to: URL(fileURLWithPath: destination), options: .atomic)
            } catch {
                NotebookCommand.printError("eff: cannot write \(destination): \(error.localizedDescription)")
                throw ExitCode(NotebookCommand.ioError)
            }
        }
        if failed {
            NotebookCommand.printError("eff: a cell failed in \(file) (see its error in the report)")
            throw ExitCode(NotebookCommand.cellFailed)
        }
    }

    /// `dir/name.eff` → `dir/name.md`; any other name gets `.md` appended.
    static func defaultOutput(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        guard url.pathExtension == "eff" else { return path + ".md" }
        return String(path.dropLast(4)) + ".md"
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
