import XCTest

/// Every ```eff block in docs/*.md that is followed by an ```output block runs as `example.eff` with the real
/// binary and prints that output (standard output then standard error), so the reference cannot drift from
/// the tool. Blocks marked ```eff-norun are not run.
final class DocsTests: XCTestCase {
    func testEveryDocumentedExamplePrintsItsOutput() throws {
        let docs = EffBinary.packageRoot.appendingPathComponent("docs")
        let files = FileManager.default.enumerator(at: docs, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "md" }.sorted { $0.path < $1.path } ?? []
        var checked = 0
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for (index, example) in Self.examples(in: text).enumerated() {
                let script = try EffBinary.temporaryFile("example.eff", contents: Data(example.code.utf8))
                let result = try EffBinary.run(["example.eff"], environment: ["EFF_CPU_CACHE_ROOT": "/nonexistent"],
                                               directory: script.deletingLastPathComponent())
                let actual = (result.standardOutput + result.standardError).trimmingCharacters(in: .whitespacesAndNewlines)
                XCTAssertEqual(actual, example.output.trimmingCharacters(in: .whitespacesAndNewlines),
                               "\(file.lastPathComponent), example \(index + 1):\n\(example.code)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 30, "the language reference has dozens of checked examples")
    }

    /// The language reference lists every builtin of the registry (`eff builtins` prints the registry).
    func testLanguageReferenceListsEveryBuiltin() throws {
        let overview = try EffBinary.run(["builtins"], environment: ["COLUMNS": "1000"])
        XCTAssertEqual(overview.status, 0)
        let names = overview.standardOutput.split(separator: "\n")
            .filter { $0.hasPrefix("  ") }.compactMap { $0.split(separator: " ").first.map(String.init) }
        XCTAssertGreaterThan(names.count, 60)
        let reference = try String(contentsOf: EffBinary.packageRoot.appendingPathComponent("docs/language.md"), encoding: .utf8)
        for name in names {
            XCTAssertTrue(reference.contains("| `\(name)("), "docs/language.md does not list the builtin \(name)")
        }
    }

    /// (code, expected output) for each ```eff block directly followed by an ```output block.
    static func examples(in markdown: String) -> [(code: String, output: String)] {
        let lines = markdown.components(separatedBy: "\n")
        var result: [(String, String)] = []
        var index = 0
        func block(from start: Int) -> (text: String, end: Int)? {
            var end = start
            while end < lines.count, lines[end] != "```" { end += 1 }
            guard end < lines.count else { return nil }
            return (lines[start..<end].joined(separator: "\n") + "\n", end)
        }
        while index < lines.count {
            if lines[index] == "```eff", let code = block(from: index + 1),
               code.end + 1 < lines.count, lines[code.end + 1] == "```output", let output = block(from: code.end + 2) {
                result.append((code.text, output.text))
                index = output.end + 1
            } else {
                index += 1
            }
        }
        return result
    }
}
