/// The keys and values of every position seen so far, per layer, so each new token attends without recomputing
/// the past. Grows on demand (doubling) up to the model's context length, so a short chat does not reserve the
/// whole context. Keys are stored after RoPE.
public final class KVCache: @unchecked Sendable {
    public let layers: Int
    /// Values per position per layer (KV heads × head size).
    public let width: Int
    /// The most positions the cache may hold (the model's context length, or less when asked).
    public let limit: Int
    /// Positions stored.
    public private(set) var count = 0
    /// Allocated positions.
    public private(set) var capacity = 0
    /// Per layer: keys and values. // each (capacity, width)
    private(set) var keys: [UnsafeMutablePointer<Float>] = []
    private(set) var values: [UnsafeMutablePointer<Float>] = []

    public init(config: LlamaConfig, limit: Int? = nil) {
        layers = config.blockCount
        width = config.kvWidth
        self.limit = min(limit ?? config.contextLength, config.contextLength)
    }

    deinit { release() }

    private func release() {
        for p in keys { p.deallocate() }
        for p in values { p.deallocate() }
        keys = []; values = []; capacity = 0
    }

    /// Bytes held (both keys and values, all layers).
    public var byteCount: Int { 2 * layers * capacity * width * MemoryLayout<Float>.size }

    /// Bytes per stored position (keys and values of all layers).
    public var bytesPerPosition: Int { 2 * layers * width * MemoryLayout<Float>.size }

    /// Makes room for `needed` positions in all; throws past the limit.
    func reserve(_ needed: Int) throws {
        guard needed <= limit else {
            throw LLMError(.invalidArgument, "the sequence needs \(needed) positions but the context holds \(limit) tokens")
        }
        guard needed > capacity else { return }
        let newCapacity = min(limit, max(needed, max(64, capacity * 2)))
        for layer in 0..<layers {
            for isKey in [true, false] {
                let fresh = UnsafeMutablePointer<Float>.allocate(capacity: newCapacity * width)
                if capacity > 0 {
                    let old = isKey ? keys[layer] : values[layer]
                    fresh.update(from: old, count: count * width)
                    old.deallocate()
                }
                if isKey {
                    if layer < keys.count { keys[layer] = fresh } else { keys.append(fresh) }
                } else {
                    if layer < values.count { values[layer] = fresh } else { values.append(fresh) }
                }
            }
        }
        capacity = newCapacity
    }

    func advance(by positions: Int) { count += positions }

    /// Forgets every position after the first `positions` (e.g. to re-score from a shared prefix).
    public func truncate(to positions: Int) { count = max(0, min(count, positions)) }

    /// Forgets everything (keeps the memory).
    public func reset() { count = 0 }
}
