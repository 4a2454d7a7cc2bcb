/// Turns tokens into text one at a time while a model generates, for printing as it goes.
///
/// A token can end in the middle of a character (an emoji is four bytes, often split over two or more byte
/// tokens), so the bytes of an incomplete last character are held back until the tokens that complete it
/// arrive. Bytes that can never become valid UTF-8 are printed as U+FFFD at once. Concatenating every
/// `append` result and the final `finish()` gives exactly `tokenizer.decode(ids)`.
public struct StreamingDecoder: Sendable {
    public let tokenizer: BPETokenizer
    /// Show control tokens (`<|im_end|>`) as their text.
    public let renderSpecial: Bool
    private var pending: [UInt8] = []

    public init(tokenizer: BPETokenizer, renderSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.renderSpecial = renderSpecial
    }

    /// Adds a token; returns the text completed by it (empty while a character is still incomplete).
    public mutating func append(_ id: Int32) -> String {
        pending.append(contentsOf: tokenizer.pieceBytes(id, renderSpecial: renderSpecial))
        let complete = pending.count - Self.incompleteSuffixLength(pending)
        guard complete > 0 else { return "" }
        let text = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// The text still held back (an unfinished character becomes U+FFFD), and a fresh start.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Whether bytes are held back waiting for the rest of a character.
    public var hasPendingBytes: Bool { !pending.isEmpty }

    /// How many bytes at the end are the start of a multi-byte character still waiting for its other bytes:
    /// a lead byte within the last three bytes, followed only by continuation bytes, fewer than it announces.
    static func incompleteSuffixLength(_ bytes: [UInt8]) -> Int {
        var back = 1
        while back <= min(3, bytes.count) {
            let byte = bytes[bytes.count - back]
            if byte & 0xC0 == 0x80 { back += 1; continue }  // a continuation byte: look further back
            let needed: Int
            switch byte {
            case 0xC2...0xDF: needed = 2
            case 0xE0...0xEF: needed = 3
            case 0xF0...0xF4: needed = 4
            default: return 0  // ASCII or a byte that never starts a character: nothing to wait for
            }
            return needed > back ? back : 0
        }
        return 0
    }
}
