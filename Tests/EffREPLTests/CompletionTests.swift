import EffLanguage
@testable import EffREPL
import XCTest

/// Tab completion candidates, prompt command names and `:time` statistics.
final class CompletionTests: XCTestCase {
    private let keywords = ["let", "fn", "while", "for"]

    private func completion() throws -> Completion {
        let session = try Session(builtins: Builtins.core, output: { _ in })
        session.run(SourceFile(name: "setup", text: """
            let zebra_count = 1
            let zebra_total = 2
            let point = {xpos: 1, ypos: 2, label: "p"}
            """))
        return Completion(session: session, keywords: keywords)
    }

    func testNamesKeywordsAndBuiltins() throws {
        let completion = try completion()
        XCTAssertEqual(completion.matches(before: "", word: "zebra_"), ["zebra_count", "zebra_total"])
        XCTAssertEqual(completion.matches(before: "1 + ", word: "zebra_c"), ["zebra_count"])
        XCTAssertEqual(completion.matches(before: "", word: "whi"), ["while"])
        XCTAssertTrue(completion.matches(before: "", word: "pri").contains("print"))
        XCTAssertEqual(completion.matches(before: "", word: "nothing_like_this"), [])
    }

    func testFieldsAfterDotOnlyForPlainNames() throws {
        let completion = try completion()
        XCTAssertEqual(completion.matches(before: "", word: "point."), ["point.xpos", "point.ypos", "point.label"])
        XCTAssertEqual(completion.matches(before: "", word: "point.y"), ["point.ypos"])
        XCTAssertEqual(completion.matches(before: "", word: "zebra_count."), [])
        XCTAssertEqual(completion.matches(before: "", word: "f(x).a"), [])
    }

    func testCommandsAndHelpTopics() throws {
        let completion = try completion()
        XCTAssertEqual(completion.matches(before: "", word: ":t"), [":type", ":time"])
        XCTAssertEqual(completion.matches(before: ":help ", word: "filt"), ["filter"])
        XCTAssertEqual(PromptCommand.named("q"), .quit)
        XCTAssertEqual(PromptCommand.named("exit"), .quit)
        XCTAssertNil(PromptCommand.named("t"), "ambiguous between :type and :time")
        XCTAssertNil(PromptCommand.named(""))
    }

    func testPathsInsideStrings() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("eff-complete-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("data_dir"),
                                                withIntermediateDirectories: true)
        try Data().write(to: folder.appendingPathComponent("data.csv"))
        try Data().write(to: folder.appendingPathComponent(".hidden"))
        defer { try? FileManager.default.removeItem(at: folder) }
        let completion = try completion()
        let prefix = folder.path + "/"
        XCTAssertEqual(completion.matches(before: "load(\"", word: prefix + "da"),
                       [prefix + "data.csv", prefix + "data_dir/"])
        XCTAssertEqual(completion.matches(before: "load(\"", word: prefix), [prefix + "data.csv", prefix + "data_dir/"])
        XCTAssertEqual(completion.matches(before: "load(\"", word: prefix + "."), [prefix + ".hidden"])
        XCTAssertEqual(completion.matches(before: "load(\"", word: prefix + "none"), [])
    }

    func testStringDetection() {
        XCTAssertTrue(Completion.isInsideString("load(\""))
        XCTAssertFalse(Completion.isInsideString("print(\"a\") + "))
        XCTAssertTrue(Completion.isInsideString("\"say \\\"hi\\\" "))
        XCTAssertFalse(Completion.isInsideString(""))
    }

    func testCommonPrefix() {
        XCTAssertEqual(Completion.commonPrefix(["zebra_count", "zebra_total"]), "zebra_")
        XCTAssertEqual(Completion.commonPrefix(["a"]), "a")
        XCTAssertEqual(Completion.commonPrefix([]), "")
        XCTAssertEqual(Completion.commonPrefix(["abc", "xyz"]), "")
    }

    func testTimingSummary() throws {
        let summary = try XCTUnwrap(TimingSummary([0.003, 0.001, 0.002, 0.010, 0.004]))
        XCTAssertEqual(summary.median, 0.003)
        XCTAssertEqual(summary.minimum, 0.001)
        XCTAssertEqual(summary.maximum, 0.010)
        XCTAssertEqual(summary.text, "median 3.00 ms (min 1.00 ms, max 10.0 ms, 5 runs after 1 warm-up)")
        XCTAssertEqual(TimingSummary([1, 2, 3, 4])?.median, 2.5)
        XCTAssertNil(TimingSummary([]))
        XCTAssertEqual(TimingSummary.format(2.5), "2.50 s")
        XCTAssertEqual(TimingSummary.format(0.000_000_5), "500 ns")
    }

    func testHistoryPathFollowsXDGAndHome() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("eff-hist-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        XCTAssertEqual(Prompt.historyPath(environment: ["XDG_STATE_HOME": base + "/state", "HOME": "/nowhere"]),
                       base + "/state/eff/history")
        XCTAssertEqual(Prompt.historyPath(environment: ["HOME": base]), base + "/.local/state/eff/history")
        var isDirectory: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: base + "/.local/state/eff", isDirectory: &isDirectory))
        XCTAssertTrue(isDirectory.boolValue)
        // A relative XDG_STATE_HOME is ignored, as the XDG spec says.
        XCTAssertEqual(Prompt.historyPath(environment: ["XDG_STATE_HOME": "rel", "HOME": base]),
                       base + "/.local/state/eff/history")
        XCTAssertNil(Prompt.historyPath(environment: [:]))
    }
}
