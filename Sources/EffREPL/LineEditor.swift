import EffLanguage
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads input lines: through libedit's readline-compatible API when `libedit.so.2` can be loaded at run
/// time, else plain line input from standard input.
///
/// libedit is opened with `dlopen` instead of linked so building never needs `libedit-dev` (its headers are
/// absent on fresh machines); `el_set`/`history` are C-variadic and not callable from Swift, so only the
/// readline entry points are used.
final class LineEditor {
    /// Why a read returned no line.
    enum Read {
        case line(String)
        /// Ctrl-C while typing: the line was abandoned.
        case interrupted
        /// Ctrl-D (or end of input).
        case endOfInput
    }

    /// Candidate completions for the word ending at the cursor: `(text before the word, the word)` → matches.
    typealias Completer = (_ before: String, _ word: String) -> [String]

    private typealias ReadlineFunction = @convention(c) (UnsafePointer<CChar>?) -> UnsafeMutablePointer<CChar>?
    private typealias HistoryFileFunction = @convention(c) (UnsafePointer<CChar>?) -> Int32
    private typealias AddHistoryFunction = @convention(c) (UnsafePointer<CChar>?) -> Int32
    private typealias StifleFunction = @convention(c) (Int32) -> Void
    private typealias VoidFunction = @convention(c) () -> Void
    private typealias LineHandler = @convention(c) (UnsafeMutablePointer<CChar>?) -> Void
    private typealias InstallHandlerFunction = @convention(c) (UnsafePointer<CChar>?, LineHandler?) -> Void
    typealias AttemptedCompletion = @convention(c) (UnsafePointer<CChar>?, Int32, Int32)
        -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?

    /// The loaded libedit entry points (nil members are optional symbols).
    private struct Library {
        let readline: ReadlineFunction
        /// The callback interface (used when present): reading waits in `poll`, which a Ctrl-C interrupts,
        /// whereas libedit's blocking `readline` retries the interrupted read and keeps the line.
        let installHandler: InstallHandlerFunction?
        let removeHandler: VoidFunction?
        let readCharacter: VoidFunction?
        let addHistory: AddHistoryFunction
        let readHistory: HistoryFileFunction?
        let writeHistory: HistoryFileFunction?
        let lineBuffer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let attemptedCompletionOver: UnsafeMutablePointer<Int32>?
        let appendCharacter: UnsafeMutablePointer<Int32>?
    }

    private let library: Library?
    /// Why libedit is not in use (nil when it is).
    let fallbackReason: String?
    private let historyPath: String?

    /// Whether lines come from libedit (history, completion) rather than plain input.
    var isEditing: Bool { library != nil }

    /// - Parameters:
    ///   - historyPath: the history file to read now and write after each line; nil keeps no history.
    ///   - usePlainInput: skip libedit (the `EFF_LINE_EDITOR=plain` setting, tests of the fallback).
    init(historyPath: String?, usePlainInput: Bool, completer: @escaping Completer) {
        self.historyPath = historyPath
        if usePlainInput {
            library = nil
            fallbackReason = "EFF_LINE_EDITOR=plain"
        } else if let (loaded, handle) = LineEditor.load() {
            library = loaded
            fallbackReason = nil
            LineEditor.install(completer: completer, handle: handle, library: loaded)
            if let stifle = LineEditor.symbol(handle, "stifle_history", as: StifleFunction.self) { stifle(1000) }
            if let historyPath, let readHistory = loaded.readHistory {
                _ = readHistory(historyPath)
            }
        } else {
            library = nil
            fallbackReason = "libedit.so.2 could not be loaded (\(LineEditor.loadError()))"
        }
    }

    /// Reads one line, showing `prompt` first.
    /// A Ctrl-C that came after the last computation ended but before this read abandons the line being
    /// typed (the terminal already discarded its input).
    func read(prompt: String) -> Read {
        defer { SignalHandling.lineInterrupted = 0 }
        if SignalHandling.lineInterrupted != 0 {
            FileHandle.standardOutput.write(Data(prompt.utf8))
            return .interrupted
        }
        if let library, let install = library.installHandler, let remove = library.removeHandler,
           let readCharacter = library.readCharacter {
            return LineEditor.readWithCallbacks(prompt: prompt, install: install, remove: remove,
                                                readCharacter: readCharacter)
        }
        if let library {
            guard let pointer = library.readline(prompt) else {
                return SignalHandling.lineInterrupted != 0 ? .interrupted : .endOfInput
            }
            defer { free(pointer) }
            if SignalHandling.lineInterrupted != 0 { return .interrupted }
            return .line(String(cString: pointer))
        }
        FileHandle.standardOutput.write(Data(prompt.utf8))
        return LineEditor.readPlainLine()
    }

    /// The line the callback interface finished (`nil` inside: end of input) and whether one is finished.
    nonisolated(unsafe) private static var finishedLine: String??

    /// Reads a line through libedit's callback interface: wait in `poll` (no `SA_RESTART`, so Ctrl-C returns
    /// EINTR), feed each ready character to libedit, stop when the line handler runs.
    private static func readWithCallbacks(prompt: String, install: InstallHandlerFunction, remove: VoidFunction,
                                          readCharacter: VoidFunction) -> Read {
        finishedLine = nil
        let handler: LineHandler = { line in
            LineEditor.finishedLine = .some(line.map { String(cString: $0) })
            if let line { free(line) }
        }
        install(prompt, handler)
        // Removing the handler restores the terminal; installing it again starts with an empty line.
        defer { remove() }
        while finishedLine == nil {
            var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, -1)
            if ready < 0 {
                if errno == EINTR, SignalHandling.lineInterrupted != 0 { return .interrupted }
                if errno == EINTR { continue }
                return .endOfInput
            }
            if descriptor.revents & Int16(POLLIN) == 0 { return .endOfInput }  // hang-up or error
            readCharacter()
        }
        guard let finished = finishedLine, let line = finished else { return .endOfInput }
        return .line(line)
    }

    /// Reads standard input byte by byte up to a newline with `read(2)`, so a Ctrl-C (EINTR, the handler
    /// has no `SA_RESTART`) abandons the line instead of being retried inside stdio.
    private static func readPlainLine() -> Read {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            #if canImport(Glibc)
            let count = Glibc.read(STDIN_FILENO, &byte, 1)
            #else
            let count = Darwin.read(STDIN_FILENO, &byte, 1)
            #endif
            if count == 1 {
                if byte == UInt8(ascii: "\n") { break }
                bytes.append(byte)
            } else if count < 0, errno == EINTR {
                if SignalHandling.lineInterrupted != 0 { return .interrupted }
            } else {
                // End of input (or an unreadable terminal): a last unterminated line still counts.
                if bytes.isEmpty { return .endOfInput }
                break
            }
        }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        return .line(String(decoding: bytes, as: UTF8.self))
    }

    /// Adds a line to the history and saves the history file (so a killed session keeps it).
    func remember(_ line: String) {
        guard let library, !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        _ = library.addHistory(line)
        if let historyPath, let writeHistory = library.writeHistory { _ = writeHistory(historyPath) }
    }

    // MARK: - Loading

    private static func load() -> (Library, UnsafeMutableRawPointer)? {
        guard let handle = dlopen("libedit.so.2", RTLD_NOW | RTLD_LOCAL) ?? dlopen("libedit.dylib", RTLD_NOW) else {
            return nil
        }
        guard let readline = symbol(handle, "readline", as: ReadlineFunction.self),
              let addHistory = symbol(handle, "add_history", as: AddHistoryFunction.self) else {
            dlclose(handle)
            return nil
        }
        if let usingHistory = symbol(handle, "using_history", as: VoidFunction.self) { usingHistory() }
        // eff's own SIGINT handler decides what Ctrl-C does; libedit must not install its handlers.
        dlsym(handle, "rl_catch_signals")?.assumingMemoryBound(to: Int32.self).pointee = 0
        let library = Library(
            readline: readline,
            installHandler: symbol(handle, "rl_callback_handler_install", as: InstallHandlerFunction.self),
            removeHandler: symbol(handle, "rl_callback_handler_remove", as: VoidFunction.self),
            readCharacter: symbol(handle, "rl_callback_read_char", as: VoidFunction.self),
            addHistory: addHistory,
            readHistory: symbol(handle, "read_history", as: HistoryFileFunction.self),
            writeHistory: symbol(handle, "write_history", as: HistoryFileFunction.self),
            lineBuffer: dlsym(handle, "rl_line_buffer")?.assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self),
            attemptedCompletionOver: dlsym(handle, "rl_attempted_completion_over")?.assumingMemoryBound(to: Int32.self),
            appendCharacter: dlsym(handle, "rl_completion_append_character")?.assumingMemoryBound(to: Int32.self))
        if let name = dlsym(handle, "rl_readline_name")?.assumingMemoryBound(to: UnsafePointer<CChar>?.self) {
            name.pointee = UnsafePointer(strdup("eff"))
        }
        return (library, handle)
    }

    private static func loadError() -> String {
        guard let message = dlerror() else { return "unknown reason" }
        return String(cString: message)
    }

    private static func symbol<T>(_ handle: UnsafeMutableRawPointer, _ name: String, as type: T.Type) -> T? {
        guard let address = dlsym(handle, name) else { return nil }
        return unsafeBitCast(address, to: type)
    }

    // MARK: - Completion

    /// The completer and library the C callback reaches (a C function pointer captures nothing).
    nonisolated(unsafe) private static var activeCompleter: Completer?
    nonisolated(unsafe) private static var activeLibrary: Library?

    private static func install(completer: @escaping Completer, handle: UnsafeMutableRawPointer, library: Library) {
        activeCompleter = completer
        activeLibrary = library
        guard let slot = dlsym(handle, "rl_attempted_completion_function") else { return }
        let callback: AttemptedCompletion = { text, start, end in LineEditor.complete(text: text, start: start, end: end) }
        slot.assumingMemoryBound(to: AttemptedCompletion?.self).pointee = callback
    }

    /// The `rl_attempted_completion_function`: a malloc'd, NULL-terminated array whose first entry is the
    /// longest common prefix of the matches (what `rl_completion_matches` returns); libedit frees it.
    private static func complete(text: UnsafePointer<CChar>?, start: Int32, end: Int32)
        -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        guard let completer = activeCompleter, let library = activeLibrary else { return nil }
        // Never fall back to libedit's own file-name completion: eff decides what completes.
        library.attemptedCompletionOver?.pointee = 1
        let word = text.map { String(cString: $0) } ?? ""
        var before = ""
        if let buffer = library.lineBuffer?.pointee {
            let bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self),
                                                  count: strlen(buffer)))
            let startIndex = max(0, min(Int(start), bytes.count))
            before = String(decoding: bytes[..<startIndex], as: UTF8.self)
        }
        let matches = completer(before, word)
        guard !matches.isEmpty else { return nil }
        // A directory completes without a trailing space so the user can go on typing the path.
        library.appendCharacter?.pointee = matches.count == 1 && matches[0].hasSuffix("/") ? 0 : 32
        let common = Completion.commonPrefix(matches)
        guard let raw = malloc(MemoryLayout<UnsafeMutablePointer<CChar>?>.stride * (matches.count + 2)) else {
            return nil
        }
        let result = raw.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: matches.count + 2)
        result[0] = strdup(common)
        for (index, match) in matches.enumerated() { result[index + 1] = strdup(match) }
        result[matches.count + 1] = nil
        return result
    }
}

/// The SIGINT handler shared by line reading and computation.
enum SignalHandling {
    /// Set by SIGINT, cleared after each read and each computation; read after a line read returns (an `Int32` so the handler only does a plain store).
    nonisolated(unsafe) static var lineInterrupted: Int32 = 0

    /// Installs the handler without `SA_RESTART`, so a blocked read returns and the prompt can clear the line.
    /// Returns the previous disposition, for `restore`.
    static func install() -> sigaction {
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = { _ in
            SignalHandling.lineInterrupted = 1
            Interpreter.interruptRequested = true
        }
        #else
        action.__sigaction_u.__sa_handler = { _ in
            SignalHandling.lineInterrupted = 1
            Interpreter.interruptRequested = true
        }
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        var previous = sigaction()
        sigaction(SIGINT, &action, &previous)
        return previous
    }

    /// Puts back the SIGINT disposition `install` replaced.
    static func restore(_ previous: sigaction) {
        var previous = previous
        sigaction(SIGINT, &previous, nil)
    }
}
