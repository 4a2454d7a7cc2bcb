import Foundation
import XCTest

/// `eff serve --stdio` and `eff notebook --to ipynb|html` through the real binary (no Python needed; the
/// kernel itself is tested by jupyter/tests under .ci/run).
final class JupyterCLITests: XCTestCase {
    func testServeAnswersOverStandardIOAndKeepsTheProtocolStreamClean() throws {
        let input = """
            {"id": 1, "op": "execute", "code": "let a = 2 J\\na * 3"}
            {"id": 2, "op": "execute", "code": "a / 0 s"}
            {"id": 3, "op": "shutdown"}

            """
        let result = try EffBinary.run(["serve", "--stdio"], input: input)
        XCTAssertEqual(result.status, 0, result.standardError)
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, #"{"event":"ready","version":1}"#)
        XCTAssertEqual(lines[1], #"{"event":"done","id":1,"result":{"text/plain":"6 J"},"status":"ok"}"#)
        XCTAssertTrue(lines[2].contains(#""status":"error""#), lines[2])
        XCTAssertEqual(lines.last, #"{"event":"done","id":3,"status":"ok"}"#)
        for line in lines {
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line.utf8)), line)
        }
        XCTAssertNotEqual(try EffBinary.run(["serve"]).status, 0, "serve needs --stdio")
    }

    /// The workshop lessons ship as notebooks made from the scripts; after editing a lesson, regenerate with
    ///   eff notebook Examples/NAME.eff --to ipynb --no-run -o Examples/NAME.ipynb
    func testLessonNotebooksAreCurrent() throws {
        let examples = EffBinary.packageRoot.appendingPathComponent("Examples")
        let lessons = try FileManager.default.contentsOfDirectory(atPath: examples.path)
            .filter { $0.hasPrefix("workshop_") && $0.hasSuffix(".eff") }.sorted()
        XCTAssertEqual(lessons.count, 7)
        for lesson in lessons {
            let notebook = examples.appendingPathComponent(lesson.replacingOccurrences(of: ".eff", with: ".ipynb"))
            let result = try EffBinary.run(["notebook", examples.appendingPathComponent(lesson).path, "--to", "ipynb",
                                            "--no-run", "-o", "-"])
            XCTAssertEqual(result.status, 0, result.standardError)
            XCTAssertEqual(result.standardOutput, try String(contentsOf: notebook, encoding: .utf8),
                           "\(notebook.lastPathComponent) is stale: eff notebook Examples/\(lesson) --to ipynb --no-run -o Examples/\(notebook.lastPathComponent)")
        }
    }

    func testNotebookFormatsAndDefaultOutputNames() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("eff-jupyter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = folder.appendingPathComponent("n.eff")
        try "# %%\nprint(\"hi\")\n2 J * 2\n".write(to: script, atomically: true, encoding: .utf8)
        XCTAssertEqual(try EffBinary.run(["notebook", script.path, "--to", "ipynb"]).status, 0)
        let notebook = folder.appendingPathComponent("n.ipynb")
        XCTAssertTrue(try String(contentsOf: notebook, encoding: .utf8).contains(#""text/plain": ["#))
        // The .ipynb runs in place, and as HTML next to it.
        let again = try EffBinary.run(["notebook", notebook.path])
        XCTAssertEqual(again.status, 0, again.standardError)
        XCTAssertEqual(try EffBinary.run(["notebook", notebook.path, "--to", "html"]).status, 0)
        let html = try String(contentsOf: folder.appendingPathComponent("n.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<pre class=\"output\">hi\n4 J</pre>"), html)
        XCTAssertEqual(try EffBinary.run(["notebook", notebook.path, "--no-run"]).status, 64)
    }

    /// A script and the notebook made from it render the same Markdown report.
    func testScriptAndItsNotebookGiveTheSameReport() throws {
        let script = EffBinary.packageRoot.appendingPathComponent("Examples/notebook_intro.eff").path
        let notebook = FileManager.default.temporaryDirectory.appendingPathComponent("eff-intro-\(UUID().uuidString).ipynb")
        defer { try? FileManager.default.removeItem(at: notebook) }
        XCTAssertEqual(try EffBinary.run(["notebook", script, "--to", "ipynb", "--no-run", "-o", notebook.path]).status, 0)
        let fromScript = try EffBinary.run(["notebook", script, "-o", "-"])
        let fromNotebook = try EffBinary.run(["notebook", notebook.path, "--to", "md", "-o", "-"])
        XCTAssertEqual(fromNotebook.status, 0, fromNotebook.standardError)
        XCTAssertEqual(fromNotebook.standardOutput, fromScript.standardOutput)
        XCTAssertTrue(fromScript.standardOutput.contains("int8 saves 20 times"))
    }
}
