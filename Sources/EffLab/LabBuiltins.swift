import EffLanguage

/// The builtins EffLab adds to the language: tables and charts (later models and energy).
///
///     let session = try Session(builtins: Builtins.core + LabBuiltins.tables + LabBuiltins.charts,
///                               output: { print($0) })
public enum LabBuiltins {
    /// `table`, `save`.
    public static let tables: [Builtin] = TableBuiltins.list
    /// `bar`, `hist`, `sparkline`, `line`, `scatter`, `heatmap`, `spy`.
    public static let charts: [Builtin] = BarBuiltins.list + PlotBuiltins.list + MatrixBuiltins.list
    /// `models`, `tokens`, `detokenize`, `generate`, `chat`, `logprobs`, `perplexity`, `corpus`, `read_text`, `unigram`,
    /// `benchmark`, `agreement`.
    public static var languageModels: [Builtin] { LanguageModelBuiltins.list }
    /// Everything EffLab adds: tables, charts, models and data, energy and claims.
    public static var all: [Builtin] { tables + charts + LabModelBuiltins.list + LanguageModelBuiltins.list
        + LabEnergyBuiltins.list }
}
