#!/usr/bin/env python3
"""Writes the seed corpus of the GGUF fuzz target (Fuzz/corpus/gguf/): small valid files that reach every stage
(header, metadata of every value type, tensor infos, Llama config, weights, tokenizer, a decoder step) and a few
broken ones. Deterministic. Needs the `gguf` package and numpy.

    python3 scripts/make-fuzz-corpus.py
"""
import os
import struct

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Fuzz", "corpus", "gguf")
TINY = os.path.join(ROOT, "Tests", "EffLLMTests", "Fixtures", "tiny-llama.gguf")


def micro_llama(path, types, untied=False, vocab=8, width=32, ff=64, heads=2, kv_heads=1):
    rng = np.random.default_rng(7)
    w = gguf.GGUFWriter(path, "llama")
    w.add_block_count(1)
    w.add_context_length(16)
    w.add_embedding_length(width)
    w.add_feed_forward_length(ff)
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(vocab)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("smollm")
    tokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "H", "e", "l", "o", "He"][:vocab]
    w.add_token_list(tokens)
    w.add_token_types([3, 3, 3, 1, 1, 1, 1, 1][:vocab])
    w.add_token_merges(["H e", "l l"])
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_add_bos_token(False)
    w.add_chat_template("{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}"
                        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
    hd = width // heads
    shapes = {"attn_q": (width, width), "attn_k": (kv_heads * hd, width), "attn_v": (kv_heads * hd, width),
              "attn_output": (width, width), "ffn_gate": (ff, width), "ffn_up": (ff, width), "ffn_down": (width, ff)}

    def add(name, shape, qtype):
        a = (rng.standard_normal(shape) * 0.2).astype(np.float32)
        if qtype in (T.F32, T.F16):
            w.add_tensor(name, gguf.quants.quantize(a, qtype))
        else:
            w.add_tensor(name, gguf.quants.quantize(a, qtype), raw_dtype=qtype)

    add("token_embd.weight", (vocab, width), types.get("token_embd", T.Q8_0))
    add("blk.0.attn_norm.weight", (width,), T.F32)
    for k, shape in shapes.items():
        add(f"blk.0.{k}.weight", shape, types.get(k, T.Q8_0))
        if k == "attn_output":
            add("blk.0.ffn_norm.weight", (width,), T.F32)
    add("output_norm.weight", (width,), T.F32)
    if untied:
        add("output.weight", (vocab, width), types.get("output", T.Q4_1))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def every_value_type(path):
    w = gguf.GGUFWriter(path, "none")
    w.add_uint8("t.u8", 200)
    w.add_int8("t.i8", -5)
    w.add_uint16("t.u16", 60000)
    w.add_int16("t.i16", -300)
    w.add_uint32("t.u32", 4_000_000_000)
    w.add_int32("t.i32", -7)
    w.add_float32("t.f32", 1.5)
    w.add_bool("t.bool", True)
    w.add_string("t.str", "caf\u00e9 \U0001F642")
    w.add_array("t.arr", [1, 2, 3])
    w.add_array("t.nested", [["a", "b"], ["c"]])
    w.add_uint64("t.u64", 1 << 40)
    w.add_int64("t.i64", -(1 << 40))
    w.add_float64("t.f64", 2.25)
    w.add_tensor("k", np.zeros((1, 144), dtype=np.uint8), raw_dtype=T.Q4_K)  # a K-quant: named, not runnable
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    os.makedirs(OUT, exist_ok=True)
    micro_llama(os.path.join(OUT, "micro-q8_0.gguf"), {})
    micro_llama(os.path.join(OUT, "micro-mixed-untied.gguf"),
                {"attn_q": T.F16, "attn_k": T.BF16, "attn_v": T.F32, "attn_output": T.Q4_0, "ffn_gate": T.Q4_1,
                 "ffn_up": T.Q8_0, "ffn_down": T.Q4_0, "token_embd": T.F16}, untied=True)
    every_value_type(os.path.join(OUT, "every-value-type.gguf"))
    with open(TINY, "rb") as f:
        tiny = f.read()
    data_offset = gguf.GGUFReader(TINY).data_offset
    seeds = {"tiny-header.gguf": tiny[:data_offset]}
    with open(os.path.join(OUT, "micro-q8_0.gguf"), "rb") as f:
        micro = f.read()
    seeds["micro-truncated.gguf"] = micro[:len(micro) // 2]
    seeds["bad-magic.gguf"] = b"GGUG" + micro[4:200]
    seeds["version-1.gguf"] = micro[:4] + struct.pack("<I", 1) + micro[8:200]
    seeds["big-endian.gguf"] = micro[:4] + struct.pack(">I", 3) + micro[8:200]
    seeds["huge-counts.gguf"] = micro[:8] + struct.pack("<QQ", 1 << 60, 1 << 62) + micro[24:200]
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    total = 0
    for name in sorted(os.listdir(OUT)):
        size = os.path.getsize(os.path.join(OUT, name))
        total += size
        print(f"{name}: {size} bytes")
    print(f"total {total} bytes")


if __name__ == "__main__":
    main()
