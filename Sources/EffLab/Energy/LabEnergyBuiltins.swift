import EffLanguage

/// The energy builtins (category "energy"): meters, profiles, estimates, measurements, comparisons and claims.
///
///     let session = try Session(builtins: Builtins.core + LabModelBuiltins.list + LabEnergyBuiltins.list,
///                               output: { print($0) })
///
/// Every energy figure they return carries its source: "measured, rapl […], total" or
/// "estimated, profile horowitz-45nm (Horowitz ISSCC 2014, 45 nm)" (see docs/energy.md).
public enum LabEnergyBuiltins {
    /// `meters`, `profiles`, `energy_table`, `profile`, `estimate`, `measure`, `compare`, `claim`.
    public static let list: [Builtin] = MeterBuiltins.list + ProfileBuiltins.list + EstimateBuiltins.list
        + MeasureBuiltins.list + CompareBuiltins.list + ClaimBuiltins.list
}
