/// "Did you mean …?" hints from edit distance.
enum Suggestions {
    static func hint(for name: String, among candidates: [String], listing: Bool = false) -> String? {
        let limit = max(1, name.count / 3)
        var best: (name: String, distance: Int)? = nil
        for candidate in candidates.sorted() where candidate != name {
            let d = distance(candidate.lowercased(), name.lowercased())
            if d <= limit, d < (best?.distance ?? Int.max) { best = (candidate, d) }
        }
        if let best { return "did you mean '\(best.name)'?" }
        if listing, !candidates.isEmpty, candidates.count <= 12 {
            return "available: " + candidates.joined(separator: ", ")
        }
        return nil
    }

    /// Levenshtein distance (short names only, so quadratic is fine).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
