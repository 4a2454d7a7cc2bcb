import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the chart library knows about where its output goes: terminal or not, its width, colour.
///
/// Rules (the same as the REPL's): colour only on a terminal; `NO_COLOR` (non-empty) disables colour and
/// wins over `FORCE_COLOR` (non-empty, not `0`), which enables it off a terminal; `TERM=dumb` disables it.
/// Width: the terminal's columns (TIOCGWINSZ), then `COLUMNS`, then 80.
public struct Terminal: Sendable, Equatable {
    /// Whether the stream is a terminal.
    public var isTerminal: Bool
    /// The display width in columns.
    public var columns: Int
    /// Whether ANSI colour should be written.
    public var colorEnabled: Bool
    /// Whether `TERM=dumb` (no colour, no cursor tricks; charts fall back to ASCII).
    public var isDumb: Bool

    /// Describes standard output, reading `environment` (default: the process environment).
    public static func standardOutput(environment: [String: String]? = nil) -> Terminal {
        let environment = environment ?? ProcessInfo.processInfo.environment
        let isTerminal = isatty(STDOUT_FILENO) == 1
        return decide(
            isTerminal: isTerminal, windowColumns: isTerminal ? windowColumns(STDOUT_FILENO) : nil,
            environment: environment)
    }

    /// The pure decision behind `standardOutput`, testable without a terminal.
    public static func decide(isTerminal: Bool, windowColumns: Int?, environment: [String: String]) -> Terminal {
        let isDumb = environment["TERM"] == "dumb"
        var columns = RenderOptions.defaultWidth
        if let windowColumns, windowColumns > 0 {
            columns = windowColumns
        } else if let text = environment["COLUMNS"], let value = Int(text.trimmingCharacters(in: .whitespaces)),
            value > 0
        {
            columns = value
        }
        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        let forceColor = environment["FORCE_COLOR"].map { !$0.isEmpty && $0 != "0" } ?? false
        let color: Bool
        if noColor || isDumb {
            color = false
        } else {
            color = isTerminal || forceColor
        }
        return Terminal(isTerminal: isTerminal, columns: columns, colorEnabled: color, isDumb: isDumb)
    }

    /// The column count of the terminal on `descriptor` via TIOCGWINSZ, or nil when it has none.
    public static func windowColumns(_ descriptor: Int32) -> Int? {
        var size = winsize()
        #if canImport(Glibc)
            let request = UInt(TIOCGWINSZ)
        #else
            let request = TIOCGWINSZ
        #endif
        guard ioctl(descriptor, request, &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}
