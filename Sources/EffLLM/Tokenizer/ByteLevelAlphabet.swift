/// GPT-2's byte-level alphabet: every byte 0…255 is written as one printable Unicode scalar, so that a
/// vocabulary of byte sequences can be stored as ordinary strings (`Ġ` is the space byte 0x20, `Ċ` is 0x0A).
///
/// The printable Latin-1 bytes (`!`…`~`, `¡`…`¬`, `®`…`ÿ`) stand for themselves; the remaining 68 bytes
/// (controls, space, 0x7F…0xA0, 0xAD) are given U+0100, U+0101, … in byte order. This is the table of
/// OpenAI's `bytes_to_unicode()` that llama.cpp, Hugging Face `tokenizers` and tiktoken all share.
public enum ByteLevelAlphabet {
    /// The scalar that stands for each byte.
    public static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\u{0}", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if standsForItself(UInt8(byte)) {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                table[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte a scalar stands for, or nil for a scalar outside the alphabet (only 256 scalars are in it).
    public static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        if value < 256 { return standsForItself(UInt8(value)) ? UInt8(value) : nil }
        // U+0100 + k is the k-th byte (in byte order) that does not stand for itself.
        let k = Int(value) - 256
        return k < bytesNotStandingForThemselves.count ? bytesNotStandingForThemselves[k] : nil
    }

    /// The alphabet's spelling of a byte sequence (what vocabulary entries and merges are written in).
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var text = String.UnicodeScalarView()
        for byte in bytes { text.append(scalarForByte[Int(byte)]) }
        return String(text)
    }

    /// The bytes a string in the alphabet spells, or nil when a scalar of it is outside the alphabet.
    public static func decode(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            guard let byte = byte(for: scalar) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    private static func standsForItself(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }

    private static let bytesNotStandingForThemselves: [UInt8] =
        (0..<256).map { UInt8($0) }.filter { !standsForItself($0) }
}
