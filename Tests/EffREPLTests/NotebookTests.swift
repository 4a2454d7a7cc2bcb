import EffLanguage
@testable import EffREPL
import XCTest

/// Cell splitting and Markdown rendering of notebooks (`# %%` cells, Jupytext percent format).
final class NotebookTests: XCTestCase {
    private func session() throws -> Session {
        try Session(builtins: Builtins.core, output: { _ in })
    }

    func testGoldenReportWithProseCodeFailureAndSuppressedCell() throws {
        let text = """
            # %% [markdown]
            # # Title
            #
            # Some *prose*.
            # %%
            let x = 2 J
            x * 3
            # %% code that fails at run time
            print("before")
            error("boom")
            # %%
            x / 2 s;
            # %%
            x
            """
        let (markdown, failed) = Notebook.render(source: SourceFile(name: "nb.eff", text: text),
                                                 session: try session(), stopOnError: false)
        XCTAssertTrue(failed)
        XCTAssertEqual(markdown, """
            # Title

            Some *prose*.

            ```eff
            let x = 2 J
            x * 3
            ```

            ```
            6 J
            ```

            ```eff
            print("before")
            error("boom")
            ```

            ```
            before
            nb.eff:10:1: error: boom
              error("boom")
              ^~~~~~~~~~~~~
            ```

            ```eff
            x / 2 s;
            ```

            ```eff
            x
            ```

            ```
            2 J
            ```

            """)
    }

    func testStopOnErrorEndsAtTheFailingCell() throws {
        let text = "# %%\n1 + 1\n# %%\nnot_bound\n# %%\n3\n# %%\n4\n"
        let (markdown, failed) = Notebook.render(source: SourceFile(name: "s.eff", text: text),
                                                 session: try session(), stopOnError: true)
        XCTAssertTrue(failed)
        XCTAssertTrue(markdown.contains("s.eff:4:1: error: 'not_bound' is not defined"), markdown)
        XCTAssertTrue(markdown.hasSuffix("*Stopped at the failing cell above (--stop-on-error); 2 code cells not run.*\n"),
                      markdown)
        XCTAssertFalse(markdown.contains("```eff\n3\n```"))
    }

    func testSuccessfulNotebookIsNotFailedAndRestoresSessionOutput() throws {
        var printed: [String] = []
        let session = try Session(builtins: Builtins.core, output: { printed.append($0) },
                                  displayContext: DisplayContext(width: 120, color: true))
        let (markdown, failed) = Notebook.render(source: SourceFile(name: "ok.eff", text: "print(\"hi\")\n"),
                                                 session: session, stopOnError: false)
        XCTAssertFalse(failed)
        XCTAssertEqual(markdown, "```eff\nprint(\"hi\")\n```\n\n```\nhi\n```\n")
        XCTAssertTrue(printed.isEmpty, "cell output leaked to the session's own output")
        XCTAssertEqual(session.displayContext.width, 120)
        XCTAssertTrue(session.displayContext.color)
        session.run(SourceFile(name: "after", text: "1 + 2"))
        XCTAssertEqual(printed, ["3"])
    }

    func testCellsBeforeFirstMarkerAndShebang() {
        let cells = Notebook.cells(of: "#!/usr/bin/env eff\nlet a = 1\n\n# %%\n\na + 1\n\n")
        XCTAssertEqual(cells, [
            Notebook.Cell(kind: .code, text: "let a = 1", firstLine: 2),
            Notebook.Cell(kind: .code, text: "a + 1", firstLine: 6),
        ])
    }

    func testMarkdownCellsStripCommentMarkers() {
        let cells = Notebook.cells(of: "# %% [markdown]\n# ## Head\n#\n#   indented\nplain line\n# %% [md]\n# x\n")
        XCTAssertEqual(cells, [
            Notebook.Cell(kind: .markdown, text: "## Head\n\n  indented\nplain line", firstLine: 2),
            Notebook.Cell(kind: .markdown, text: "x", firstLine: 7),
        ])
    }

    func testMarkerVariantsAndNonMarkers() {
        XCTAssertEqual(Notebook.marker("# %%"), .code)
        XCTAssertEqual(Notebook.marker("#%%"), .code)
        XCTAssertEqual(Notebook.marker("# %% Some title"), .code)
        XCTAssertEqual(Notebook.marker("  # %% [markdown]"), .markdown)
        XCTAssertEqual(Notebook.marker("# %% Title [MARKDOWN]"), .markdown)
        XCTAssertNil(Notebook.marker("# %%%"))
        XCTAssertNil(Notebook.marker("# %%x"))
        XCTAssertNil(Notebook.marker("# 100 %% sure"))
        XCTAssertNil(Notebook.marker("let a = 1 # %%"))
    }

    func testEmptyCellsAndEmptyNotebook() {
        XCTAssertEqual(Notebook.cells(of: ""), [])
        XCTAssertEqual(Notebook.cells(of: "# %%\n\n# %% [markdown]\n#\n# %%\n"), [])
        XCTAssertEqual(Notebook.cells(of: "# %%\r\n1\r\n"), [Notebook.Cell(kind: .code, text: "1", firstLine: 2)])
        let (markdown, failed) = Notebook.render(source: SourceFile(name: "e.eff", text: ""),
                                                 session: try! Session(builtins: Builtins.core, output: { _ in }),
                                                 stopOnError: false)
        XCTAssertEqual(markdown, "\n")
        XCTAssertFalse(failed)
    }

    func testFenceGrowsPastBackticksInOutput() {
        XCTAssertEqual(Notebook.fenced("a\n```\nb", language: ""), "````\na\n```\nb\n````")
        XCTAssertEqual(Notebook.fenced("plain", language: "eff"), "```eff\nplain\n```")
    }

    /// docs/notebook_intro.md is the checked-in rendering of Examples/notebook_intro.eff; it must stay current.
    func testExampleNotebookMatchesCheckedInReport() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let script = root.appendingPathComponent("Examples/notebook_intro.eff")
        let report = root.appendingPathComponent("docs/notebook_intro.md")
        let source = try SourceLoader.load(path: script.path, displayName: "Examples/notebook_intro.eff")
        let (markdown, failed) = Notebook.render(source: source, session: try session(), stopOnError: false)
        XCTAssertFalse(failed, markdown)
        XCTAssertEqual(markdown, try String(contentsOf: report, encoding: .utf8),
                       "regenerate with: eff notebook Examples/notebook_intro.eff -o docs/notebook_intro.md")
    }
}
