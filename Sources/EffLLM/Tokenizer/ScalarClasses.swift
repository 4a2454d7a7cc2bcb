/// The Unicode classes the pre-tokenizer regexes ask about (`\p{L}`, `\p{N}`, `\p{P}`, `\s`), one small bit set
/// per scalar, as llama.cpp's `unicode_cpt_flags` answers them.
///
/// Letters, numbers and punctuation are the Unicode general categories L*, N* and P* (Swift's own Unicode
/// tables, so no data file ships with eff). Whitespace is the Unicode `White_Space` property (25 scalars: tab
/// to carriage return, space, U+0085, U+00A0, U+1680, U+2000…U+200A, U+2028, U+2029, U+202F, U+205F,
/// U+3000) — the set llama.cpp uses, which is not Python's `\s` (that one adds U+001C…U+001F).
///
/// llama.cpp's tables are Unicode 15.1; Swift's standard library knows later versions. A scalar assigned
/// after 15.1 (9,053 of them in Unicode 17: letters, digits and punctuation of new scripts) is therefore
/// treated as unassigned, as llama.cpp sees it. With that rule the classes equal llama.cpp's
/// `unicode-data.cpp` for every code point (checked over all 1,114,112 when this was written).
struct ScalarClass: OptionSet, Sendable {
    let rawValue: UInt8

    static let letter = ScalarClass(rawValue: 1)
    static let number = ScalarClass(rawValue: 2)
    static let whitespace = ScalarClass(rawValue: 4)
    static let punctuation = ScalarClass(rawValue: 8)

    /// The classes of one scalar.
    @inline(__always)
    static func of(_ value: UInt32) -> ScalarClass {
        if value < 128 { return asciiClasses[Int(value)] }
        return nonASCII(value)
    }

    /// ASCII is most of most text: a table keeps the category look-up out of the hot loop.
    private static let asciiClasses: [ScalarClass] = (0..<128).map { nonASCII(UInt32($0)) }

    private static func nonASCII(_ value: UInt32) -> ScalarClass {
        guard let scalar = Unicode.Scalar(value) else { return [] }
        if isWhitespace(value) { return .whitespace }
        guard let age = scalar.properties.age, age.major < 15 || (age.major == 15 && age.minor <= 1) else {
            return []  // unassigned in Unicode 15.1
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return .punctuation
        default:
            return []
        }
    }

    /// Unicode `White_Space`, spelled out so that it cannot drift with the standard library's tables.
    static func isWhitespace(_ value: UInt32) -> Bool {
        switch value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }
}
