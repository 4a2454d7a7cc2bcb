import EffStdlib
import Foundation

/// One eff session: a global environment that scripts, prompt input and notebook cells run in.
///
///     let session = try Session(output: { print($0) })
///     let errors = session.run(SourceFile(name: "<-e>", text: "5 J / 2 s"))   // prints 2.5 W
public final class Session {
    let interpreter: Interpreter
    /// Names defined by earlier input (so the resolver accepts them later).
    private var knownNames: Set<String>

    /// - Parameters:
    ///   - builtins: the registry: `Builtins.core` plus what domain modules add.
    ///   - output: receives each output line (without newline).
    ///   - loadPrelude: run Stdlib/prelude/*.eff first (off only for tests of the bare language).
    public init(builtins: [Builtin] = Builtins.core, output: @escaping (String) -> Void,
                displayContext: DisplayContext = DisplayContext(), loadPrelude: Bool = true) throws {
        interpreter = Interpreter(builtins: builtins, output: output, displayContext: displayContext)
        knownNames = Set(builtins.map(\.name))
        if loadPrelude {
            for (name, text) in try Prelude.sources() {
                let diagnostics = run(SourceFile(name: "Stdlib/prelude/\(name)", text: text))
                if let first = diagnostics.first { throw first }
            }
        }
    }

    /// The builtins registry of this session.
    public var builtins: [Builtin] { interpreter.builtins }

    /// Every name bound at top level (builtins, prelude, user definitions), sorted.
    public var globalNames: [String] { interpreter.globalNames.sorted() }

    /// A global's current value.
    public func value(of name: String) -> Value? { interpreter.lookupGlobal(name) }

    /// Binds a global (the prompt's `ans`).
    public func define(_ name: String, _ value: Value) {
        interpreter.defineGlobal(name, value)
        knownNames.insert(name)
    }

    /// The last value displayed at top level.
    public var lastValue: Value { interpreter.lastValue }

    public var output: (String) -> Void {
        get { interpreter.output }
        set { interpreter.output = newValue }
    }

    public var displayContext: DisplayContext {
        get { interpreter.displayContext }
        set { interpreter.displayContext = newValue }
    }

    /// Parses and resolves without running. Returns the diagnostics (empty when the program is well formed).
    public func check(_ file: SourceFile) -> [Diagnostic] {
        let (_, diagnostics, _) = analyse(file)
        return diagnostics
    }

    private func analyse(_ file: SourceFile) -> ([Statement], [Diagnostic], Set<String>) {
        var parser = Parser(file: file)
        let statements = parser.parseProgram()
        if !parser.diagnostics.isEmpty { return (statements, parser.diagnostics, []) }
        var resolver = Resolver(known: knownNames.union(interpreter.globalNames))
        resolver.resolve(statements)
        return (statements, resolver.diagnostics, resolver.definedNames)
    }

    /// Parses, resolves and runs source in this session. Returns the diagnostics (empty on success).
    /// Output produced before a runtime error stays written; bindings made before it stay bound.
    @discardableResult
    public func run(_ file: SourceFile) -> [Diagnostic] {
        let (statements, diagnostics, defined) = analyse(file)
        guard diagnostics.isEmpty else { return diagnostics }
        defer { knownNames.formUnion(interpreter.globalNames) }
        do {
            try interpreter.executeTopLevel(statements)
            knownNames.formUnion(defined)
            return []
        } catch let diagnostic as Diagnostic {
            return [diagnostic]
        } catch {
            if let diagnostic = Interpreter.describeEscape(error) { return [diagnostic] }
            return [Diagnostic(.runtime, "internal error: \(error)", at: nil)]
        }
    }

    /// The language's keywords (for completion at the prompt).
    public static var keywords: [String] { Keyword.allCases.map(\.rawValue) }

    /// Whether `text` is complete input or needs more lines (open bracket, block or string).
    public static func isComplete(_ text: String) -> Bool {
        var lexer = Lexer(file: SourceFile(name: "<input>", text: text))
        let tokens = lexer.tokenize()
        var depth = 0
        for token in tokens {
            if case .symbol(let symbol) = token.kind {
                switch symbol {
                case .leftParen, .leftBracket, .leftBrace: depth += 1
                case .rightParen, .rightBracket, .rightBrace: depth -= 1
                default: break
                }
            }
        }
        if lexer.diagnostics.contains(where: { $0.message.hasPrefix("unterminated") }) { return false }
        return depth <= 0
    }
}

/// Runs work on a thread with a large stack, so deep (but bounded) recursion in eff programs
/// reports an error instead of overflowing the 8 MiB main-thread stack.
public enum LargeStack {
    /// Bytes of stack for the interpreter thread.
    public static let size = 512 * 1024 * 1024

    /// Runs `body` on a new thread with `stackSize` bytes of stack (tests pass a small one to show that deep
    /// values are freed without deep recursion) and waits for its result.
    public static func run<T>(stackSize: Int = size, _ body: @escaping () -> T) -> T {
        let box = ResultBox(body)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.value = box.body()
            done.signal()
        }
        thread.stackSize = stackSize
        thread.start()
        done.wait()
        return box.value!
    }
}

private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
    let body: () -> T
    init(_ body: @escaping () -> T) { self.body = body }
}
