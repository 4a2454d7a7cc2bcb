/// The chat format of an Instruct model, read from the GGUF's `tokenizer.chat_template` (a Jinja template).
///
/// eff does not run Jinja. It recognises ChatML — the template writes `<|im_start|>` — and formats messages
/// the way ChatML templates do:
///
///     <|im_start|>system
///     You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>
///     <|im_start|>user
///     Hi<|im_end|>
///     <|im_start|>assistant
///
/// Each message is `<|im_start|>` role, a newline, the content, `<|im_end|>` and a newline; the generation
/// prompt is `<|im_start|>assistant` and a newline. When the template carries a default system prompt — a
/// literal `<|im_start|>system` block that it writes when the first message is not a system message, as
/// SmolLM2's does — that block comes first in the same case. Any other template is `LLMError(.unsupported)`.
public struct ChatTemplate: Sendable, Equatable {
    /// The template text from the file.
    public let template: String
    /// The system prompt written when the conversation has none (nil when the template has none).
    public let defaultSystemPrompt: String?

    public init(template: String) throws {
        guard template.contains("<|im_start|>") else {
            throw LLMError(.unsupported, "the chat template (tokenizer.chat_template) is not ChatML "
                           + "(it never writes <|im_start|>); eff formats ChatML chats only: "
                           + "\(template.prefix(120))…")
        }
        self.template = template
        self.defaultSystemPrompt = Self.literalSystemPrompt(in: template)
    }

    /// The prompt for a conversation, ending with the assistant's turn opened when `addGenerationPrompt`.
    public func chatPrompt(_ messages: [(role: String, content: String)], addGenerationPrompt: Bool = true) -> String {
        var prompt = ""
        // SmolLM2's template: `{% if loop.first and messages[0]['role'] != 'system' %}` — inside the loop,
        // so an empty conversation gets no system prompt either.
        if let defaultSystemPrompt, let first = messages.first, first.role != "system" {
            prompt += "<|im_start|>system\n\(defaultSystemPrompt)<|im_end|>\n"
        }
        for message in messages {
            prompt += "<|im_start|>\(message.role)\n\(message.content)<|im_end|>\n"
        }
        if addGenerationPrompt { prompt += "<|im_start|>assistant\n" }
        return prompt
    }

    /// The text of a literal `<|im_start|>system\n…<|im_end|>` in the template, when it is plain text (no
    /// Jinja expression or quote inside) and the template writes it only for conversations without a system
    /// message (it compares a role with 'system').
    static func literalSystemPrompt(in template: String) -> String? {
        let opening = "<|im_start|>system\n"
        guard template.contains("!= 'system'") || template.contains("!= \"system\""),
              let start = template.firstRange(of: opening),
              let end = template[start.upperBound...].firstRange(of: "<|im_end|>")
        else { return nil }
        let prompt = String(template[start.upperBound..<end.lowerBound])
        if prompt.isEmpty || prompt.contains("{") || prompt.contains("'") || prompt.contains("\"") { return nil }
        return prompt
    }
}
