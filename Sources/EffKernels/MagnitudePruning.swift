/// How a pruned layer's zeros are arranged.
public enum SparsityStructure: String, CaseIterable, Sendable {
    /// Any weights may be zero (smallest magnitudes removed).
    case unstructured
    /// Two of every four consecutive weights in a row are zero (NVIDIA 2:4).
    case twoOfFour = "2:4"
    /// Whole hidden neurons removed (the model gets smaller, no zeros remain).
    case neurons
}

/// Which weights magnitude pruning removes: the one selection both MLPs (`Model.pruned`) and language models
/// (`LanguageModel.pruned`) use, so the two cannot drift apart. Each returns a keep-mask over a row-major
/// (rows, columns) matrix: false where a weight is pruned.
public enum MagnitudePruning {
    /// Why `sparsity` cannot be used with `structure` (the message both model kinds throw, after "prune: "), nil
    /// when it can.
    public static func problem(sparsity: Double, structure: SparsityStructure) -> String? {
        guard sparsity >= 0, sparsity < 1 else { return "sparsity must be in [0, 1), got \(sparsity)" }
        if structure == .twoOfFour && abs(sparsity - 0.5) >= 1e-9 {
            return "2:4 structure removes exactly half the weights; use sparsity 0.5, got \(sparsity)"
        }
        return nil
    }

    /// The `Int(sparsity · count)` (rounded down) weights with the smallest |w| are pruned; ties go to the earlier
    /// position (the order of sorting by (|w|, index)). Sorts the magnitudes once: O(n log n) in a flat array.
    public static func unstructured(_ weights: UnsafeBufferPointer<Float>, sparsity: Double) -> [Bool] {
        var keep = [Bool](repeating: true, count: weights.count)
        let removed = Int((sparsity * Double(weights.count)).rounded(.down))
        guard removed > 0 else { return keep }
        // The removed-th smallest magnitude: everything below it goes, and as many at it as are still needed,
        // earliest first.
        let threshold = weights.map(abs).sorted()[removed - 1]
        var below = 0
        for position in weights.indices where abs(weights[position]) < threshold {
            keep[position] = false
            below += 1
        }
        var atThreshold = removed - below
        for position in weights.indices where atThreshold > 0 && abs(weights[position]) == threshold {
            keep[position] = false
            atThreshold -= 1
        }
        return keep
    }

    /// In every group of four consecutive weights of a row, the two smallest |w| are pruned (on ties the later
    /// column goes, as the 2:4 kernels keep the earlier one); a row whose length is not a multiple of 4 keeps the
    /// larger half of its last group (rounded up).
    public static func twoOfFour(_ weights: UnsafeBufferPointer<Float>, rows: Int, columns: Int) -> [Bool] {
        precondition(weights.count == rows * columns, "2:4 pruning: \(weights.count) weights are not \(rows)×\(columns)")
        var keep = [Bool](repeating: true, count: weights.count)
        for row in 0..<rows {
            var start = 0
            while start < columns {
                let first = row * columns + start, count = min(4, columns - start)
                // Smallest first; on ties the later column goes first. At most four: an insertion sort in place.
                var order = (first, first + 1, first + 2, first + 3)
                withUnsafeMutableBytes(of: &order) { raw in
                    let group = raw.bindMemory(to: Int.self)
                    func before(_ x: Int, _ y: Int) -> Bool { (abs(weights[x]), -x) < (abs(weights[y]), -y) }
                    for i in 1..<count {
                        var j = i
                        while j > 0 && before(group[j], group[j - 1]) { group.swapAt(j, j - 1); j -= 1 }
                    }
                    for i in 0..<(count / 2) { keep[group[i]] = false }
                }
                start += 4
            }
        }
        return keep
    }
}
