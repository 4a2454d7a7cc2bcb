import EffKernels
import EffLanguage
import EffNumerics
import EffLLM
import EffUnits
import Foundation

/// A language model in eff: `load("smollm2")` returns one.
///
///     lm   // llm SmolLM2 135M · llama, 30 blocks, width 576 · 135 M parameters · Q4_1/Q8_0/F32, 98.4 MB · context 8192
public final class LanguageModelValue: EffObject {
    public let model: LanguageModel

    public init(_ model: LanguageModel) { self.model = model }

    public var typeName: String { "llm" }

    /// The weights' formats, largest share first (e.g. "Q4_1/Q8_0/F32", or "int4/Q8_0/F32" re-quantized).
    var typeNames: String { model.bytesByFormat.map(\.format).joined(separator: "/") }

    public func display(_ context: DisplayContext) -> String {
        let dot = context.asciiOnly ? " | " : " · "
        let c = model.config
        return LabFormat.wrap(["llm \(model.name)", "\(c.architecture), \(c.blockCount) blocks, width \(c.width)",
                               "\(LabFormat.grouped(model.parameterCount)) parameters",
                               "\(typeNames), \(LabFormat.bytes(model.byteCount))", "context \(c.contextLength)"],
                              separator: dot, width: context.width, indent: "  ").joined(separator: "\n")
    }

    public static let fields = ["name", "path", "architecture", "blocks", "width", "heads", "kv_heads", "feed_forward",
                                "context", "vocabulary", "parameters", "bytes", "weight_bytes", "formats", "summary",
                                "operations_per_token", "weight_bytes_per_token", "kv_bytes_per_token"]

    public var fieldNames: [String] { Self.fields }

    public func field(_ name: String) -> Value? {
        let c = model.config
        switch name {
        case "name": return .string(model.name)
        case "path": return .string(model.file.path)
        case "architecture": return .string(c.architecture)
        case "blocks": return .number(Double(c.blockCount))
        case "width": return .number(Double(c.width))
        case "heads": return .number(Double(c.headCount))
        case "kv_heads": return .number(Double(c.kvHeadCount))
        case "feed_forward": return .number(Double(c.feedForward))
        case "context": return .number(Double(c.contextLength))
        case "vocabulary": return .number(Double(c.vocabularySize))
        case "parameters": return .number(Double(model.parameterCount))
        case "bytes": return .quantity(Quantity(Double(model.byteCount), .data))
        case "weight_bytes": return .quantity(Quantity(Double(model.weightByteCount), .data))
        case "formats": return .list(model.bytesByFormat.map { .string($0.format) })
        case "summary": return .object(LanguageModelSummary(model))
        // Work of one decoded token at the start of a sequence (attention over one position), from TokenCost: 2
        // operations per multiply-add; weight bytes read (every matrix once, one embedding row, the norm gains);
        // KV bytes written (f32 cache).
        case "operations_per_token": return (try? model.workPerToken(context: 1)).map { .number(Double($0.multiplyAdds * 2)) }
        case "weight_bytes_per_token": return (try? model.workPerToken(context: 1)).map { .quantity(Quantity(Double($0.weightBytes), .data)) }
        case "kv_bytes_per_token":
            return (try? TokenCost.decode(model, context: 1)).map { .quantity(Quantity(Double($0[.kvAttention].kvBytesWritten), .data)) }
        default: return nil
        }
    }
}

/// `summary(lm)`: architecture, parameters and bytes by tensor type, context, vocabulary, work per token.
public final class LanguageModelSummary: EffObject {
    let model: LanguageModel
    init(_ model: LanguageModel) { self.model = model }

    public var typeName: String { "llm summary" }

    public func display(_ context: DisplayContext) -> String {
        let c = model.config
        let file = (model.file.path as NSString).lastPathComponent
        var lines = ["llm \(model.name) (\(file))",
                     "  architecture  \(c.architecture), \(c.blockCount) blocks, width \(c.width), SwiGLU \(c.feedForward)",
                     "  attention     \(c.headCount) query heads, \(c.kvHeadCount) KV heads of \(c.headSize), RoPE base "
                        + SIFormat.display(Double(c.ropeBase), digits: 3),
                     "  tokens        \(LabFormat.grouped(c.vocabularySize)) (\(model.tokenizer.vocabulary.model) BPE, "
                        + "\(model.tokenizer.vocabulary.preTokenizer)), context \(LabFormat.grouped(c.contextLength))",
                     "  embedding     \(model.decoder.weights.tiedEmbedding ? "tied to the output head" : "separate output head")"]
        if let requantization = model.requantization {
            lines.append("  re-quantized  \(requantization) (from the file's weights)")
        }
        let formats = model.bytesByFormat
        let column = max(6, formats.map(\.format.count).max() ?? 0)
        lines.append("  tensors       " + "type".padding(toLength: column, withPad: " ", startingAt: 0) + "   parameters        bytes")
        for row in formats {
            lines.append("                " + row.format.padding(toLength: column, withPad: " ", startingAt: 0)
                         + LabFormat.grouped(row.parameters).leftPadded(to: 13) + LabFormat.bytes(row.bytes).leftPadded(to: 13))
        }
        lines.append("                " + "total".padding(toLength: column, withPad: " ", startingAt: 0)
                     + LabFormat.grouped(model.parameterCount).leftPadded(to: 13) + LabFormat.bytes(model.weightByteCount).leftPadded(to: 13))
        // Work of one decoded token at three context lengths (TokenCost): 2 operations per multiply-add; weight
        // bytes read (every matrix once, one embedding row); keys and values read by attention (f32 cache).
        lines.append("  per token     context   operations   weights read  KV cache read")
        for contextLength in [1, 512, c.contextLength] {
            guard let work = try? model.workPerToken(context: contextLength) else { continue }
            lines.append("              " + LabFormat.grouped(contextLength).leftPadded(to: 9)
                         + (SIFormat.display(Double(work.multiplyAdds) * 2 / 1e6, digits: 3) + " M").leftPadded(to: 13)
                         + LabFormat.bytes(work.weightBytes).leftPadded(to: 15) + LabFormat.bytes(work.kvBytes).leftPadded(to: 15))
        }
        return lines.joined(separator: "\n")
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}

/// The result of `generate` or `chat`: the text, its tokens and how fast they came.
public final class GenerationValue: EffObject {
    let generation: LanguageModel.Generation
    /// The text was already streamed to the terminal: the first display shows only the statistics line.
    var streamed: Bool

    init(_ generation: LanguageModel.Generation, streamed: Bool) {
        self.generation = generation
        self.streamed = streamed
    }

    public var typeName: String { "generation" }

    /// "20 tokens · 45.1 tokens/s · prompt 6 tokens at 120 tokens/s · stopped: max_tokens"
    var statistics: String {
        let g = generation
        var parts = ["\(g.generatedTokens.count) tokens"]
        if let rate = g.decodeTokensPerSecond { parts.append("\(SIFormat.display(rate, digits: 3)) tokens/s") }
        if let rate = g.prefillTokensPerSecond { parts.append("prompt \(g.promptTokens.count) tokens at \(SIFormat.display(rate, digits: 3)) tokens/s") }
        parts.append("stopped: \(g.stopReason.rawValue)")
        return parts.joined(separator: " · ")
    }

    public func display(_ context: DisplayContext) -> String {
        let stats = "(" + (context.asciiOnly ? statistics.replacingOccurrences(of: " · ", with: " | ") : statistics) + ")"
        if streamed {
            streamed = false
            return stats
        }
        return generation.text + "\n" + stats
    }

    public static let fields = ["text", "tokens", "prompt_tokens", "tokens_per_second", "prompt_tokens_per_second",
                                "decode_time", "prefill_time", "stop_reason"]
    public var fieldNames: [String] { Self.fields }

    public func field(_ name: String) -> Value? {
        let g = generation
        switch name {
        case "text": return .string(g.text)
        case "tokens": return .list(g.generatedTokens.map { .number(Double($0)) })
        case "prompt_tokens": return .list(g.promptTokens.map { .number(Double($0)) })
        case "tokens_per_second": return g.decodeTokensPerSecond.map { .number($0) } ?? .nilValue
        case "prompt_tokens_per_second": return g.prefillTokensPerSecond.map { .number($0) } ?? .nilValue
        case "decode_time": return .quantity(Quantity(g.decodeSeconds, .time))
        case "prefill_time": return .quantity(Quantity(g.prefillSeconds, .time))
        case "stop_reason": return .string(g.stopReason.rawValue)
        default: return nil
        }
    }
}
