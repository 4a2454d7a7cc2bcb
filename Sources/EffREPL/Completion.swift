import EffLanguage
import Foundation

/// Tab completion at the prompt: keywords, bound names, fields after `.`, prompt commands after `:` and
/// file paths inside strings.
public struct Completion {
    let session: Session
    /// The language's keywords (the lead's `Keyword` list; passed in because it is internal to EffLanguage).
    let keywords: [String]

    public init(session: Session, keywords: [String]) {
        self.session = session
        self.keywords = keywords
    }

    /// The matches for `word`, the word that ends at the cursor; `before` is the line's text before it.
    /// Each match replaces the whole word.
    public func matches(before: String, word: String) -> [String] {
        if Completion.isInsideString(before) { return Completion.paths(matching: word) }
        let trimmed = before.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty, word.hasPrefix(":") {
            return PromptCommand.allCases.map { ":" + $0.rawValue }.filter { $0.hasPrefix(word) }
        }
        if let dot = word.lastIndex(of: ".") {
            let base = String(word[..<dot])
            let fieldPrefix = String(word[word.index(after: dot)...])
            return fieldNames(of: base).filter { $0.hasPrefix(fieldPrefix) }.map { base + "." + $0 }
        }
        if trimmed.hasPrefix(":help") || trimmed.hasPrefix(":h ") {
            return session.builtins.map(\.name).filter { $0.hasPrefix(word) }.sorted()
        }
        let names = Set(keywords + session.globalNames)
        return names.filter { $0.hasPrefix(word) }.sorted()
    }

    /// The field names of the value bound to `base`, evaluated only when it is a plain name (completion must
    /// never run code).
    private func fieldNames(of base: String) -> [String] {
        guard Completion.isPlainName(base), let value = session.value(of: base) else { return [] }
        switch value {
        case .record(let record): return record.names
        case .object(let object): return object.fieldNames
        default: return []
        }
    }

    static func isPlainName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || CharacterSet.letters.contains(first) else {
            return false
        }
        return text.unicodeScalars.allSatisfy { $0 == "_" || CharacterSet.alphanumerics.contains($0) }
    }

    /// Whether the text so far leaves a string literal open (an odd number of unescaped double quotes).
    static func isInsideString(_ text: String) -> Bool {
        var inside = false
        var escaped = false
        for character in text {
            if escaped { escaped = false; continue }
            if character == "\\" && inside { escaped = true; continue }
            if character == "\"" { inside.toggle() }
        }
        return inside
    }

    /// Paths that start with `word` (relative to the working directory; `~/` expands), directories with a
    /// trailing `/`.
    static func paths(matching word: String) -> [String] {
        let folderPart: String
        let namePrefix: String
        if let slash = word.lastIndex(of: "/") {
            folderPart = String(word[...slash])
            namePrefix = String(word[word.index(after: slash)...])
        } else {
            folderPart = ""
            namePrefix = word
        }
        let folder = folderPart.isEmpty ? "." : (folderPart as NSString).expandingTildeInPath
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return entries
            .filter { $0.hasPrefix(namePrefix) && (namePrefix.hasPrefix(".") || !$0.hasPrefix(".")) }
            .sorted()
            .map { entry in
                var isDirectory: ObjCBool = false
                let full = (folder as NSString).appendingPathComponent(entry)
                _ = FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory)
                return folderPart + entry + (isDirectory.boolValue ? "/" : "")
            }
    }

    /// The longest prefix every match shares (what the line becomes when Tab is ambiguous).
    static func commonPrefix(_ words: [String]) -> String {
        guard var prefix = words.first else { return "" }
        for word in words.dropFirst() {
            while !word.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }
}
