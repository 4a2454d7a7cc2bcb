/// "Did you mean …?" hints from edit distance.
public enum Suggestions {
    public static func hint(for name: String, among candidates: [String], listing: Bool = false) -> String? {
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

    /// Edit distance counting a swap of two neighbouring letters as one edit (optimal string alignment),
    /// so `trian` suggests `train`. Names are short, so quadratic is fine.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        // d[i][j]: distance between the first i letters of a and the first j of b.
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
