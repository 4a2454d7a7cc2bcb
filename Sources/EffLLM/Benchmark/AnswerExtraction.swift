import Foundation

/// The final number of a generated or reference answer, as lm-evaluation-harness's GSM8K filters find it: the
/// number after `#### ` ("strict-match"), else the last number in the text ("flexible-extract").
public enum AnswerExtraction {
    /// The final answer: after `####` when present, else the last number; nil when the text has no number.
    public static func finalAnswer(_ text: String) -> String? {
        if let marker = text.range(of: "####", options: .backwards) {
            if let number = numbers(in: String(text[marker.upperBound...])).first { return number }
        }
        return numbers(in: text).last
    }

    /// Numbers in `text` in order, normalised: `$`, `,` and a trailing `.` removed ("$1,200." → "1200").
    static func numbers(in text: String) -> [String] {
        var found: [String] = []
        var current = ""
        func flush() {
            var n = current
            current = ""
            while n.hasSuffix(".") || n.hasSuffix(",") { n.removeLast() }
            n = n.replacingOccurrences(of: ",", with: "")
            if n.contains(where: \.isNumber) { found.append(n) }
        }
        for c in text {
            if c.isASCII && c.isNumber || (c == "." || c == ",") && !current.isEmpty {
                current.append(c)
            } else if c == "-" && current.isEmpty {
                current.append(c)
            } else if c == "$" && current.isEmpty {
                continue
            } else {
                flush()
            }
        }
        flush()
        return found
    }

    /// Exact match after normalisation; numbers that parse are compared as numbers ("18.00" matches "18": lm-eval
    /// compares the strings, which counts that as wrong).
    public static func matches(_ prediction: String?, _ target: String) -> Bool {
        guard let prediction else { return false }
        let p = prediction.replacingOccurrences(of: ",", with: ""), t = target.replacingOccurrences(of: ",", with: "")
        if let a = Double(p), let b = Double(t) { return a == b }
        return p.trimmingCharacters(in: .whitespaces) == t.trimmingCharacters(in: .whitespaces)
    }
}
