import XCTest
@testable import EffLanguage

final class LexerParserTests: XCTestCase {
    private func kinds(_ text: String) -> [Token.Kind] {
        var lexer = Lexer(file: SourceFile(name: "t", text: text))
        return lexer.tokenize().map(\.kind)
    }

    private func parse(_ text: String) -> (statements: [Statement], diagnostics: [Diagnostic]) {
        var parser = Parser(file: SourceFile(name: "t.eff", text: text))
        let statements = parser.parseProgram()
        return (statements, parser.diagnostics)
    }

    func testNumbersUnitsAndRanges() {
        XCTAssertEqual(kinds("1..5"), [.number(1), .symbol(.dotDot), .number(5), .end])
        XCTAssertEqual(kinds("1..<5"), [.number(1), .symbol(.dotDotLess), .number(5), .end])
        XCTAssertEqual(kinds("1_000.5e-3"), [.number(1.0005), .end])
        XCTAssertEqual(kinds("3.7 pJ"), [.number(3.7), .identifier("pJ"), .end])
        XCTAssertEqual(kinds("2 µs"), [.number(2), .identifier("µs"), .end])
        XCTAssertEqual(kinds(".5"), [.number(0.5), .end])
    }

    func testNewlinesAreSkippedInsideParenthesesButNotBraces() {
        XCTAssertEqual(kinds("f(1,\n2)"), [.identifier("f"), .symbol(.leftParen), .number(1), .symbol(.comma),
                                           .number(2), .symbol(.rightParen), .end])
        XCTAssertEqual(kinds("{\n}"), [.symbol(.leftBrace), .newline, .symbol(.rightBrace), .end])
    }

    func testCommentsAndShebang() {
        XCTAssertEqual(kinds("#!/usr/bin/env eff\n1 # one"), [.newline, .number(1), .end])
    }

    func testStringInterpolationParts() {
        XCTAssertEqual(kinds("\"a\\(x)b\""), [.string([.text("a"), .interpolation(start: 4, end: 5), .text("b")]), .end])
    }

    func testHugeLiteralIsAnError() {
        var lexer = Lexer(file: SourceFile(name: "t", text: "1e999"))
        _ = lexer.tokenize()
        XCTAssertEqual(lexer.diagnostics.first?.message, "number literal '1e999' is too large")
    }

    func testOneErrorPerBrokenStatement() {
        let (statements, diagnostics) = parse("let = 3\nlet y = 2\nlet z = (1 +\n")
        XCTAssertEqual(diagnostics.count, 2, diagnostics.map(\.message).description)
        XCTAssertEqual(statements.count, 1)
        XCTAssertEqual(diagnostics.first?.line, 1)
    }

    func testPrecedence() throws {
        let session = try Session(output: { _ in }, loadPrelude: false)
        var values: [String] = []
        session.output = { values.append($0) }
        XCTAssertTrue(session.run(SourceFile(name: "t", text: "-2^2\n2^3^2\n1 + 2 * 3\n(1 + 2) * 3\nnot 1 > 2 and true")).isEmpty)
        XCTAssertEqual(values, ["-4", "512", "7", "9", "true"])
    }

    func testDeepNestingIsAnErrorNotACrash() {
        let text = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        let (_, diagnostics) = parse(text)
        XCTAssertTrue(diagnostics.first?.message.contains("nesting is too deep") ?? false)
    }

    func testIsComplete() {
        XCTAssertTrue(Session.isComplete("1 + 2"))
        XCTAssertFalse(Session.isComplete("fn f(x) {"))
        XCTAssertFalse(Session.isComplete("[1, 2,"))
        XCTAssertFalse(Session.isComplete("\"abc"))
        XCTAssertTrue(Session.isComplete("fn f(x) {\n x\n}"))
    }

    func testDiagnosticRendering() {
        let file = SourceFile(name: "s.eff", text: "let a = 1\nlet t = a + 2 s\n")
        let start = 18  // "a + 2 s" on line 2
        let diagnostic = Diagnostic(.runtime, "cannot add", at: Span(file: file, start: start, end: start + 7), hint: "h")
        XCTAssertEqual(diagnostic.render(), "s.eff:2:9: error: cannot add\n  let t = a + 2 s\n          ^~~~~~~\n  hint: h")
    }
}
