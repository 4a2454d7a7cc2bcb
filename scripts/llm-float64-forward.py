#!/usr/bin/env python3
"""The yardstick for eff's logit tolerances: a Llama forward pass in float64 NumPy on a GGUF file's dequantized
weights (no activation rounding at all), compared with the llama.cpp references that
scripts/make-llm-references.py wrote. How far exact math is from llama.cpp says how far any faithful
implementation may be (ReferenceTests quotes the numbers).

    python3 scripts/llm-float64-forward.py Tests/EffLLMTests/Fixtures/tiny-llama.gguf \
        Tests/EffLLMTests/Fixtures/llm-reference-tiny.json [PROMPTS]

Needs numpy and the `gguf` package. For SmolLM2 it holds the weights in float64 (≈ 1.1 GB) and takes minutes.
"""
import json
import sys

import numpy as np
import gguf


def main():
    path, reference = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    r = gguf.GGUFReader(path)
    W = {}
    for t in r.tensors:
        a = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float64)
        W[t.name] = a.reshape(tuple(int(x) for x in reversed(t.shape)))  # (rows, columns)

    def meta(key):
        return r.fields[key].contents()

    blocks = meta("llama.block_count")
    heads, kv_heads = meta("llama.attention.head_count"), meta("llama.attention.head_count_kv")
    width = meta("llama.embedding_length")
    hd = width // heads
    base, eps = meta("llama.rope.freq_base"), meta("llama.attention.layer_norm_rms_epsilon")

    def rms(x, g):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * g

    def rope(x, pos):  # llama.cpp's "normal" RoPE for the llama architecture: pairs (2i, 2i+1). x (T, heads, hd)
        out = x.copy()
        for i in range(hd // 2):
            th = pos[:, None] * base ** (-2 * i / hd)
            a, b = x[:, :, 2 * i], x[:, :, 2 * i + 1]
            out[:, :, 2 * i] = a * np.cos(th) - b * np.sin(th)
            out[:, :, 2 * i + 1] = a * np.sin(th) + b * np.cos(th)
        return out

    def forward(ids):
        T = len(ids)
        x = W["token_embd.weight"][ids]
        pos = np.arange(T, dtype=np.float64)
        for layer in range(blocks):
            p = f"blk.{layer}."
            h = rms(x, W[p + "attn_norm.weight"])
            q = rope((h @ W[p + "attn_q.weight"].T).reshape(T, heads, hd), pos)
            k = rope((h @ W[p + "attn_k.weight"].T).reshape(T, kv_heads, hd), pos)
            v = (h @ W[p + "attn_v.weight"].T).reshape(T, kv_heads, hd)
            out = np.zeros((T, heads, hd))
            for head in range(heads):
                kv = head // (heads // kv_heads)
                s = q[:, head] @ k[:, kv].T / np.sqrt(hd) + np.triu(np.full((T, T), -np.inf), 1)
                s = np.exp(s - s.max(-1, keepdims=True))
                out[:, head] = (s / s.sum(-1, keepdims=True)) @ v[:, kv]
            x = x + out.reshape(T, width) @ W[p + "attn_output.weight"].T
            h = rms(x, W[p + "ffn_norm.weight"])
            g, u = h @ W[p + "ffn_gate.weight"].T, h @ W[p + "ffn_up.weight"].T
            x = x + (g / (1 + np.exp(-g)) * u) @ W[p + "ffn_down.weight"].T
        h = rms(x[-1], W["output_norm.weight"])
        return h @ W.get("output.weight", W["token_embd.weight"]).T

    ref = json.load(open(reference))
    worst_full, worst_top = 0.0, 0.0
    for p in ref["prompts"][:count]:
        logits = forward(p["ids"])
        worst_top = max(worst_top, max(abs(logits[int(i)] - v) for i, v in p["top20"]))
        if "logits" in p:
            worst_full = max(worst_full, float(np.abs(logits - np.array(p["logits"])).max()))
    print(f"float64 forward vs llama.cpp over {count} prompts: max |Δlogit| top-20 {worst_top:.4f}, "
          f"full vectors {worst_full:.4f}")


if __name__ == "__main__":
    main()
