import ArgumentParser
import EffLab
import EffModels
import EffNumerics
import Foundation

/// `eff bench train`: training tokens/s of a fixed small transformer (SequenceTrainingBenchmark documents it).
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Measure training tokens/s of a small Llama-style transformer on the Austen characters (median and range).",
        discussion: """
            The model: character vocabulary of the corpus, --width, --layers × (attention with --heads and RoPE, \
            SwiGLU feed-forward of --hidden units), RMSNorm, untied head; AdamW; --batch sequences of --length tokens. \
            For each thread count a fresh model trains --warmup steps untimed, then --repeats × --steps timed steps; \
            tokens/s is the median over repeats, with the range. scripts/bench-train-vs-pytorch.py times PyTorch on \
            the same model.

            JSON fields: corpus, vocabulary, width, layers, heads, hidden, batch, length, parameters, \
            threads, warmup_steps, timed_steps, repeats, tokens_per_second(_min, _max), spread, step_seconds, \
            first_loss, last_loss. --check-dir writes the untrained model and the first steps' windows and losses.
            """)

    @Option(help: "Comma-separated thread counts.") var threads = "1,2"
    @Option(help: "Timed steps per repeat.") var steps = 5
    @Option(help: "Timed repeats (tokens/s is their median).") var repeats = 3
    @Option(help: "Untimed warm-up steps.") var warmup = 2
    @Option(help: "Model width.") var width = 128
    @Option(help: "Transformer layers (each attention + feed-forward).") var layers = 4
    @Option(help: "Attention heads.") var heads = 4
    @Option(help: "Feed-forward hidden units (SwiGLU).") var hidden = 512
    @Option(help: "Sequences per step.") var batch = 16
    @Option(help: "Tokens per sequence.") var length = 128
    @Option(help: "Weight seed.") var seed: UInt64 = 1
    @Option(help: "Output: text or json (one JSON record per line).") var format = "text"
    @Option(help: "Write initial.safetensors, steps.json (the first --check-steps steps), trained.safetensors, trained.gguf and logits.json here, and exit.") var checkDir: String?
    @Option(help: "Steps recorded by --check-dir.") var checkSteps = 3

    func run() throws {
        guard format == "text" || format == "json" else { throw ValidationError("--format must be text or json, not '\(format)'") }
        var configuration = SequenceTrainingBenchmark.Configuration()
        configuration.threads = try integers(threads, "--threads")
        configuration.steps = steps
        configuration.repeats = repeats
        configuration.warmup = warmup
        configuration.width = width
        configuration.layers = layers
        configuration.heads = heads
        configuration.hidden = hidden
        configuration.batch = batch
        configuration.length = length
        configuration.seed = seed
        do {
            if let checkDir {
                guard checkSteps >= 1 && checkSteps <= 1000 else { throw ValidationError("--check-steps must be in 1…1000") }
                let (model, sample) = try SequenceTrainingBenchmark.writeCheck(configuration, steps: checkSteps, folder: checkDir)
                // The trained model as safetensors and as a Llama GGUF, and its logits on a sample, for
                // scripts/check-gguf-export-llamacpp.py.
                try model.saveSafeTensors(path: checkDir + "/trained.safetensors")
                try model.saveGGUF(path: checkDir + "/trained.gguf", contextLength: max(length, 256))
                let logits = try model.logits(sample)
                let record: [String: Any] = ["tokens": sample.map(Int.init), "logits": logits.map(Double.init),
                                             "vocabulary": model.vocabularySize]
                try JSONSerialization.data(withJSONObject: record).write(to: URL(fileURLWithPath: checkDir + "/logits.json"))
                return
            }
            try configuration.validate()
            if format == "text" {
                print("transformer: width \(width), \(layers) × (attention \(heads) heads + ffn \(hidden) swiglu), batch \(batch) × \(length) tokens")
                print("threads  params    tokens/s  range               s/step  loss first→last")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try SequenceTrainingBenchmark.run(configuration) { r in
                if format == "json" {
                    if let data = try? encoder.encode(r), let line = String(data: data, encoding: .utf8) { print(line) }
                } else {
                    print(String(format: "%7d  %7d  %9.0f  %8.0f–%-8.0f  %7.3f  %.3f→%.3f", r.threads, r.parameters,
                                 r.tokens_per_second, r.tokens_per_second_min, r.tokens_per_second_max, r.step_seconds,
                                 r.first_loss, r.last_loss))
                }
                fflush(stdout)
            }
            if format == "text" {
                print("medians of \(repeats) repeats of \(steps) steps after \(warmup) warm-up steps")
            }
        } catch let error as ModelsError {
            throw ValidationError(error.message)
        }
    }
}
