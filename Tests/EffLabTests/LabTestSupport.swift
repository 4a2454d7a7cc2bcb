import EffLab
import EffLanguage
import XCTest

/// Runs eff source in a session with the lab builtins and returns what it printed and its errors.
struct LabRun {
    var output: [String] = []
    var errors: [String] = []

    /// All output lines joined with newlines.
    var text: String { output.joined(separator: "\n") }

    init(_ source: String, context: DisplayContext = DisplayContext(width: 80)) {
        var lines: [String] = []
        let diagnostics = LargeStack.run { () -> [Diagnostic] in
            do {
                let session = try Session(
                    builtins: Builtins.core + LabBuiltins.tables + LabBuiltins.charts,
                    output: { lines.append($0) }, displayContext: context)
                return session.run(SourceFile(name: "test.eff", text: source))
            } catch {
                return [Diagnostic(.runtime, "session failed: \(error)", at: nil)]
            }
        }
        output = lines
        errors = diagnostics.map(\.message)
    }
}

/// Asserts that the source runs without errors and returns its output.
func runClean(_ source: String, context: DisplayContext = DisplayContext(width: 80),
              file: StaticString = #filePath, line: UInt = #line) -> String {
    let run = LabRun(source, context: context)
    XCTAssertEqual(run.errors, [], "unexpected errors", file: file, line: line)
    return run.text
}

/// Asserts that the source fails with an error containing `fragment`.
func assertError(_ source: String, contains fragment: String, file: StaticString = #filePath, line: UInt = #line) {
    let run = LabRun(source)
    XCTAssertEqual(run.errors.count, 1, "expected one error for \(source)", file: file, line: line)
    if let message = run.errors.first {
        XCTAssert(message.contains(fragment), "error \"\(message)\" does not contain \"\(fragment)\"", file: file, line: line)
    }
}

/// A fresh empty folder under the system temporary directory.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("efflab-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The eff source of a list of model records used by several tests.
let modelRecords = """
    let models = [
      {model: "fp32", energy: 12.5 mJ, accuracy: 97.8},
      {model: "int8", energy: 3.1 mJ, accuracy: 97.5},
      {model: "int4", energy: 1.9 mJ, accuracy: 96.2},
      {model: "ternary", energy: 620 uJ, accuracy: 95.9},
    ]
    """
