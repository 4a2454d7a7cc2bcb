#!/usr/bin/env python3
"""Does llama.cpp run eff's Llama GGUF export of a trained sequence model as eff does?

`eff bench train --check-dir DIR` trains the benchmark transformer a few steps (characters of the Austen novels,
width 128, 4 x (attention 4 heads + SwiGLU 512)) and writes DIR/trained.gguf (SequenceModel.saveGGUF: Llama
tensors, llama.* hyperparameters, a GPT-2-style byte-level character tokenizer) and DIR/logits.json (a token
sequence and SequenceModel's own forward logits at every position). This script loads trained.gguf with llama.cpp
(llama-cpp-python), evaluates the same token ids, and prints the largest absolute and relative logit differences.

Usage:
  /work/refvenv/bin/python scripts/check-gguf-export-llamacpp.py [--eff .build/release/eff] [--dir DIR] [--steps 20]
Exit status 0 when the largest difference is within --tolerance (default 1e-3 absolute).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from llama_cpp import Llama

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eff", default=os.path.join(ROOT, ".build", "release", "eff"))
    parser.add_argument("--dir", help="use (or write) the check files here (default: a temporary folder)")
    parser.add_argument("--steps", type=int, default=20, help="training steps before the export")
    parser.add_argument("--reuse", action="store_true", help="use the files already in --dir")
    parser.add_argument("--tolerance", type=float, default=1e-3)
    args = parser.parse_args()
    folder = args.dir or tempfile.mkdtemp(prefix="eff-gguf-check-")
    if not args.reuse:
        subprocess.run([args.eff, "bench", "train", "--check-dir", folder, "--check-steps", str(args.steps)], check=True)
    with open(os.path.join(folder, "logits.json")) as f:
        reference = json.load(f)
    tokens = reference["tokens"]
    vocabulary = reference["vocabulary"]
    eff = np.array(reference["logits"], dtype=np.float64).reshape(len(tokens), vocabulary)

    llm = Llama(model_path=os.path.join(folder, "trained.gguf"), n_ctx=max(256, len(tokens)), n_batch=len(tokens),
                logits_all=True, n_threads=1, verbose=False, type_k=0, type_v=0)  # f32 KV cache (default f16)
    assert llm.n_vocab() == vocabulary, (llm.n_vocab(), vocabulary)
    llm.reset()
    llm.eval(tokens)
    llama = np.array(llm.scores[:len(tokens)], dtype=np.float64)
    difference = np.abs(llama - eff)
    worst = difference.max()
    relative = worst / np.abs(eff).max()
    agree = (llama.argmax(-1) == eff.argmax(-1)).mean()
    print(f"{folder}/trained.gguf: {len(tokens)} tokens, vocabulary {vocabulary}")
    print(f"max |logit llama.cpp - logit eff| = {worst:.3e} (largest |logit| {np.abs(eff).max():.3f}, "
          f"relative {relative:.2e}); same argmax at {agree * 100:.1f}% of positions")
    text = llm.detokenize(tokens).decode("utf-8", errors="replace")
    print(f"llama.cpp detokenizes the tokens as: {text[:64]!r}")
    sys.exit(0 if worst <= args.tolerance else 1)


if __name__ == "__main__":
    main()
