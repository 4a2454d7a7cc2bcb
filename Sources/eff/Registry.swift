import EffCharts
import EffLab
import EffLanguage
import Foundation

/// The builtins registry for the `eff` tool: the language's core builtins plus the domain modules'.
enum Registry {
    static let all: [Builtin] = Builtins.core + LabBuiltins.all

    /// How output is shown, by EffCharts' rules: the terminal's width (else `COLUMNS`, else 80); colour only
    /// on a terminal and never with `NO_COLOR`; ASCII for `TERM=dumb`.
    static func displayContext() -> DisplayContext {
        let terminal = Terminal.standardOutput()
        return DisplayContext(width: max(20, min(terminal.columns, 1000)), asciiOnly: terminal.isDumb,
                              color: terminal.colorEnabled)
    }
}
