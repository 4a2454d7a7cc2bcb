import EffLab
import EffLanguage
import EffModels
import Foundation
import XCTest

/// Runs eff source in a session with the core, table, model and energy builtins, with extra globals
/// (models, data sets built in Swift) defined first; returns what it printed and its errors.
struct EnergyRun {
    var output: [String] = []
    var errors: [String] = []
    var text: String { output.joined(separator: "\n") }

    /// The registry the energy tests (and Examples/claims.eff) run with.
    static let builtins: [Builtin] = Builtins.core + LabBuiltins.tables + LabBuiltins.charts + LabModelBuiltins.list
        + LabEnergyBuiltins.list

    init(_ source: String, globals: [String: Value] = [:], context: DisplayContext = DisplayContext(width: 80)) {
        var lines: [String] = []
        let diagnostics = LargeStack.run { () -> [Diagnostic] in
            do {
                let session = try Session(builtins: EnergyRun.builtins, output: { lines.append($0) }, displayContext: context)
                for (name, value) in globals { session.define(name, value) }
                return session.run(SourceFile(name: "test.eff", text: source))
            } catch {
                return [Diagnostic(.runtime, "session failed: \(error)", at: nil)]
            }
        }
        output = lines
        errors = diagnostics.map(\.message)
    }
}

/// An untrained f32 MLP as an eff value.
func modelGlobal(_ widths: [Int], seed: UInt64, name: String) throws -> Value {
    .object(ModelValue(try Model.mlp(widths, seed: seed, name: name)))
}

/// A data set of `count` pseudo-random examples with `features` features and `classes` classes (seeded).
func randomDataset(count: Int, features: Int, classes: Int, seed: UInt64) throws -> Dataset {
    var state = seed &* 6364136223846793005 &+ 1442695040888963407
    func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 33
    }
    let values = (0..<(count * features)).map { _ in Float(next() % 2001) / 1000 - 1 }
    let labels = (0..<count).map { _ in Int(next() % UInt64(classes)) }
    return try Dataset(name: "random", source: "generated in tests", features: values, labels: labels, featureCount: features,
                       classNames: (0..<classes).map { "c\($0)" })
}

/// Runs source that must succeed and returns its output.
func energyClean(_ source: String, globals: [String: Value] = [:], width: Int = 80,
                 file: StaticString = #filePath, line: UInt = #line) -> String {
    let run = EnergyRun(source, globals: globals, context: DisplayContext(width: width))
    XCTAssertEqual(run.errors, [], "unexpected errors", file: file, line: line)
    return run.text
}

/// Asserts that the source fails with one error containing `fragment`.
func energyError(_ source: String, globals: [String: Value] = [:], contains fragment: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    let run = EnergyRun(source, globals: globals)
    XCTAssertEqual(run.errors.count, 1, "expected one error for \(source)", file: file, line: line)
    if let message = run.errors.first {
        XCTAssert(message.contains(fragment), "error \"\(message)\" does not contain \"\(fragment)\"", file: file, line: line)
    }
}

/// The output's lines, padded with empty lines to at least `count`, so a short output fails the
/// assertions instead of crashing the test run on an index.
func paddedLines(_ output: String, count: Int = 12) -> [String] {
    let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    return lines + Array(repeating: "", count: max(0, count - lines.count))
}
