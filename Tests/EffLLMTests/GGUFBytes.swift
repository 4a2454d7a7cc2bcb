import EffKernels
import EffLLM

/// Writes GGUF files byte by byte for tests, valid or not: every count, length, type id and offset can be set
/// to any value.
///
///     var spec = GGUFSpec.llama()          // a small valid Llama file (zero weights)
///     spec.tensors[0].shape = [0, 8]       // then break one field
///     let bytes = spec.bytes()
struct GGUFSpec {
    /// A metadata value: its GGUF type id and encoded bytes.
    struct Value {
        var type: UInt32
        var payload: [UInt8]

        static func u32(_ v: UInt32) -> Value { Value(type: 4, payload: le(v)) }
        static func i32(_ v: Int32) -> Value { Value(type: 5, payload: le(UInt32(bitPattern: v))) }
        static func f32(_ v: Float) -> Value { Value(type: 6, payload: le(v.bitPattern)) }
        static func bool(_ v: Bool) -> Value { Value(type: 7, payload: [v ? 1 : 0]) }
        static func string(_ s: String) -> Value { Value(type: 8, payload: encodeString(s)) }
        static func u64(_ v: UInt64) -> Value { Value(type: 10, payload: le(v)) }
        static func strings(_ list: [String]) -> Value {
            Value(type: 9, payload: le(UInt32(8)) + le(UInt64(list.count)) + list.flatMap(encodeString))
        }
        static func int32s(_ list: [Int32]) -> Value {
            Value(type: 9, payload: le(UInt32(5)) + le(UInt64(list.count)) + list.flatMap { le(UInt32(bitPattern: $0)) })
        }
    }

    struct TensorInfo {
        var name: String
        /// Dimensions, columns first.
        var shape: [UInt64]
        var type: UInt32
        /// Offset in the data section; nil: placed after the previous tensor, aligned.
        var offset: UInt64? = nil
        /// Written in the header instead of `offset`, which still places the data (to point a tensor elsewhere).
        var headerOffset: UInt64? = nil
        /// Overrides n_dims (normally shape.count).
        var dimensionCount: UInt32? = nil
    }

    var magic: [UInt8] = Array("GGUF".utf8)
    var version: UInt32 = 3
    var tensorCountOverride: UInt64? = nil
    var keyCountOverride: UInt64? = nil
    var metadata: [(key: String, value: Value)] = []
    var tensors: [TensorInfo] = []
    var alignment = 32
    /// Bytes added to (positive) or cut from (negative) the end of the data section.
    var dataSlack = 0

    static func le(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
    static func le(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
    static func encodeString(_ s: String) -> [UInt8] { le(UInt64(s.utf8.count)) + Array(s.utf8) }

    /// Bytes of a tensor's data (32 when the type is unknown or the shape does not fit its blocks).
    static func dataBytes(_ info: TensorInfo) -> Int {
        guard let type = GGMLType(rawValue: info.type), let first = info.shape.first, first > 0,
              info.shape.allSatisfy({ $0 <= 1 << 16 }), let row = type.rowBytes(columns: Int(first)) else { return 32 }
        return row * info.shape.dropFirst().reduce(1) { $0 * Int($1) }
    }

    /// Where each tensor's data goes, in the data section.
    func placements() -> [(offset: UInt64, bytes: Int)] {
        var next = 0
        return tensors.map { info in
            let bytes = Self.dataBytes(info)
            let offset = info.offset ?? UInt64(next)
            next = max(next, (Int(clamping: offset) + bytes + alignment - 1) / alignment * alignment)
            return (offset, bytes)
        }
    }

    func bytes() -> [UInt8] {
        var out = magic
        out += Self.le(version)
        out += Self.le(tensorCountOverride ?? UInt64(tensors.count))
        out += Self.le(keyCountOverride ?? UInt64(metadata.count))
        for (key, value) in metadata {
            out += Self.encodeString(key) + Self.le(value.type) + value.payload
        }
        let places = placements()
        for (info, place) in zip(tensors, places) {
            out += Self.encodeString(info.name)
            out += Self.le(info.dimensionCount ?? UInt32(info.shape.count))
            for d in info.shape { out += Self.le(d) }
            out += Self.le(info.type)
            out += Self.le(info.headerOffset ?? place.offset)
        }
        while out.count % alignment != 0 { out.append(0) }
        let dataEnd = places.map { Int(clamping: $0.offset) + $0.bytes }.max() ?? 0
        let size = max(0, min(dataEnd, 1 << 26) + dataSlack)
        // Weights: a fixed pattern of small values (f32 1/64 where the type is F32, bytes 0x11 elsewhere).
        var data = [UInt8](repeating: 0x11, count: size)
        for (info, place) in zip(tensors, places) where info.type == 0 && Int(clamping: place.offset) + place.bytes <= size {
            for i in stride(from: Int(place.offset), to: Int(place.offset) + place.bytes, by: 4) {
                data.replaceSubrange(i..<(i + 4), with: Self.le(Float(1.0 / 64).bitPattern))
            }
        }
        return out + data
    }

    /// A small valid Llama file: `blocks` blocks of width `width`, `heads` query heads over `kvHeads` KV heads, a
    /// byte-level BPE vocabulary of `vocabulary` tokens; matrices of `matrixType`, norms F32.
    static func llama(width: Int = 32, feedForward: Int = 64, heads: Int = 2, kvHeads: Int = 1, blocks: Int = 1,
                      vocabulary: Int = 8, matrixType: GGMLType = .q8_0, tiedOutput: Bool = true) -> GGUFSpec {
        var spec = GGUFSpec()
        let tokens = (0..<vocabulary).map { i in i < 26 ? String(UnicodeScalar(UInt8(97 + i))) : "t\(i)" }
        spec.metadata = [
            ("general.architecture", .string("llama")),
            ("general.alignment", .u32(32)),
            ("llama.block_count", .u32(UInt32(blocks))),
            ("llama.context_length", .u32(64)),
            ("llama.embedding_length", .u32(UInt32(width))),
            ("llama.feed_forward_length", .u32(UInt32(feedForward))),
            ("llama.attention.head_count", .u32(UInt32(heads))),
            ("llama.attention.head_count_kv", .u32(UInt32(kvHeads))),
            ("llama.rope.freq_base", .f32(10000)),
            ("llama.attention.layer_norm_rms_epsilon", .f32(1e-5)),
            ("llama.vocab_size", .u32(UInt32(vocabulary))),
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string("smollm")),
            ("tokenizer.ggml.tokens", .strings(tokens)),
            ("tokenizer.ggml.token_type", .int32s([Int32](repeating: 1, count: vocabulary))),
            ("tokenizer.ggml.merges", .strings(["a b"])),
            ("tokenizer.ggml.bos_token_id", .u32(0)),
            ("tokenizer.ggml.eos_token_id", .u32(1)),
        ]
        let m = matrixType.rawValue, w = UInt64(width), f = UInt64(feedForward)
        let headSize = UInt64(width / heads), kv = UInt64(kvHeads) * headSize
        spec.tensors.append(TensorInfo(name: "token_embd.weight", shape: [w, UInt64(vocabulary)], type: m))
        for b in 0..<blocks {
            let p = "blk.\(b)."
            spec.tensors += [
                TensorInfo(name: p + "attn_norm.weight", shape: [w], type: 0),
                TensorInfo(name: p + "attn_q.weight", shape: [w, w], type: m),
                TensorInfo(name: p + "attn_k.weight", shape: [w, kv], type: m),
                TensorInfo(name: p + "attn_v.weight", shape: [w, kv], type: m),
                TensorInfo(name: p + "attn_output.weight", shape: [w, w], type: m),
                TensorInfo(name: p + "ffn_norm.weight", shape: [w], type: 0),
                TensorInfo(name: p + "ffn_gate.weight", shape: [w, f], type: m),
                TensorInfo(name: p + "ffn_up.weight", shape: [w, f], type: m),
                TensorInfo(name: p + "ffn_down.weight", shape: [f, w], type: m),
            ]
        }
        spec.tensors.append(TensorInfo(name: "output_norm.weight", shape: [w], type: 0))
        if !tiedOutput { spec.tensors.append(TensorInfo(name: "output.weight", shape: [w, UInt64(vocabulary)], type: m)) }
        return spec
    }

    /// The index of the tensor named `name`.
    func tensorIndex(_ name: String) -> Int { tensors.firstIndex { $0.name == name }! }
    /// The index of the metadata key `key`.
    func keyIndex(_ key: String) -> Int { metadata.firstIndex { $0.key == key }! }
}

extension GGUFSpec {
    /// Offset of metadata entry `i` (its key's length field) in `bytes()`.
    func keyOffset(_ i: Int) -> Int {
        24 + metadata[..<i].reduce(0) { $0 + 8 + $1.key.utf8.count + 4 + $1.value.payload.count }
    }
    /// Offset of metadata entry `i`'s value (after its type id).
    func valueOffset(_ i: Int) -> Int { keyOffset(i) + 8 + metadata[i].key.utf8.count + 4 }
    /// Offset of tensor info `i` (its name's length field) in `bytes()`.
    func tensorInfoOffset(_ i: Int) -> Int {
        keyOffset(metadata.count) + tensors[..<i].reduce(0) { $0 + 8 + $1.name.utf8.count + 4 + 8 * $1.shape.count + 12 }
    }
}
