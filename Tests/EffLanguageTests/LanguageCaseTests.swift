import XCTest
@testable import EffLanguage

/// Runs every `.eff` file under cases/ (except helper files in `lib/` folders) and checks its
/// `# expect: OUTPUT` lines and its `# expect error: MESSAGE` line, Crafting-Interpreters style.
final class LanguageCaseTests: XCTestCase {
    static let casesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("cases")

    struct Expectations {
        var output: [String] = []
        /// (1-based line, message fragment)
        var error: (line: Int, message: String)?
    }

    static func expectations(in text: String) -> Expectations {
        var result = Expectations()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let range = line.range(of: "# expect error: ") {
                result.error = (index + 1, String(line[range.upperBound...]).trimmingCharacters(in: .whitespaces))
            } else if let range = line.range(of: "# expect: ") {
                result.output.append(String(line[range.upperBound...]))
            }
        }
        return result
    }

    static func caseFiles() -> [URL] {
        guard let enumerator = FileManager.default.enumerator(at: casesDirectory, includingPropertiesForKeys: nil) else {
            return []
        }
        return enumerator.compactMap { $0 as? URL }
            .filter { $0.pathExtension == "eff" && !$0.pathComponents.contains("lib") }
            .sorted { $0.path < $1.path }
    }

    func testEveryCase() throws {
        let files = Self.caseFiles()
        XCTAssertGreaterThan(files.count, 0, "no cases found in \(Self.casesDirectory.path)")
        var failures: [String] = []
        for url in files {
            if let failure = try Self.check(url) { failures.append(failure) }
        }
        XCTAssert(failures.isEmpty, "\(failures.count) of \(files.count) cases failed:\n\n" + failures.joined(separator: "\n\n"))
    }

    /// Nil when the case passes, else a description of the difference.
    static func check(_ url: URL) throws -> String? {
        let source = try SourceLoader.load(path: url.path)
        let expected = expectations(in: source.text)
        var output: [String] = []
        let diagnostics = LargeStack.run { () -> [Diagnostic] in
            do {
                let session = try Session(output: { output.append($0) })
                return session.run(source)
            } catch {
                return [Diagnostic(.runtime, "session failed: \(error)", at: nil)]
            }
        }
        let name = url.path.replacingOccurrences(of: casesDirectory.path + "/", with: "")
        var problems: [String] = []
        // Compare line by line (a displayed table is one output of several lines), ignoring trailing blanks.
        let actualLines = output.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false) }
            .map { String($0).trimmingTrailingWhitespace() }
        let expectedLines = expected.output.map { $0.trimmingTrailingWhitespace() }
        if actualLines != expectedLines {
            problems.append("output:\n    expected \(expectedLines)\n    actual   \(actualLines)")
        }
        switch (expected.error, diagnostics.first) {
        case (nil, nil): break
        case (nil, let diagnostic?):
            problems.append("unexpected error:\n" + diagnostic.render())
        case (let error?, nil):
            problems.append("expected error '\(error.message)' on line \(error.line), but the program succeeded")
        case (let error?, let diagnostic?):
            if !diagnostic.message.contains(error.message) || diagnostic.line != error.line {
                problems.append("expected error '\(error.message)' on line \(error.line), got line \(diagnostic.line ?? 0):\n"
                                + diagnostic.render())
            }
        }
        return problems.isEmpty ? nil : "\(name): " + problems.joined(separator: "\n")
    }
}

private extension String {
    func trimmingTrailingWhitespace() -> String {
        var text = Substring(self)
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }
}
