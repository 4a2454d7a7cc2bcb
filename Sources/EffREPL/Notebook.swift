import EffLanguage
import Foundation

/// Notebooks: plain eff scripts cut into cells by `# %%` lines (the Jupytext percent format), rendered to
/// Markdown with each code cell's output under it. The file stays a runnable script.
///
///     # %% [markdown]
///     # # Energy of a multiply
///     # %%
///     3.7 pJ * 1e9
public enum Notebook {
    /// One cell of a notebook.
    public struct Cell: Equatable {
        public enum Kind: Equatable { case code, markdown }
        public let kind: Kind
        /// Code cells: the source lines; prose cells: the Markdown (comment markers removed).
        public let text: String
        /// The 1-based line in the file where the cell's text starts (for diagnostics that point into the file).
        public let firstLine: Int
        // Made by `Notebook.cells(...)` only (the memberwise initializer).
    }

    /// Splits a notebook into cells. Lines before the first marker form a code cell (a leading `#!` line is
    /// dropped); blank lines around a cell are trimmed and empty cells are left out. `# %% [markdown]` (or
    /// `[md]`) opens a prose cell whose `# ` prefixes are removed; text after `# %%` other than that is a title
    /// and is not rendered.
    public static func cells(of text: String) -> [Cell] {
        var cells: [Cell] = []
        var kind = Cell.Kind.code
        var lines: [Substring] = []
        var firstLine = 1
        func finish() {
            var start = 0, end = lines.count
            while start < end, lines[start].trimmingCharacters(in: .whitespaces).isEmpty { start += 1 }
            while end > start, lines[end - 1].trimmingCharacters(in: .whitespaces).isEmpty { end -= 1 }
            guard start < end else { return }
            let body = lines[start..<end].map { kind == .markdown ? proseLine($0) : String($0) }
            let joined = body.joined(separator: "\n")
            if kind == .markdown, joined.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return }
            cells.append(Cell(kind: kind, text: joined, firstLine: firstLine + start))
        }
        // "\r\n" is one Character in Swift, so both line ends are separators.
        let allLines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (index, line) in allLines.enumerated() {
            if index == 0, line.hasPrefix("#!") {
                firstLine = 2
                continue
            }
            if let markerKind = marker(line) {
                finish()
                kind = markerKind
                lines = []
                firstLine = index + 2
                continue
            }
            lines.append(line)
        }
        finish()
        return cells
    }

    /// The kind of cell a marker line opens, or nil when the line is not a marker.
    static func marker(_ line: Substring) -> Cell.Kind? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        let rest: Substring
        if trimmed.hasPrefix("# %%") {
            rest = trimmed.dropFirst(4)
        } else if trimmed.hasPrefix("#%%") {
            rest = trimmed.dropFirst(3)
        } else {
            return nil
        }
        // `# %%%` or `# %%x` are ordinary comments.
        if let next = rest.first, next != " " && next != "\t" { return nil }
        let lowered = rest.lowercased()
        return lowered.contains("[markdown]") || lowered.contains("[md]") ? .markdown : .code
    }

    /// A prose line without its comment marker: `# text` → `text`, `#` → empty.
    static func proseLine(_ line: Substring) -> String {
        if line.hasPrefix("# ") { return String(line.dropFirst(2)) }
        if line == "#" { return "" }
        return String(line)
    }

    /// What one code cell did when it ran.
    public struct CellRun {
        /// 1-based among the code cells that ran (Jupyter's execution count).
        public let number: Int
        /// Lines written before the displayed value (everything written, when no value was displayed).
        public let stream: [String]
        /// The display of the cell's final expression, when it showed one.
        public let result: String?
        /// Whether `result` is a chart (notebooks add an SVG rendering of it).
        public let resultIsChart: Bool
        public let diagnostics: [Diagnostic]

        /// Everything the cell wrote, as a terminal would show it: output lines, then rendered errors.
        public var outputLines: [String] { stream + (result.map { [$0] } ?? []) + diagnostics.map { $0.render() } }
    }

    /// Runs the code cells of `cells` in order in `session`; `file` gives each code cell's source (its name and
    /// line numbers for diagnostics). Returns one entry per cell (nil for prose cells and cells not run) and
    /// whether the run stopped early at a failing cell (`stopOnError`). Output is collected without colour at
    /// `width` columns; the session's output and display settings are restored afterwards. Each cell runs on a
    /// large stack.
    public static func run(_ cells: [Cell], session: Session, stopOnError: Bool, width: Int = 80,
                           file: (Cell) -> SourceFile) -> (runs: [CellRun?], stopped: Bool) {
        let savedOutput = session.output
        let savedContext = session.displayContext
        let collector = OutputCollector()
        session.output = { collector.lines.append($0) }
        session.displayContext = DisplayContext(width: width, asciiOnly: savedContext.asciiOnly, color: false)
        defer {
            session.output = savedOutput
            session.displayContext = savedContext
        }
        var runs: [CellRun?] = Array(repeating: nil, count: cells.count)
        var number = 0
        for (index, cell) in cells.enumerated() where cell.kind == .code {
            collector.lines = []
            number += 1
            let source = file(cell)
            let diagnostics = LargeStack.run { session.run(source) }
            var stream = collector.lines
            var result: String?
            var isChart = false
            let value = session.lastValue
            if diagnostics.isEmpty, let last = stream.last, !Server.isNil(value),
               last == value.displayBlock(session.displayContext) {
                result = stream.removeLast()
                isChart = value.typeName == "chart"
            }
            runs[index] = CellRun(number: number, stream: stream, result: result, resultIsChart: isChart,
                                  diagnostics: diagnostics)
            if !diagnostics.isEmpty, stopOnError { return (runs, true) }
        }
        return (runs, false)
    }

    /// Runs every code cell in order in `session` and renders the notebook as Markdown.
    ///
    /// Each code cell becomes an ```` ```eff ```` block followed by its output in a plain fenced block (left out
    /// when the cell printed nothing). A failing cell shows its rendered error and the run goes on, unless
    /// `stopOnError`.
    /// - Returns: the Markdown (ending in a newline) and whether any cell failed.
    public static func render(source: SourceFile, session: Session, stopOnError: Bool,
                              width: Int = 80) -> (markdown: String, failed: Bool) {
        let allCells = cells(of: source.text)
        let (runs, stopped) = run(allCells, session: session, stopOnError: stopOnError, width: width) {
            scriptSource($0, of: source)
        }
        return (markdown(allCells, runs: runs, stopped: stopped), runs.contains { !($0?.diagnostics.isEmpty ?? true) })
    }

    /// A code cell of a script as a source file whose line numbers are the script's: leading newlines make
    /// diagnostics point at the cell's lines in the notebook file itself.
    public static func scriptSource(_ cell: Cell, of source: SourceFile) -> SourceFile {
        SourceFile(name: source.name, text: String(repeating: "\n", count: max(0, cell.firstLine - 1)) + cell.text)
    }

    /// The Markdown report of cells that ran.
    public static func markdown(_ cells: [Cell], runs: [CellRun?], stopped: Bool) -> String {
        var blocks: [String] = []
        for (index, cell) in cells.enumerated() {
            if cell.kind == .markdown {
                blocks.append(cell.text)
                continue
            }
            blocks.append(fenced(cell.text, language: "eff"))
            guard let run = runs[index] else { continue }
            let output = run.outputLines
            if !output.isEmpty { blocks.append(fenced(output.joined(separator: "\n"), language: "")) }
            if stopped, !run.diagnostics.isEmpty {
                let left = cells[(index + 1)...].filter { $0.kind == .code }.count
                blocks.append("*Stopped at the failing cell above (--stop-on-error); "
                    + "\(left) code cell\(left == 1 ? "" : "s") not run.*")
                break
            }
        }
        return blocks.joined(separator: "\n\n") + "\n"
    }

    /// A fenced block whose fence is longer than any backtick run that starts a line inside it.
    static func fenced(_ text: String, language: String) -> String {
        var longest = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let run = line.trimmingCharacters(in: .whitespaces).prefix { $0 == "`" }.count
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        return fence + language + "\n" + text + "\n" + fence
    }
}

/// Lines a notebook cell writes.
private final class OutputCollector: @unchecked Sendable {
    var lines: [String] = []
}
