import EffLanguage
@testable import EffREPL
import Foundation
import XCTest

/// Notebooks as nbformat 4 JSON and as HTML (nbformat's own validator runs in jupyter/tests, under CI).
final class NotebookJupyterTests: XCTestCase {
    private let script = SourceFile(name: "lesson.eff", text: """
        # %% [markdown]
        # # Title with `code` and **bold**
        # %%
        print("hi")
        1 J + 2 J
        # %%
        1 J + 2 s
        """)

    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func testScriptBecomesAnNbformat4NotebookWithOutputs() throws {
        let session = try Session(builtins: Builtins.core, output: { _ in })
        let (text, failed) = Notebook.ipynb(from: script, session: session, stopOnError: false, run: true)
        XCTAssertTrue(failed)
        let notebook = try json(text)
        XCTAssertEqual(notebook["nbformat"] as? Int, 4)
        XCTAssertEqual(notebook["nbformat_minor"] as? Int, 5)
        let cells = try XCTUnwrap(notebook["cells"] as? [[String: Any]])
        XCTAssertEqual(cells.map { $0["cell_type"] as? String }, ["markdown", "code", "code"])
        XCTAssertEqual(cells.map { $0["id"] as? String }, ["cell-1", "cell-2", "cell-3"])
        XCTAssertEqual(cells[1]["source"] as? [String], ["print(\"hi\")\n", "1 J + 2 J"])
        let outputs = try XCTUnwrap(cells[1]["outputs"] as? [[String: Any]])
        XCTAssertEqual(outputs[0]["output_type"] as? String, "stream")
        XCTAssertEqual(outputs[0]["text"] as? [String], ["hi\n"])
        XCTAssertEqual(outputs[1]["output_type"] as? String, "execute_result")
        XCTAssertEqual((outputs[1]["data"] as? [String: Any])?["text/plain"] as? [String], ["3 J"])
        let error = try XCTUnwrap((cells[2]["outputs"] as? [[String: Any]])?.first)
        XCTAssertEqual(error["output_type"] as? String, "error")
        XCTAssertEqual(error["traceback"] as? [String], ["lesson.eff:7:1: error: cannot add energy (J) and time (s)",
                                                          "  1 J + 2 s", "  ^~~~~~~~~",
                                                          "  hint: energy / time is power (W); power * time is energy (J)"])
        XCTAssertEqual(cells[2]["execution_count"] as? Int, 2)
        XCTAssertTrue(text.hasPrefix("{\n \"cells\": [\n  {\n   \"cell_type\": \"markdown\""), "nbformat's layout")
    }

    func testNoRunWritesEmptyOutputs() throws {
        let session = try Session(builtins: Builtins.core, output: { _ in })
        let (text, failed) = Notebook.ipynb(from: script, session: session, stopOnError: false, run: false)
        XCTAssertFalse(failed)
        let cells = try XCTUnwrap(try json(text)["cells"] as? [[String: Any]])
        XCTAssertEqual(cells[1]["outputs"] as? [Any] as? [String], [])
        XCTAssertTrue(cells[1]["execution_count"] is NSNull)
    }

    func testJupyterNotebookRunsAndKeepsWhatItDoesNotOwn() throws {
        let input = """
            {"nbformat": 4, "nbformat_minor": 5, "metadata": {"custom": true},
             "cells": [{"cell_type": "raw", "id": "r", "metadata": {}, "source": "raw text"},
                       {"cell_type": "code", "id": "c", "metadata": {"tags": ["x"]}, "execution_count": null,
                        "outputs": [], "source": ["let a = 2\\n", "a * 3"]}]}
            """
        var notebook = try Notebook.JupyterNotebook(data: Data(input.utf8), name: "in.ipynb")
        XCTAssertEqual(notebook.cells.count, 1)
        let (runs, stopped) = notebook.run(session: try Session(builtins: Builtins.core, output: { _ in }), stopOnError: false)
        XCTAssertFalse(stopped)
        XCTAssertEqual(runs[0]?.result, "6")
        let written = try json(notebook.text)
        XCTAssertEqual((written["metadata"] as? [String: Any])?["custom"] as? Bool, true)
        let cells = try XCTUnwrap(written["cells"] as? [[String: Any]])
        XCTAssertEqual(cells[0]["source"] as? String, "raw text")
        XCTAssertEqual((cells[1]["metadata"] as? [String: Any])?["tags"] as? [String], ["x"])
        XCTAssertEqual(cells[1]["execution_count"] as? Int, 1)
        XCTAssertThrowsError(try Notebook.JupyterNotebook(data: Data(#"{"nbformat": 3, "worksheets": []}"#.utf8), name: "old"))
        let python = #"{"nbformat": 4, "nbformat_minor": 5, "cells": [], "metadata": {"language_info": {"name": "python"}}}"#
        XCTAssertThrowsError(try Notebook.JupyterNotebook(data: Data(python.utf8), name: "p.ipynb")) { error in
            XCTAssertEqual("\(error)", "p.ipynb is a python notebook, not an eff one")
        }
    }

    func testHTMLReportIsSelfContained() throws {
        let session = try Session(builtins: Builtins.core, output: { _ in })
        let cells = Notebook.cells(of: script.text)
        let (runs, stopped) = Notebook.run(cells, session: session, stopOnError: false) { Notebook.scriptSource($0, of: self.script) }
        let html = Notebook.html(cells, runs: runs, stopped: stopped, title: "lesson <1>")
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(html.contains("<title>lesson &lt;1&gt;</title>"))
        XCTAssertTrue(html.contains("<h1>Title with <code>code</code> and <strong>bold</strong></h1>"))
        XCTAssertTrue(html.contains("<pre class=\"output\">hi\n3 J</pre>"))
        XCTAssertTrue(html.contains("<pre class=\"error\">lesson.eff:7:1: error: cannot add energy (J) and time (s)"))
        XCTAssertFalse(html.contains("<script"))
    }

    func testMarkdownSubset() {
        XCTAssertEqual(MarkdownHTML.render("- one\n- *two*\n\n1. first\n2. [link](https://x.org)"),
                       "<ul><li>one</li><li><em>two</em></li></ul>\n<ol><li>first</li><li><a href=\"https://x.org\">link</a></li></ol>")
        XCTAssertEqual(MarkdownHTML.render("```\na < b\n```"), "<pre class=\"code\">a &lt; b</pre>")
    }
}
