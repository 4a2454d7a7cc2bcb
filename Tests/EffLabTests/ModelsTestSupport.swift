import EffLab
import EffLanguage
import Foundation
import XCTest

/// Runs eff source in a session with the core, table and model builtins; collects output and errors.
struct ModelsRun {
    var output: [String] = []
    var errors: [String] = []
    var diagnostics: [Diagnostic] = []
    /// The session, to read globals after the run.
    var session: Session?

    var text: String { output.joined(separator: "\n") }

    init(_ source: String, context: DisplayContext = DisplayContext(width: 80)) {
        var lines: [String] = []
        let (diagnostics, session) = LargeStack.run { () -> ([Diagnostic], Session?) in
            do {
                let session = try Session(builtins: Builtins.core + LabBuiltins.tables + LabModelBuiltins.list,
                                          output: { lines.append($0) }, displayContext: context)
                return (session.run(SourceFile(name: "test.eff", text: source)), session)
            } catch {
                return ([Diagnostic(.runtime, "session failed: \(error)", at: nil)], nil)
            }
        }
        output = lines
        errors = diagnostics.map(\.message)
        self.diagnostics = diagnostics
        self.session = session
    }

    /// A global's value after the run.
    func value(_ name: String) -> Value? { session?.value(of: name) }

    /// A global holding a domain object of type `T`.
    func object<T>(_ name: String, as type: T.Type) -> T? {
        guard case .object(let object)? = value(name) else { return nil }
        return object as? T
    }
}

/// Runs the source, asserts it raised no error and returns its output.
func modelsOutput(_ source: String, file: StaticString = #filePath, line: UInt = #line) -> ModelsRun {
    let run = ModelsRun(source)
    XCTAssertEqual(run.errors, [], "unexpected errors", file: file, line: line)
    return run
}

/// Asserts that the source fails with exactly one error containing every fragment.
func assertModelsError(_ source: String, contains fragments: String..., file: StaticString = #filePath, line: UInt = #line) {
    let run = ModelsRun(source)
    XCTAssertEqual(run.errors.count, 1, "expected one error for \(source)", file: file, line: line)
    guard let message = run.errors.first else { return }
    for fragment in fragments {
        XCTAssert(message.contains(fragment), "error \"\(message)\" does not contain \"\(fragment)\"", file: file, line: line)
    }
}
