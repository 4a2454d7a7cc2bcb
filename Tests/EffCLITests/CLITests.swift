import XCTest

final class CLITests: XCTestCase {
    func testExpressionsFromTheIssue() throws {
        XCTAssertEqual(try EffBinary.run(["-e", "5 J / 2 s"]).standardOutput, "2.5 W\n")
        XCTAssertEqual(try EffBinary.run(["-e", "3.7 pJ * 1e9"]).standardOutput, "3.7 mJ\n")
        let mismatch = try EffBinary.run(["-e", "1 J + 1 s"])
        XCTAssertEqual(mismatch.status, 65)
        XCTAssertEqual(mismatch.standardError, """
            <-e>:1:1: error: cannot add energy (J) and time (s)
              1 J + 1 s
              ^~~~~~~~~
              hint: energy / time is power (W); power * time is energy (J)

            """)
    }

    func testRunSubcommandStdinAndShebang() throws {
        let script = try EffBinary.temporaryFile("s.eff", contents: Data("#!/usr/bin/env eff\nlet e = 2 J\ne / 4 s\n".utf8))
        XCTAssertEqual(try EffBinary.run([script.path]).standardOutput, "500 mW\n")
        XCTAssertEqual(try EffBinary.run(["run", script.path]).standardOutput, "500 mW\n")
        XCTAssertEqual(try EffBinary.run(["-"], input: "print(1 + 1)\n").standardOutput, "2\n")
        XCTAssertEqual(try EffBinary.run([], input: "len([1, 2, 3])\n").standardOutput, "3\n")
    }

    func testExitCodes() throws {
        XCTAssertEqual(try EffBinary.run(["--no-such-flag"]).status, 64)
        XCTAssertEqual(try EffBinary.run(["-e", "1", "extra.eff"]).status, 64)
        let missing = try EffBinary.run(["/nonexistent/script.eff"])
        XCTAssertEqual(missing.status, 74)
        XCTAssertTrue(missing.standardError.contains("no such file: /nonexistent/script.eff"))
        XCTAssertEqual(try EffBinary.run([FileManager.default.temporaryDirectory.path]).status, 74)
        XCTAssertEqual(try EffBinary.run(["-e", "1 / 0"]).status, 65)
        XCTAssertEqual(try EffBinary.run(["-e", "print(\"ok\")"]).status, 0)
    }

    func testBenchLLMPrintsTheDocumentedJSONFieldsAndThreadsAreChecked() throws {
        let model = EffBinary.packageRoot.appendingPathComponent("Tests/EffLLMTests/Fixtures/tiny-llama.gguf").path
        let result = try EffBinary.run(["bench", "llm", model, "--format", "json", "--repeats", "1", "--prompt-tokens", "8",
                                        "--gen-tokens", "2", "--threads", "1", "--batch", "1,2"])
        XCTAssertEqual(result.status, 0, result.standardError)
        let lines = result.standardOutput.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        for line in lines {
            let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            for key in ["model", "threads", "batch", "prompt_tokens", "gen_tokens", "prefill_tps", "decode_tps",
                        "peak_rss_bytes", "roof_fraction"] {
                XCTAssertNotNil(record[key], "\(key) missing from \(line)")
            }
        }
        XCTAssertEqual(try EffBinary.run(["bench", "llm", "/nonexistent/model.gguf"]).status, 74)
        XCTAssertEqual(try EffBinary.run(["bench", "llm", model, "--threads", "0"]).status, 64)
        XCTAssertEqual(try EffBinary.run(["--threads", "2", "-e", "print(1 + 1)"]).standardOutput, "2\n")
        XCTAssertEqual(try EffBinary.run(["--threads", "0", "-e", "1"]).status, 64)
        // The kernel benchmark is still the default of eff bench.
        let kernels = try EffBinary.run(["bench", "--sizes", "64", "--formats", "f32", "--format", "json", "--minimum-seconds", "0.01"])
        XCTAssertEqual(kernels.status, 0, kernels.standardError)
        XCTAssertTrue(kernels.standardOutput.contains("\"bandwidth_fraction\""), kernels.standardOutput)
    }

    func testInvalidUTF8IsAnErrorWithALocation() throws {
        let script = try EffBinary.temporaryFile("bad.eff", contents: Data([0x31, 0x0A, 0x22, 0xFF, 0x22, 0x0A]))
        let result = try EffBinary.run([script.path])
        XCTAssertEqual(result.status, 65)
        XCTAssertTrue(result.standardError.contains("bad.eff:2:2: invalid UTF-8"), result.standardError)
    }

    func testCheckParsesAndResolvesWithoutRunning() throws {
        let good = try EffBinary.temporaryFile("g.eff", contents: Data("print(\"ran\")\n".utf8))
        let checked = try EffBinary.run(["check", good.path])
        XCTAssertEqual(checked.status, 0)
        XCTAssertEqual(checked.standardOutput, "")
        let bad = try EffBinary.temporaryFile("b.eff", contents: Data("let x = 1\nprint(y)\nlet = 2\n".utf8))
        let result = try EffBinary.run(["check", bad.path])
        XCTAssertEqual(result.status, 65)
        XCTAssertTrue(result.standardError.contains("b.eff:3:5: error: expected a name after 'let'"), result.standardError)
    }

    func testHelpAndVersion() throws {
        let help = try EffBinary.run(["--help"])
        XCTAssertEqual(help.status, 0)
        for word in ["run", "check", "bench", "builtins", "Exit codes"] {
            XCTAssertTrue(help.standardOutput.contains(word), "--help lacks \(word)")
        }
        XCTAssertEqual(try EffBinary.run(["--version"]).standardOutput, "0.1.0\n")
        let builtin = try EffBinary.run(["builtins", "to"])
        XCTAssertTrue(builtin.standardOutput.hasPrefix("to(quantity, unit)"), builtin.standardOutput)
        XCTAssertEqual(try EffBinary.run(["builtins", "nosuch"]).status, 64)
    }

    /// Every malformed script in the language cases exits 65 with a located diagnostic and a caret.
    func testEveryErrorCaseExits65WithALocatedDiagnostic() throws {
        let directory = EffBinary.packageRoot.appendingPathComponent("Tests/EffLanguageTests/cases/errors")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".eff") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 40)
        for file in files {
            let result = try EffBinary.run([directory.appendingPathComponent(file).path])
            XCTAssertEqual(result.status, 65, "\(file): \(result.standardError)")
            XCTAssertTrue(result.standardError.contains("\(file):"), "\(file): no location in \(result.standardError)")
            XCTAssertTrue(result.standardError.contains("^"), "\(file): no caret in \(result.standardError)")
        }
    }
}
