import ArgumentParser
import EffLanguage
import EffREPL
import Foundation

/// `eff notebook FILE [--to md|ipynb|html] [-o OUT] [--stop-on-error] [--no-run]`: runs a notebook's cells — a
/// script with `# %%` markers (the Jupytext percent format) or a Jupyter `.ipynb` — and writes it as Markdown,
/// a Jupyter notebook with outputs, or a self-contained HTML report.
struct NotebookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notebook",
        abstract: "Run a notebook (a script with '# %%' cells, or a .ipynb) and write it with outputs as Markdown, .ipynb or HTML.",
        discussion: """
            Cells: '# %%' starts a code cell, '# %% [markdown]' a prose cell of '# '-prefixed lines.
            A script becomes FILE.md by default (--to ipynb: FILE.ipynb, --to html: FILE.html); a .ipynb is run
            and written back in place by default. Exit codes: 0 ok, 65 a cell failed (its error is in the
            report), 74 file error.
            """)

    /// sysexits.h codes (the same as the rest of the tool).
    static let cellFailed: Int32 = 65
    static let ioError: Int32 = 74

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case md, ipynb, html
    }

    @Argument(help: "The notebook: FILE.eff (a script with '# %%' cells) or FILE.ipynb.")
    var file: String

    @Option(help: "The output format: md, ipynb or html (default: md for a script, ipynb for a .ipynb).")
    var to: Format?

    @Option(name: [.customShort("o"), .customLong("output")],
            help: "Where to write ('-' for standard output; default: next to the input, see above).")
    var output: String?

    @Flag(name: .customLong("stop-on-error"), help: "Stop at the first failing cell.")
    var stopOnError = false

    @Flag(name: .customLong("no-run"), help: "With --to ipynb: write the cells without running them (no outputs).")
    var noRun = false

    var isJupyterInput: Bool { URL(fileURLWithPath: file).pathExtension == "ipynb" }

    func validate() throws {
        if noRun, (to ?? (isJupyterInput ? .ipynb : .md)) != .ipynb || isJupyterInput {
            throw ValidationError("--no-run is for turning a script into a notebook: eff notebook FILE.eff --to ipynb --no-run")
        }
    }

    func run() throws {
        let format = to ?? (isJupyterInput ? .ipynb : .md)
        let session: Session
        do {
            session = try Session(builtins: Registry.all, output: { _ in })
        } catch {
            NotebookCommand.printError("eff: \(error)")
            throw ExitCode(70)
        }
        let text: String
        let failed: Bool
        if isJupyterInput {
            (text, failed) = try runJupyter(format: format, session: session)
        } else {
            (text, failed) = try runScript(format: format, session: session)
        }
        let destination = output ?? NotebookCommand.defaultOutput(for: file, format: format)
        if destination == "-" {
            FileHandle.standardOutput.write(Data(text.utf8))
        } else {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: destination), options: .atomic)
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

    private func runScript(format: Format, session: Session) throws -> (String, Bool) {
        let source: SourceFile
        do {
            source = try SourceLoader.load(path: file)
        } catch let failure as SourceLoader.Failure {
            NotebookCommand.printError("eff: \(failure.reason)")
            throw ExitCode(failure.isIOError ? NotebookCommand.ioError : NotebookCommand.cellFailed)
        }
        switch format {
        case .md:
            return Notebook.render(source: source, session: session, stopOnError: stopOnError)
        case .ipynb:
            return Notebook.ipynb(from: source, session: session, stopOnError: stopOnError, run: !noRun)
        case .html:
            let cells = Notebook.cells(of: source.text)
            let (runs, stopped) = Notebook.run(cells, session: session, stopOnError: stopOnError) {
                Notebook.scriptSource($0, of: source)
            }
            return (Notebook.html(cells, runs: runs, stopped: stopped, title: title), Self.anyFailed(runs))
        }
    }

    private func runJupyter(format: Format, session: Session) throws -> (String, Bool) {
        var notebook: Notebook.JupyterNotebook
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            notebook = try Notebook.JupyterNotebook(data: data, name: file)
        } catch let error as Notebook.JupyterFormatError {
            NotebookCommand.printError("eff: \(error.description)")
            throw ExitCode(NotebookCommand.cellFailed)
        } catch {
            NotebookCommand.printError("eff: cannot read \(file): \(error.localizedDescription)")
            throw ExitCode(NotebookCommand.ioError)
        }
        let (runs, stopped) = notebook.run(session: session, stopOnError: stopOnError)
        switch format {
        case .ipynb: return (notebook.text, Self.anyFailed(runs))
        case .md: return (Notebook.markdown(notebook.cells, runs: runs, stopped: stopped), Self.anyFailed(runs))
        case .html: return (Notebook.html(notebook.cells, runs: runs, stopped: stopped, title: title), Self.anyFailed(runs))
        }
    }

    private var title: String { URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent }

    static func anyFailed(_ runs: [Notebook.CellRun?]) -> Bool {
        runs.contains { !($0?.diagnostics.isEmpty ?? true) }
    }

    /// `dir/name.eff` → `dir/name.md` (or `.ipynb`, `.html`); a `.ipynb` written as ipynb is itself; any other
    /// name gets the extension appended.
    static func defaultOutput(for path: String, format: Format = .md) -> String {
        let url = URL(fileURLWithPath: path)
        if url.pathExtension == "ipynb", format == .ipynb { return path }
        guard url.pathExtension == "eff" || url.pathExtension == "ipynb" else { return path + "." + format.rawValue }
        return String(path.dropLast(url.pathExtension.count)) + format.rawValue
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
