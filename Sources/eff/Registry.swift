import EffLab
import EffLanguage
import Foundation

/// The builtins registry for the `eff` tool: the language's core builtins plus the domain modules'.
enum Registry {
    static let all: [Builtin] = Builtins.core + LabBuiltins.all

    /// Output width from `COLUMNS` (else 80).
    static func displayContext() -> DisplayContext {
        let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init) ?? 80
        return DisplayContext(width: max(20, min(columns, 1000)))
    }
}
