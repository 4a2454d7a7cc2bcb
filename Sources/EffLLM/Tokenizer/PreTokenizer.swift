/// Cuts text into words before BPE runs inside each word, as the GGUF file's `tokenizer.ggml.pre` says.
///
/// A pre-tokenizer is a chain of regular expressions, as llama.cpp lists them per `pre` name in
/// `src/llama-vocab.cpp`: the first cuts the whole text, each later one cuts every piece the previous one
/// made, and a piece's end is a hard end for the next expression (a look-ahead such as `(?!\S)` cannot see
/// past it). llama.cpp runs the common GPT-2, Llama 3 and Qwen 2 expressions with hand-written matchers and
/// the rest with `std::regex`; eff matches all of them by hand over Unicode scalars, reproducing llama.cpp's
/// matchers where they differ from a textbook regex engine (noted at each place below).
///
/// The expressions (`\p{L}` letter, `\p{N}` number, `\s` whitespace):
/// - GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`
/// - StarCoder family (smollm, starcoder, refact, command-r, …): `\p{N}` (every number scalar alone), then GPT-2
/// - Llama 3: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
/// - Qwen 2: as Llama 3 with `\p{N}` instead of `\p{N}{1,3}`
/// - default (no or `default` name): `[\p{P}$+<=>^~|]+`, then GPT-2, then `\p{N}+`, then `[0-9][0-9][0-9]`
struct PreTokenizer: Sendable {
    /// The families of expressions eff runs.
    enum Family: String, Sendable {
        case standard = "default", gpt2, starCoder, llama3, qwen2
    }

    let name: String
    let family: Family
    /// llama.cpp's `ignore_merges`: a word that is itself a vocabulary entry becomes that token without
    /// merging (Llama 3's tokenizer.json says so; merging could reach a different split).
    let ignoresMerges: Bool

    /// The `tokenizer.ggml.pre` names llama.cpp maps to each family eff runs.
    static let families: [(family: Family, names: [String])] = [
        (.standard, ["default"]),
        (.gpt2, ["gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0",
                 "mellum", "modern-bert", "mpt", "olmo", "jais", "exaone4", "trillion", "granite-docling"]),
        (.starCoder, ["smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b"]),
        (.llama3, ["llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
                   "jina-v5-nano", "dbrx", "smaug-bpe"]),
        (.qwen2, ["qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez", "stablelm2", "hunyuan"]),
    ]

    /// Every name eff accepts, for error messages.
    static var supportedNames: [String] { families.flatMap(\.names) }

    /// Nil for a name eff does not run. An empty name is `default`, as in llama.cpp.
    init?(name: String) {
        let key = name.isEmpty ? "default" : name
        guard let family = Self.families.first(where: { $0.names.contains(key) })?.family else { return nil }
        self.name = key
        self.family = family
        // Only the names that llama.cpp loads with ignore_merges = true (dbrx and smaug-bpe share Llama 3's
        // expression but not that flag).
        self.ignoresMerges = family == .llama3 && !["dbrx", "smaug-bpe"].contains(key)
    }

    /// The words of `text`, as lengths in scalars that add up to `text.count`.
    func split(_ text: ScalarText) -> [Int] {
        let whole = text.scalars.isEmpty ? [] : [text.scalars.count]
        switch family {
        case .gpt2:
            return WordSplitter.gpt2(text, whole)
        case .starCoder:
            return WordSplitter.gpt2(text, WordSplitter.isolateEach(text, whole) { $0.contains(.number) })
        case .llama3:
            return WordSplitter.llama3(text, whole, digitsPerGroup: 3)
        case .qwen2:
            return WordSplitter.llama3(text, whole, digitsPerGroup: 1)
        case .standard:
            var pieces = WordSplitter.isolateRuns(text, whole) { scalar, classes in
                classes.contains(.punctuation) || Self.defaultExtraPunctuation.contains(scalar)
            }
            pieces = WordSplitter.gpt2(text, pieces)
            pieces = WordSplitter.isolateRuns(text, pieces) { _, classes in classes.contains(.number) }
            return WordSplitter.asciiDigitTriples(text, pieces)
        }
    }

    /// `$ + < = > ^ ~ |`: the symbols the default expression adds to `\p{P}`.
    private static let defaultExtraPunctuation: Set<UInt32> = [0x24, 0x2B, 0x3C, 0x3D, 0x3E, 0x5E, 0x7E, 0x7C]
}

/// Text as Unicode scalars with their classes and where each starts in the UTF-8 bytes, so that words found
/// over scalars can be handed to BPE as bytes without converting again.
struct ScalarText {
    var scalars: [UInt32] = []
    var classes: [ScalarClass] = []
    /// utf8Offsets[i] is where scalar i starts; one more entry holds the end.
    var utf8Offsets: [Int] = []

    /// Decodes valid UTF-8 (a Swift string's bytes).
    init<Bytes: Collection>(utf8 bytes: Bytes) where Bytes.Element == UInt8, Bytes.Index == Int {
        scalars.reserveCapacity(bytes.count)
        classes.reserveCapacity(bytes.count)
        utf8Offsets.reserveCapacity(bytes.count + 1)
        var i = bytes.startIndex
        let end = bytes.endIndex
        while i < end {
            let lead = bytes[i]
            var value: UInt32
            var length: Int
            switch lead {
            case 0..<0x80: value = UInt32(lead); length = 1
            case 0xC0..<0xE0: value = UInt32(lead & 0x1F); length = 2
            case 0xE0..<0xF0: value = UInt32(lead & 0x0F); length = 3
            default: value = UInt32(lead & 0x07); length = 4
            }
            length = min(length, end - i)
            for k in 1..<max(length, 1) { value = value << 6 | UInt32(bytes[i + k] & 0x3F) }
            scalars.append(value)
            classes.append(ScalarClass.of(value))
            utf8Offsets.append(i - bytes.startIndex)
            i += length
        }
        utf8Offsets.append(end - bytes.startIndex)
    }
}

/// The matchers, each cutting every piece of an earlier cut (lengths in scalars) into finer pieces.
enum WordSplitter {
    private static let apostrophe: UInt32 = 0x27, space: UInt32 = 0x20, cr: UInt32 = 0x0D, lf: UInt32 = 0x0A
    private static let notOther: ScalarClass = [.whitespace, .letter, .number]

    /// Collects piece lengths; empty pieces are dropped.
    private struct Pieces {
        var lengths: [Int] = []
        var pieceStart = 0
        @inline(__always) mutating func end(at position: Int) {
            if position > pieceStart { lengths.append(position - pieceStart) }
            pieceStart = position
        }
    }

    /// `\p{N}`-like: every scalar that `isolated` picks becomes a piece of its own; the scalars between form pieces.
    static func isolateEach(_ text: ScalarText, _ chunks: [Int], _ isolated: (ScalarClass) -> Bool) -> [Int] {
        var out = Pieces()
        out.lengths.reserveCapacity(chunks.count)
        var start = 0
        for length in chunks {
            let end = start + length
            out.pieceStart = start
            for pos in start..<end where isolated(text.classes[pos]) {
                out.end(at: pos)
                out.end(at: pos + 1)
            }
            out.end(at: end)
            start = end
        }
        return out.lengths
    }

    /// `[class]+`: every maximal run of picked scalars becomes a piece; the scalars between form pieces.
    static func isolateRuns(_ text: ScalarText, _ chunks: [Int], _ picked: (UInt32, ScalarClass) -> Bool) -> [Int] {
        var out = Pieces()
        var start = 0
        for length in chunks {
            let end = start + length
            out.pieceStart = start
            var pos = start
            while pos < end {
                if picked(text.scalars[pos], text.classes[pos]) {
                    out.end(at: pos)
                    while pos < end && picked(text.scalars[pos], text.classes[pos]) { pos += 1 }
                    out.end(at: pos)
                } else {
                    pos += 1
                }
            }
            out.end(at: end)
            start = end
        }
        return out.lengths
    }

    /// `[0-9][0-9][0-9]`, leftmost first: ASCII digits in threes from the left of each run ("12345" → 123, 45).
    static func asciiDigitTriples(_ text: ScalarText, _ chunks: [Int]) -> [Int] {
        @inline(__always) func isDigit(_ v: UInt32) -> Bool { v >= 0x30 && v <= 0x39 }
        var out = Pieces()
        var start = 0
        for length in chunks {
            let end = start + length
            out.pieceStart = start
            var pos = start
            while pos < end {
                if pos + 3 <= end && isDigit(text.scalars[pos]) && isDigit(text.scalars[pos + 1])
                    && isDigit(text.scalars[pos + 2]) {
                    out.end(at: pos)
                    out.end(at: pos + 3)
                    pos += 3
                } else {
                    pos += 1
                }
            }
            out.end(at: end)
            start = end
        }
        return out.lengths
    }

    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`.
    ///
    /// As llama.cpp's matcher does, a run of whitespace that is not followed by the piece's end gives back its
    /// last scalar (which then starts the next word, as " world"), and a run that reaches the piece's end
    /// keeps everything (the textbook regex would do the same only for the text's end).
    static func gpt2(_ text: ScalarText, _ chunks: [Int]) -> [Int] {
        let s = text.scalars, c = text.classes
        var out = Pieces()
        out.lengths.reserveCapacity(chunks.count * 2)
        var start = 0
        for length in chunks {
            let end = start + length
            out.pieceStart = start
            var pos = start
            while pos < end {
                let scalar = s[pos]
                if scalar == apostrophe && pos + 1 < end {
                    let next = s[pos + 1]
                    if next == 0x73 || next == 0x74 || next == 0x6D || next == 0x64 {  // s t m d
                        pos += 2; out.end(at: pos); continue
                    }
                    if pos + 2 < end {
                        let after = s[pos + 2]
                        if (next == 0x72 && after == 0x65) || (next == 0x76 && after == 0x65)
                            || (next == 0x6C && after == 0x6C) {  // re ve ll
                            pos += 3; out.end(at: pos); continue
                        }
                    }
                }
                // One optional space, then a run of letters, of numbers, or of "other" scalars.
                let head = scalar == space ? pos + 1 : pos
                if head < end {
                    let headClass = c[head]
                    if headClass.contains(.letter) {
                        pos = head + 1
                        while pos < end && c[pos].contains(.letter) { pos += 1 }
                        out.end(at: pos); continue
                    }
                    if headClass.contains(.number) {
                        pos = head + 1
                        while pos < end && c[pos].contains(.number) { pos += 1 }
                        out.end(at: pos); continue
                    }
                    if headClass.isDisjoint(with: notOther) {
                        pos = head + 1
                        while pos < end && c[pos].isDisjoint(with: notOther) { pos += 1 }
                        out.end(at: pos); continue
                    }
                }
                var whitespace = 0
                while pos + whitespace < end && c[pos + whitespace].contains(.whitespace) { whitespace += 1 }
                if whitespace > 1 && pos + whitespace < end {
                    pos += whitespace - 1           // \s+(?!\S): leave the last one to the next word
                } else if whitespace > 0 {
                    pos += whitespace               // \s+
                } else {
                    pos += 1                        // nothing matched: one scalar alone
                }
                out.end(at: pos)
            }
            out.end(at: end)
            start = end
        }
        return out.lengths
    }

    /// Llama 3 (`digitsPerGroup` 3) and Qwen 2 (1):
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    ///
    /// Contractions match either case of their ASCII letters, as llama.cpp's matcher does.
    static func llama3(_ text: ScalarText, _ chunks: [Int], digitsPerGroup: Int) -> [Int] {
        let s = text.scalars, c = text.classes
        @inline(__always) func lower(_ v: UInt32) -> UInt32 { (v >= 0x41 && v <= 0x5A) ? v + 32 : v }
        var out = Pieces()
        out.lengths.reserveCapacity(chunks.count * 2)
        var start = 0
        for length in chunks {
            let end = start + length
            out.pieceStart = start
            var pos = start
            while pos < end {
                let scalar = s[pos], classes = c[pos]
                if scalar == apostrophe && pos + 1 < end {
                    let next = lower(s[pos + 1])
                    if next == 0x73 || next == 0x74 || next == 0x6D || next == 0x64 {
                        pos += 2; out.end(at: pos); continue
                    }
                    if pos + 2 < end {
                        let after = lower(s[pos + 2])
                        if (next == 0x72 && after == 0x65) || (next == 0x76 && after == 0x65)
                            || (next == 0x6C && after == 0x6C) {
                            pos += 3; out.end(at: pos); continue
                        }
                    }
                }
                // [^\r\n\p{L}\p{N}]?\p{L}+ : any one scalar but CR, LF or a number may lead a run of letters.
                if !(scalar == cr || scalar == lf || classes.contains(.number)) {
                    if classes.contains(.letter) || (pos + 1 < end && c[pos + 1].contains(.letter)) {
                        pos += 1
                        while pos < end && c[pos].contains(.letter) { pos += 1 }
                        out.end(at: pos); continue
                    }
                }
                if classes.contains(.number) {
                    var groupStart = pos
                    while pos < end && c[pos].contains(.number) {
                        pos += 1
                        if pos - groupStart >= digitsPerGroup { out.end(at: pos); groupStart = pos }
                    }
                    out.end(at: pos); continue
                }
                // ' ?[^\s\p{L}\p{N}]+[\r\n]*' ; a space at the piece's end alone also lands here, as in llama.cpp.
                let headIsOther = scalar == space ? (pos + 1 >= end || c[pos + 1].isDisjoint(with: notOther))
                                                  : classes.isDisjoint(with: notOther)
                if headIsOther {
                    if scalar == space { pos += 1 }
                    while pos < end && c[pos].isDisjoint(with: notOther) { pos += 1 }
                    while pos < end && (s[pos] == cr || s[pos] == lf) { pos += 1 }
                    out.end(at: pos); continue
                }
                var whitespace = 0
                var afterLastNewline = -1
                while pos + whitespace < end && c[pos + whitespace].contains(.whitespace) {
                    let v = s[pos + whitespace]
                    if v == cr || v == lf { afterLastNewline = pos + whitespace + 1 }
                    whitespace += 1
                }
                if afterLastNewline >= 0 {
                    pos = afterLastNewline          // \s*[\r\n]+
                } else if whitespace > 1 && pos + whitespace < end {
                    pos += whitespace - 1           // \s+(?!\S)
                } else if whitespace > 0 {
                    pos += whitespace               // \s+
                } else {
                    pos += 1
                }
                out.end(at: pos)
            }
            out.end(at: end)
            start = end
        }
        return out.lengths
    }
}
