/// Byte-pair merging inside one word: start from one symbol per byte and apply the merge of lowest rank
/// until no adjacent pair has one, as llama.cpp's `llm_tokenizer_bpe_session` does.
///
/// Symbols are interned: every string that can be a symbol (the 256 byte letters, every vocabulary entry,
/// both halves and the result of every merge) has a number, the token id for vocabulary entries and ids past
/// the vocabulary for the rest. A merge is then a look-up of two numbers, not of two strings.
///
/// Order: the pair of lowest rank goes first; among equal ranks, the leftmost (llama.cpp's comparator). The
/// standard heap-with-stale-entries approach: after a merge, the pairs it formed with its neighbours are
/// pushed, and entries whose symbols have changed since they were pushed are skipped when popped.
struct MergeTable: Sendable {
    /// Token count: symbol ids below it are token ids.
    let vocabularySize: Int
    /// Merge (left << 32 | right) → (rank << 32 | merged symbol).
    private let pairs: [UInt64: UInt64]
    /// The symbol of each single byte.
    let byteSymbols: [Int32]
    /// What a symbol that is not a token becomes: the tokens of its single-byte pieces (llama.cpp looks each
    /// UTF-8 byte of the symbol's text up as a one-byte token and drops those it does not find).
    private let fallbacks: [[Int32]]

    /// - Parameters:
    ///   - tokens: token texts (unique; index = token id)
    ///   - tokenIDs: text → token id
    ///   - merges: "left right" lines in rank order
    init(tokens: [String], tokenIDs: [String: Int32], merges: [String]) throws {
        vocabularySize = tokens.count
        var ids = tokenIDs
        var extraTexts: [String] = []
        func intern(_ text: String) -> Int32 {
            if let id = ids[text] { return id }
            let id = Int32(tokens.count + extraTexts.count)
            ids[text] = id
            extraTexts.append(text)
            return id
        }
        byteSymbols = ByteLevelAlphabet.scalarForByte.map { intern(String(Character($0))) }
        var pairs: [UInt64: UInt64] = [:]
        pairs.reserveCapacity(merges.count)
        for (rank, line) in merges.enumerated() {
            // llama.cpp splits at the first space after the first byte, so a left half may itself be a space.
            let utf8 = Array(line.utf8)
            guard utf8.count >= 3, let split = utf8[1...].firstIndex(of: 0x20), split + 1 < utf8.count else {
                throw LLMError(.malformed, "tokenizer.ggml.merges[\(rank)] is \"\(line.prefix(80))\": a merge is "
                               + "two non-empty symbols separated by one space")
            }
            let left = intern(String(decoding: utf8[..<split], as: UTF8.self))
            let right = intern(String(decoding: utf8[(split + 1)...], as: UTF8.self))
            let merged = intern(String(decoding: utf8[..<split] + utf8[(split + 1)...], as: UTF8.self))
            let key = UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
            // The first occurrence of a pair keeps its rank (llama.cpp's map emplace ignores later ones).
            if pairs[key] == nil {
                pairs[key] = UInt64(rank) << 32 | UInt64(UInt32(bitPattern: merged))
            }
        }
        self.pairs = pairs
        fallbacks = extraTexts.map { text in
            text.utf8.compactMap { byte in byte < 0x80 ? tokenIDs[String(UnicodeScalar(byte))] : nil }
        }
    }

    /// The merge of two adjacent symbols: its rank and the merged symbol, or nil.
    @inline(__always)
    func merge(_ left: Int32, _ right: Int32) -> (rank: UInt32, merged: Int32)? {
        guard let value = pairs[UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))]
        else { return nil }
        return (UInt32(truncatingIfNeeded: value >> 32), Int32(truncatingIfNeeded: Int64(value & 0xFFFF_FFFF)))
    }

    /// Appends a finished symbol's tokens: itself when it is a token, else its byte fallback.
    @inline(__always)
    func appendTokens(of symbol: Int32, to output: inout [Int32]) {
        if Int(symbol) < vocabularySize {
            output.append(symbol)
        } else {
            output.append(contentsOf: fallbacks[Int(symbol) - vocabularySize])
        }
    }
}

/// Scratch space for merging, reused across the words of one `encode` call.
struct BPEMerger {
    private struct Candidate {
        /// rank << 32 | left position: lower ranks first, then the leftmost.
        var order: UInt64
        var right: Int32
        /// The symbols the pair had when pushed; a changed one makes the entry stale.
        var leftSymbol: Int32
        var rightSymbol: Int32
        var merged: Int32
    }

    private var symbols: [Int32] = []
    private var previous: [Int32] = []
    private var next: [Int32] = []
    private var heap: [Candidate] = []

    /// Merges the bytes of one word and appends its tokens to `output`.
    mutating func encode(word bytes: UnsafeBufferPointer<UInt8>, table: MergeTable, into output: inout [Int32]) {
        let count = bytes.count
        if count == 0 { return }
        if count == 1 {
            table.appendTokens(of: table.byteSymbols[Int(bytes[0])], to: &output)
            return
        }
        symbols.removeAll(keepingCapacity: true)
        previous.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
        heap.removeAll(keepingCapacity: true)
        for i in 0..<count {
            symbols.append(table.byteSymbols[Int(bytes[i])])
            previous.append(Int32(i - 1))
            next.append(i + 1 < count ? Int32(i + 1) : -1)
        }
        for i in 0..<(count - 1) { pushPair(Int32(i), Int32(i + 1), table) }

        while let candidate = popFirst() {
            let left = Int(candidate.order & 0xFFFF_FFFF), right = Int(candidate.right)
            // Dead (-1) or changed since pushed: stale.
            guard symbols[left] == candidate.leftSymbol, symbols[right] == candidate.rightSymbol,
                  next[left] == candidate.right else { continue }
            symbols[left] = candidate.merged
            symbols[right] = -1
            let after = next[right]
            next[left] = after
            if after >= 0 { previous[Int(after)] = Int32(left) }
            if previous[left] >= 0 { pushPair(previous[left], Int32(left), table) }
            if after >= 0 { pushPair(Int32(left), after, table) }
        }
        var i: Int32 = 0
        while i >= 0 {
            table.appendTokens(of: symbols[Int(i)], to: &output)
            i = next[Int(i)]
        }
    }

    @inline(__always)
    private mutating func pushPair(_ left: Int32, _ right: Int32, _ table: MergeTable) {
        let leftSymbol = symbols[Int(left)], rightSymbol = symbols[Int(right)]
        guard let merge = table.merge(leftSymbol, rightSymbol) else { return }
        heap.append(Candidate(order: UInt64(merge.rank) << 32 | UInt64(UInt32(left)), right: right,
                              leftSymbol: leftSymbol, rightSymbol: rightSymbol, merged: merge.merged))
        // Sift up.
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if heap[parent].order <= heap[child].order { break }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    private mutating func popFirst() -> Candidate? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        if heap.isEmpty { return first }
        heap[0] = last
        // Sift down.
        var parent = 0
        let count = heap.count
        while true {
            let leftChild = 2 * parent + 1
            if leftChild >= count { break }
            var smallest = leftChild
            if leftChild + 1 < count && heap[leftChild + 1].order < heap[leftChild].order { smallest = leftChild + 1 }
            if heap[parent].order <= heap[smallest].order { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
