import XCTest
@testable import EffLanguage

/// `model NAME { … }` and `claim A vs B on D: …` desugar to calls of the `model` and `claim` builtins.
final class DomainFormTests: XCTestCase {
    /// Stand-ins that echo their arguments, so the test sees exactly what the sugar produced.
    private let echoes: [Builtin] = [
        Builtin("model", [.optional("name"), .optional("input"), .optional("layers"), .optional("seed")],
                category: "test", summary: "", example: "") { arguments in
            .record(Record([("name", arguments.value("name")), ("input", arguments.value("input")),
                            ("layers", arguments.value("layers"))]))
        },
        Builtin("claim", [.required("candidate"), .required("baseline"), .required("data"), .required("conditions")],
                category: "test", summary: "", example: "") { arguments in
            .list([arguments.value("candidate"), arguments.value("baseline"), arguments.value("data"),
                   arguments.value("conditions")])
        },
    ]

    private func run(_ text: String) throws -> (output: [String], diagnostics: [Diagnostic]) {
        var output: [String] = []
        // Wide enough that each echoed value displays on one line.
        let session = try Session(builtins: Builtins.core + echoes, output: { output.append($0) },
                                  displayContext: DisplayContext(width: 1000))
        let diagnostics = session.run(SourceFile(name: "t.eff", text: text))
        return (output, diagnostics)
    }

    func testModelBlock() throws {
        let (output, diagnostics) = try run("""
            model baseline {
              input 64
              dense 256, relu
              layernorm
              dropout 0.1
              dense 10
            }
            baseline
            let model = 3
            model + 1
            """)
        XCTAssertEqual(diagnostics.map { $0.render() }, [])
        XCTAssertEqual(output, [
            #"{name: "baseline", input: 64, layers: [{kind: "dense", arguments: [256, "relu"]}, {kind: "layernorm", arguments: []}, {kind: "dropout", arguments: [0.1]}, {kind: "dense", arguments: [10]}]}"#,
            "4",
        ])
    }

    func testModelBlockErrors() throws {
        XCTAssertEqual(try run("model m {\n  dense 10\n}").diagnostics.first?.message,
                       "model 'm' needs an 'input N' line giving the number of features "
                        + "(for a sequence model: the vocabulary size, e.g. input data.vocabulary)")
        // The parser knows no layer kinds: unknown ones are reported by the model builtin (EffLabTests).
        XCTAssertTrue(try run("model m {\n  input 4\n  dence 10\n}").diagnostics.isEmpty)
    }

    /// `block KIND(field: value, …)` becomes `{kind: "block", block: KIND, fields: {…}}`; the values are expressions.
    func testSequenceModelBlock() throws {
        let (output, diagnostics) = try run("""
            let h = 4
            model lm {
              input 96
              embed 64
              block attention(heads: h, window: 2 * 32)
              block ffn(hidden: 256, activation: "gelu")
              block ssm
              head
            }
            lm
            """)
        XCTAssertEqual(diagnostics.map { $0.render() }, [])
        XCTAssertEqual(output, [
            #"{name: "lm", input: 96, layers: [{kind: "embed", arguments: [64]}, "#
                + #"{kind: "block", block: "attention", fields: {heads: 4, window: 64}}, "#
                + #"{kind: "block", block: "ffn", fields: {hidden: 256, activation: "gelu"}}, "#
                + #"{kind: "block", block: "ssm", fields: {}}, {kind: "head", arguments: []}]}"#,
        ])
    }

    func testSequenceModelBlockErrors() throws {
        let positional = try run("model m {\n  input 4\n  embed 8\n  block attention(2)\n  head\n}").diagnostics
        XCTAssertEqual(positional.first?.message, "expected a named field such as 'heads: 4' in block attention(…), found number '2'")
        XCTAssertTrue(positional.first?.render().hasPrefix("t.eff:4:19: error:") ?? false, positional.first?.render() ?? "")
        XCTAssertEqual(positional.count, 1, "the block's '}' is not reported again: \(positional.map { $0.message })")
        XCTAssertEqual(try run("model m {\n  input 4\n  embed 8\n  block (heads: 2)\n  head\n}").diagnostics.first?.message,
                       "expected a block kind after 'block', found '('")
        XCTAssertEqual(try run("model m {\n  input 4\n  embed 8\n  block ffn(hidden: 2, hidden: 3)\n  head\n}").diagnostics.first?.message,
                       "field 'hidden' is given twice in block ffn(…)")
    }

    func testClaim() throws {
        let (output, diagnostics) = try run("""
            let a = "A"
            let b = "B"
            let d = {test: "D"}
            claim a vs b on d.test: energy <= 1/100 and accuracy >= 0
            """)
        XCTAssertEqual(diagnostics.map { $0.render() }, [])
        XCTAssertEqual(output, [
            #"["A", "B", "D", [{metric: "energy", relation: "<=", bound: 0.01}, {metric: "accuracy", relation: ">=", bound: 0}]]"#,
        ])
        XCTAssertEqual(try run("let a = 1\nlet b = 2\nclaim a vs b: energy <= 1").diagnostics.first?.message,
                       "expected 'on' after the baseline, found ':'")
    }
}
