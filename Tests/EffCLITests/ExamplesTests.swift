import XCTest

/// Every Examples/NAME.eff runs with the real binary and prints exactly Examples/NAME.out.
/// Regenerate a transcript after a deliberate change with:
///   NO_COLOR=1 COLUMNS=80 swift run eff Examples/NAME.eff > Examples/NAME.out
final class ExamplesTests: XCTestCase {
    func testEveryExampleMatchesItsTranscript() throws {
        let directory = EffBinary.packageRoot.appendingPathComponent("Examples")
        let scripts = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".eff") }.sorted()
        XCTAssertFalse(scripts.isEmpty)
        for script in scripts {
            let transcript = directory.appendingPathComponent(script.replacingOccurrences(of: ".eff", with: ".out"))
            let expected = try String(contentsOf: transcript, encoding: .utf8)
            let result = try EffBinary.run([directory.appendingPathComponent(script).path], directory: directory)
            XCTAssertEqual(result.status, 0, "\(script) failed:\n\(result.standardError)")
            XCTAssertEqual(result.standardOutput, expected, "\(script) output differs from \(transcript.lastPathComponent)")
        }
    }
}
