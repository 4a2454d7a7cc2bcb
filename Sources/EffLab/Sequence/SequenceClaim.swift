import EffEnergy
import EffKernels
import EffLanguage
import EffModels

/// `claim ssm vs dense on data: energy <= 1/5 and perplexity <= 1.05` for sequence models: energy is the estimated
/// J per generated token at `context` (deterministic, so its ratio is exact); perplexity the ratio of held-out
/// perplexities with a paired bootstrap over the same text windows (`PerplexityComparison`).
enum SequenceClaim {
    /// Held-out windows scored per model at most (each one a forward pass of `length` tokens): enough for a CI of a
    /// few percent on the perplexity ratio of small character models, and seconds to compute.
    static let maximumWindows = 256

    static func judge(candidate: SequenceModelValue, baseline: SequenceModelValue, arguments: Arguments,
                      conditions: [ClaimCondition], profile: EnergyProfile) throws -> VerdictValue {
        let data = try SequenceBuiltins.tokenData(arguments.value("data"), function: "claim", argument: "data")
        let text = data.heldOut ?? data.train
        let context = arguments.isPassed("context") ? try arguments.integer("claim", "context", in: 1...(1 << 24)) : 256
        let (candidateName, baselineName) = candidate.model.name == baseline.model.name
            ? ("\(candidate.model.name) (candidate)", "\(baseline.model.name) (baseline)")
            : (candidate.model.name, baseline.model.name)
        var systems = [SystemEvidence(name: candidateName), SystemEvidence(name: baselineName)]
        let models = [candidate.model, baseline.model]
        let metrics = Set(conditions.map(\.metric))
        if let other = metrics.first(where: { $0 == .latency || $0 == .accuracy }) {
            throw RuntimeError("claim: sequence models are judged on energy and perplexity, not \(other.rawValue)",
                               hint: "state perplexity <= 1.05 for \"no worse than 5%\"", argument: "conditions")
        }
        // Both models score the same windows: of the baseline's training length (the context it learned for).
        let length = baseline.history?.options.length ?? SequenceTrainingOptions().length
        let windows = min(Self.maximumWindows, max(0, (text.count - 1) / length))
        if metrics.contains(.perplexity) {
            for index in 0..<2 {
                systems[index].windowLosses = try LabModelBuiltins.passingErrors("claim", argument: "data") {
                    try models[index].windowLosses(on: text, length: length, windows: windows)
                }
            }
        }
        var label: String?
        if metrics.contains(.energy) {
            for index in 0..<2 {
                let estimate = try SequenceEstimateValue(models[index], context: context, profile: profile, training: nil, function: "claim")
                systems[index].energy = estimate.perToken.total.energy
                label = estimate.sourceLabel
            }
        }
        let record = ClaimConditions(dataset: "\(text.name): \(LabFormat.grouped(text.count)) tokens, \(windows) windows of \(length)",
                                     batchSize: nil,
                                     formats: [candidateName: "f32, J/token at context \(context)", baselineName: "f32, J/token at context \(context)"],
                                     energySource: label)
        return try ClaimBuiltins.verdict(conditions, systems[0], systems[1], record: record, energySourceLabel: label)
    }
}
