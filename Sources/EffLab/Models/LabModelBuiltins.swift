import EffLanguage

/// The model and data builtins eff adds to the language (categories "data" and "models").
///
///     let session = try Session(builtins: Builtins.core + LabModelBuiltins.list, output: { print($0) })
///
/// `save` is not in this list: the single `save` builtin (EffLab/Tables) calls `saveModel(_:path:)` first.
public enum LabModelBuiltins {
    /// `dataset`, `csv`, `split`, `scale`, `standardize`, `sample`, `mlp`, `model`, `like`, `evaluate`,
    /// `predict`, `summary`, `weights`, `load`, `train`, `distill`, `quantize`, `prune`, `lowrank`.
    public static let list: [Builtin] = DataBuiltins.list + ModelBuiltins.list + TrainBuiltins.list + CompressBuiltins.list
}
