/// `µ` (micro) spelled `u`, as eff also reads it (`uJ`, `us`), for displays that want 7-bit text.
/// (Column widths are `TerminalWidth`'s, in EffNumerics: one rule for tables and charts.)
func asciiUnits(_ text: String) -> String {
    text.contains("µ") ? text.replacingOccurrences(of: "µ", with: "u") : text
}
