import Foundation

/// Static checks before running: every name is defined where it is used, `return` is inside a
/// function, `break`/`continue` inside a loop, assignments target defined variables.
///
/// Top-level code sees names defined above it (and all top-level functions); function bodies
/// see every top-level name, because they run later.
struct Resolver {
    private var scopes: [Set<String>] = []
    private var known: Set<String>
    private var functionDepth = 0
    private var loopDepth = 0
    private var programNames: Set<String> = []
    private var importedPaths: Set<String> = []
    private(set) var diagnostics: [Diagnostic] = []

    /// `known`: names already defined (builtins, prelude, earlier prompt input).
    init(known: Set<String>) { self.known = known }

    /// Names the program defines at top level (so a prompt session can remember them).
    private(set) var definedNames: Set<String> = []

    mutating func resolve(_ statements: [Statement]) {
        programNames = topLevelNames(statements, file: statements.first?.span.file)
        for statement in statements {
            if case .function(let declaration) = statement, let name = declaration.name { known.insert(name) }
        }
        for statement in statements { resolve(statement) }
        definedNames = programNames
    }

    private func topLevelNames(_ statements: [Statement], file: SourceFile?) -> Set<String> {
        var names: Set<String> = []
        for statement in statements {
            switch statement {
            case .letBinding(let name, _, _, _): names.insert(name)
            case .function(let declaration): if let name = declaration.name { names.insert(name) }
            default: break
            }
        }
        return names
    }

    private func isDefined(_ name: String) -> Bool {
        if scopes.contains(where: { $0.contains(name) }) || known.contains(name) { return true }
        return functionDepth > 0 && programNames.contains(name)
    }

    private mutating func define(_ name: String) {
        if scopes.isEmpty { known.insert(name) } else { scopes[scopes.count - 1].insert(name) }
    }

    private mutating func report(_ message: String, _ span: Span, hint: String? = nil) {
        diagnostics.append(Diagnostic(.resolve, message, at: span, hint: hint))
    }

    private var visibleNames: [String] { Array(known) + scopes.flatMap { $0 } + (functionDepth > 0 ? Array(programNames) : []) }

    private mutating func resolve(_ statement: Statement) {
        switch statement {
        case .expression(let expression, _):
            resolve(expression)
        case .letBinding(let name, let expression, _, _):
            resolve(expression)
            define(name)
        case .assignment(let target, let expression, _):
            resolve(expression)
            resolve(target)
        case .function(let declaration):
            if let name = declaration.name { define(name) }
            resolveFunction(declaration)
        case .forLoop(let variable, let iterable, let body, _):
            resolve(iterable)
            loopDepth += 1
            scopes.append([variable])
            resolveStatements(body.statements)
            scopes.removeLast()
            loopDepth -= 1
        case .whileLoop(let condition, let body, _):
            resolve(condition)
            loopDepth += 1
            resolveBlock(body)
            loopDepth -= 1
        case .returnStatement(let expression, let span):
            if functionDepth == 0 { report("'return' outside a function", span) }
            if let expression { resolve(expression) }
        case .breakStatement(let span):
            if loopDepth == 0 { report("'break' outside a loop", span) }
        case .continueStatement(let span):
            if loopDepth == 0 { report("'continue' outside a loop", span) }
        case .importStatement(let path, let span):
            resolveImport(path, span)
        }
    }

    private mutating func resolveImport(_ path: String, _ span: Span) {
        let base = span.file.name.hasPrefix("<") ? FileManager.default.currentDirectoryPath
            : (span.file.name as NSString).deletingLastPathComponent
        let resolved = path.hasPrefix("/") ? path : (base.isEmpty ? path : base + "/" + path)
        let absolute = URL(fileURLWithPath: resolved).standardizedFileURL.path
        guard !importedPaths.contains(absolute) else { return }
        importedPaths.insert(absolute)
        guard let file = try? SourceLoader.load(path: absolute, displayName: resolved) else {
            report("cannot import \"\(path)\": no readable file at \(resolved)", span)
            return
        }
        var parser = Parser(file: file)
        let statements = parser.parseProgram()
        diagnostics += parser.diagnostics
        for statement in statements {
            switch statement {
            case .importStatement(let innerPath, let innerSpan): resolveImport(innerPath, innerSpan)
            case .letBinding(let name, _, _, _): define(name)
            case .function(let declaration): if let name = declaration.name { define(name) }
            default: break
            }
        }
    }

    private mutating func resolveBlock(_ block: Block) {
        scopes.append([])
        resolveStatements(block.statements)
        scopes.removeLast()
    }

    private mutating func resolveStatements(_ statements: [Statement]) {
        // Functions declared in a block may call each other.
        for statement in statements {
            if case .function(let declaration) = statement, let name = declaration.name { define(name) }
        }
        for statement in statements { resolve(statement) }
    }

    private mutating func resolveFunction(_ declaration: FunctionDeclaration) {
        let savedLoops = loopDepth
        loopDepth = 0
        functionDepth += 1
        scopes.append([])
        for parameter in declaration.parameters {
            if let defaultValue = parameter.defaultValue { resolve(defaultValue) }
            define(parameter.name)
        }
        resolveStatements(declaration.body.statements)
        scopes.removeLast()
        functionDepth -= 1
        loopDepth = savedLoops
    }

    private mutating func resolve(_ expression: Expression) {
        switch expression {
        case .number, .quantity, .boolean, .nilLiteral: break
        case .string(let parts, _):
            for case .expression(let inner) in parts { resolve(inner) }
        case .variable(let name, let span):
            if !isDefined(name) {
                let later = programNames.contains(name) && functionDepth == 0
                report("'\(name)' is not defined" + (later ? " yet (it is defined further down)" : ""), span,
                       hint: later ? "move the definition above its first use" : Suggestions.hint(for: name, among: visibleNames))
            }
        case .list(let elements, _): elements.forEach { resolve($0) }
        case .record(let fields, _): fields.forEach { resolve($0.value) }
        case .range(let lower, let upper, _, _): resolve(lower); resolve(upper)
        case .unary(_, let operand, _): resolve(operand)
        case .binary(_, let left, let right, _, _), .logical(_, let left, let right, _):
            resolve(left); resolve(right)
        case .call(let callee, let arguments, _):
            resolve(callee)
            arguments.forEach { resolve($0.value) }
        case .index(let base, let index, _): resolve(base); resolve(index)
        case .field(let base, _, _): resolve(base)
        case .function(let declaration): resolveFunction(declaration)
        case .conditional(let condition, let thenBlock, let elseBranch, _):
            resolve(condition)
            resolveBlock(thenBlock)
            if let elseBranch { resolve(elseBranch) }
        case .block(let block): resolveBlock(block)
        }
    }
}
