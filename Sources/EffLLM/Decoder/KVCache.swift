import EffKernels

/// The keys and values of every position seen so far, per layer, so each new token attends without recomputing
/// the past. Grows on demand (doubling) up to the model's context length, so a short chat does not reserve the
/// whole context. Keys are stored after RoPE.
public final class KVCache: @unchecked Sendable {
    /// How keys and values are stored: f32 (exact), or f16 (half the memory and bytes read per token).
    public enum Precision: String, Sendable, CaseIterable {
        case f32, f16
        var bytes: Int { self == .f32 ? 4 : 2 }
    }

    public let precision: Precision
    public let layers: Int
    /// Values per position per layer (KV heads × head size).
    public let width: Int
    /// Values per KV head.
    public let headSize: Int
    /// The most positions the cache may hold (the model's context length, or less when asked).
    public let limit: Int
    /// Positions stored.
    public private(set) var count = 0
    /// Allocated positions.
    public private(set) var capacity = 0
    /// Per layer: keys and values, f32 or f16 bits by `precision`. // each (capacity, width)
    private(set) var keys: [UnsafeMutableRawPointer] = []
    private(set) var values: [UnsafeMutableRawPointer] = []

    public init(config: LlamaConfig, limit: Int? = nil, precision: Precision = .f32) {
        self.precision = precision
        layers = config.blockCount
        width = config.kvWidth
        headSize = config.headSize
        self.limit = min(limit ?? config.contextLength, config.contextLength)
    }

    deinit { release() }

    private func release() {
        for p in keys { p.deallocate() }
        for p in values { p.deallocate() }
        keys = []; values = []; capacity = 0
    }

    /// Bytes held (both keys and values, all layers).
    public var byteCount: Int { 2 * layers * capacity * width * precision.bytes }

    /// Bytes per stored position (keys and values of all layers).
    public var bytesPerPosition: Int { 2 * layers * width * precision.bytes }

    /// Makes room for `needed` positions in all; throws past the limit.
    func reserve(_ needed: Int) throws {
        guard needed <= limit else {
            throw LLMError(.invalidArgument, "the sequence needs \(needed) positions but the context holds \(limit) tokens")
        }
        guard needed > capacity else { return }
        let newCapacity = min(limit, max(needed, max(64, capacity * 2)))
        for layer in 0..<layers {
            for isKey in [true, false] {
                let fresh = UnsafeMutableRawPointer.allocate(byteCount: newCapacity * width * precision.bytes, alignment: 64)
                if capacity > 0 {
                    let old = isKey ? keys[layer] : values[layer]
                    fresh.copyMemory(from: old, byteCount: count * width * precision.bytes)
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

    /// Stores `rows` positions of keys and values (f32, after RoPE) from `position` on, in the cache's precision.
    /// k, v: (rows, width)
    func store(layer: Int, position: Int, rows: Int, keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>) {
        let offset = position * width
        switch precision {
        case .f32:
            (keys[layer].assumingMemoryBound(to: Float.self) + offset).update(from: k, count: rows * width)
            (values[layer].assumingMemoryBound(to: Float.self) + offset).update(from: v, count: rows * width)
        case .f16:
            SequenceKernels.toHalf(k, count: rows * width, out: keys[layer].assumingMemoryBound(to: UInt16.self) + offset)
            SequenceKernels.toHalf(v, count: rows * width, out: values[layer].assumingMemoryBound(to: UInt16.self) + offset)
        }
    }

    /// One query head's attention over the first `length` positions of `layer`, KV head `kvHead`, in the cache's
    /// precision (`SequenceKernels.attend` or `attendHalf`). query, out: (headSize); scores: scratch of `length`.
    func attend(layer: Int, kvHead: Int, query: UnsafePointer<Float>, length: Int, scale: Float,
                scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let offset = kvHead * headSize
        switch precision {
        case .f32:
            SequenceKernels.attend(query: query, keys: keys[layer].assumingMemoryBound(to: Float.self) + offset,
                                   values: values[layer].assumingMemoryBound(to: Float.self) + offset, length: length,
                                   stride: width, headSize: headSize, scale: scale, scores: scores, out: out)
        case .f16:
            SequenceKernels.attendHalf(query: query, keys: keys[layer].assumingMemoryBound(to: UInt16.self) + offset,
                                       values: values[layer].assumingMemoryBound(to: UInt16.self) + offset, length: length,
                                       stride: width, headSize: headSize, scale: scale, scores: scores, out: out)
        }
    }

    /// Causal attention of `count` queries of one head at positions start…start+count−1 over `layer`, KV head
    /// `kvHead` (`SequenceKernels.causalAttention`, f16 keys and values widened as copied).
    /// queries, out: (count, queryStride), this head at offset 0.
    func causalAttention(layer: Int, kvHead: Int, queries: UnsafePointer<Float>, queryStride: Int, start: Int, count: Int,
                         scale: Float, out: UnsafeMutablePointer<Float>) throws {
        let offset = kvHead * headSize
        switch precision {
        case .f32:
            try SequenceKernels.causalAttention(queries: queries, queryStride: queryStride,
                                                keys: keys[layer].assumingMemoryBound(to: Float.self) + offset,
                                                values: values[layer].assumingMemoryBound(to: Float.self) + offset,
                                                kvStride: width, start: start, count: count, headSize: headSize,
                                                scale: scale, out: out)
        case .f16:
            try SequenceKernels.causalAttention(queries: queries, queryStride: queryStride,
                                                halfKeys: keys[layer].assumingMemoryBound(to: UInt16.self) + offset,
                                                halfValues: values[layer].assumingMemoryBound(to: UInt16.self) + offset,
                                                kvStride: width, start: start, count: count, headSize: headSize,
                                                scale: scale, out: out)
        }
    }

    /// Forgets every position after the first `positions` (e.g. to re-score from a shared prefix).
    public func truncate(to positions: Int) { count = max(0, min(count, positions)) }

    /// Forgets everything (keeps the memory).
    public func reset() { count = 0 }
}
