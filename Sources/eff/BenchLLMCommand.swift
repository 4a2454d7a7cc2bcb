import ArgumentParser
import EffKernels
import EffLLM
import EffNumerics
import Foundation

/// `eff bench llm MODEL`: prefill and decode tokens/s, peak memory and the fraction of the memory roof.
struct BenchLLMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llm",
        abstract: "Measure a language model: prefill and decode tokens/s (median and spread), peak RSS, fraction of the memory roof.",
        discussion: """
            MODEL is a GGUF path or a known name (eff models). Each (threads, batch) pair: one warm-up, then --repeats \
            runs of a fixed English prompt and greedy decoding, a fresh KV cache per sequence each run. The roof \
            fraction is bytes read per decode step (weights once, KV cache at the mean context) × steps/s ÷ the read \
            bandwidth eff measures on as many threads. JSON fields: model, threads, batch, prompt_tokens, gen_tokens, \
            prefill_tps, decode_tps, peak_rss_bytes, roof_fraction, and spreads.
            """)

    @Argument(help: "A GGUF file or a known model name (e.g. smollm2).")
    var model: String

    @Option(help: "Prompt tokens per sequence.")
    var promptTokens = 128

    @Option(help: "Tokens generated per sequence.")
    var genTokens = 64

    @Option(help: "Comma-separated thread counts.")
    var threads = "1,2"

    @Option(help: "Comma-separated batch sizes: sequences decoded together, each with its own KV cache.")
    var batch = "1"

    @Option(help: "Timed runs per measurement.")
    var repeats = 5

    @Option(help: "KV cache precision: f32 or f16.")
    var cache = "f32"

    @Option(help: "Output: text or json (one JSON record per line).")
    var format = "text"

    func run() throws {
        guard format == "text" || format == "json" else { throw ValidationError("--format must be text or json, not '\(format)'") }
        guard let precision = KVCache.Precision(rawValue: cache) else { throw ValidationError("--cache must be f32 or f16, not '\(cache)'") }
        var configuration = LanguageModelBenchmark.Configuration()
        configuration.promptTokens = promptTokens
        configuration.genTokens = genTokens
        configuration.threads = try integers(threads, "--threads")
        configuration.batches = try integers(batch, "--batch")
        configuration.repeats = repeats
        configuration.cachePrecision = precision
        let lm: LanguageModel
        do {
            lm = try LanguageModel(path: ModelLocator.resolve(model))
        } catch let error as LLMError {
            FileHandle.standardError.write(Data("eff: \(error.description)\n".utf8))
            throw ExitCode(74)
        }
        let formats = lm.bytesByType.map { "\($0.type.name) \(SIFormat.display(Double($0.bytes) / 1e6, digits: 3)) MB" }
        if format == "text" {
            print("\(lm.name): \(formats.joined(separator: ", ")); instruction set \(try KernelDispatch.current().rawValue); KV cache \(precision.rawValue)")
            print("threads batch prompt  gen   prefill tok/s  spread   decode tok/s  spread   roof  peak RSS")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            _ = try LanguageModelBenchmark.run(lm, configuration) { r in
                if format == "json" {
                    if let data = try? encoder.encode(r), let line = String(data: data, encoding: .utf8) { print(line) }
                } else {
                    print(String(format: "%7d %5d %6d %4d", r.threads, r.batch, r.prompt_tokens, r.gen_tokens)
                          + "  " + pad(SIFormat.display(r.prefill_tps, digits: 3), 14) + "  " + pad(percent(r.prefill_spread), 6)
                          + "  " + pad(SIFormat.display(r.decode_tps, digits: 3), 13) + "  " + pad(percent(r.decode_spread), 6)
                          + "  " + pad(SIFormat.display(r.roof_fraction, digits: 2), 5)
                          + "  " + pad(SIFormat.display(Double(r.peak_rss_bytes) / 1e6, digits: 3) + " MB", 9))
                }
                fflush(stdout)
            }
        } catch let error as LLMError {
            throw ValidationError(error.description)
        }
        if format == "text" {
            print("medians of \(repeats) runs; spread = (max − min) / median; roof = bytes read per decode step × steps/s ÷ measured read bandwidth")
        }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }

    private func percent(_ fraction: Double) -> String { SIFormat.display(fraction * 100, digits: 2) + "%" }
}
