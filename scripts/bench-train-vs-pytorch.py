#!/usr/bin/env python3
"""Training tokens/s of eff (`eff bench train`) beside PyTorch (CPU, float32) for the same transformer.

The model (eff's SequenceModel with the blocks `eff bench train` builds): character vocabulary of the six Austen
novels, token embedding, LAYERS x [x + attention(rmsnorm(x)), x + swiglu_ffn(rmsnorm(x))], RMSNorm (eps 1e-5),
untied linear head. Attention: fused qkv (3W, W) rows q|k|v, RoPE as llama.cpp's normal mode (adjacent pairs
(2i, 2i+1), base 10000), causal softmax(q k^T / sqrt(d)) v, output (W, W). SwiGLU: up (2H, W) = gate rows then up
rows, silu(gate) * up, down (W, H). AdamW (betas 0.9/0.95, eps 1e-8, decay 0.1 on matrices and the head, none on the
embedding and norm gains), global-norm clipping at 1, warm-up + cosine learning rate; batch 16 x 128 tokens.

Modes:
  (default)  timing: for each round and thread count, runs `eff bench train --format json` and then PyTorch with
             torch.set_num_threads(n), interleaved, and prints tokens/s median (range) and the ratio eff / PyTorch.
  --check    numerical agreement: `eff bench train --check-dir` writes eff's untrained weights (safetensors) and the
             first steps' windows and losses; PyTorch loads the weights, trains on the same windows with the same
             learning rates and prints each step's loss beside eff's (relative difference; step 1 checks the
             forward pass, later steps the gradients and AdamW too).

Usage:
  /work/torchvenv/bin/python scripts/bench-train-vs-pytorch.py [--eff .build/release/eff] [--threads 1,2]
  /work/torchvenv/bin/python scripts/bench-train-vs-pytorch.py --check
"""
import argparse
import gzip
import json
import math
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

NOVELS = ["sense_and_sensibility", "pride_and_prejudice", "mansfield_park", "emma", "northanger_abbey", "persuasion"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def austen_tokens():
    folder = os.path.join(ROOT, "Sources", "EffModels", "Resources", "datasets", "austen")
    text = "\n".join(gzip.open(os.path.join(folder, n + ".txt.gz"), "rt", encoding="utf-8").read() for n in NOVELS)
    alphabet = sorted(set(text))  # code-point order, as eff's TokenSequence.characters
    index = {c: i for i, c in enumerate(alphabet)}
    return np.array([index[c] for c in text], dtype=np.int64), len(alphabet)


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + size])
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        assert entry["dtype"] == "F32", (name, entry["dtype"])
        begin, end = entry["data_offsets"]
        tensors[name] = torch.from_numpy(
            np.frombuffer(raw[8 + size + begin:8 + size + end], dtype="<f4").reshape(entry["shape"]).copy())
    return tensors, metadata


class Transformer(torch.nn.Module):
    def __init__(self, vocabulary, width, layers, heads, hidden, length, base=10000.0):
        super().__init__()
        self.width, self.heads, self.hidden, self.layers = width, heads, hidden, layers
        self.size = width // heads
        p = torch.nn.Parameter
        self.token_embd = p(torch.randn(vocabulary, width) * 0.02)
        self.attn_norm = torch.nn.ParameterList([p(torch.ones(width)) for _ in range(layers)])
        self.attn_qkv = torch.nn.ParameterList([p(torch.randn(3 * width, width) / math.sqrt(width)) for _ in range(layers)])
        self.attn_output = torch.nn.ParameterList([p(torch.randn(width, width) * 0.5 / math.sqrt(width)) for _ in range(layers)])
        self.ffn_norm = torch.nn.ParameterList([p(torch.ones(width)) for _ in range(layers)])
        self.ffn_up = torch.nn.ParameterList([p(torch.randn(2 * hidden, width) / math.sqrt(width)) for _ in range(layers)])
        self.ffn_down = torch.nn.ParameterList([p(torch.randn(width, hidden) / math.sqrt(hidden)) for _ in range(layers)])
        self.output_norm = p(torch.ones(width))
        self.output = p(torch.randn(vocabulary, width) / math.sqrt(width))
        pairs = self.size // 2
        frequency = base ** (-2.0 * torch.arange(pairs, dtype=torch.float64) / self.size)
        angle = torch.arange(length, dtype=torch.float64)[:, None] * frequency[None, :]
        self.register_buffer("cos", torch.cos(angle).float())  # (length, pairs)
        self.register_buffer("sin", torch.sin(angle).float())

    def load_eff(self, tensors):
        """eff's GGUF-style names: blk.(2l).* is layer l's attention block, blk.(2l+1).* its feed-forward block."""
        with torch.no_grad():
            self.token_embd.copy_(tensors["token_embd.weight"])
            for l in range(self.layers):
                a, f = 2 * l, 2 * l + 1
                self.attn_norm[l].copy_(tensors[f"blk.{a}.norm.weight"])
                self.attn_qkv[l].copy_(tensors[f"blk.{a}.attn_qkv.weight"])
                self.attn_output[l].copy_(tensors[f"blk.{a}.attn_output.weight"])
                self.ffn_norm[l].copy_(tensors[f"blk.{f}.norm.weight"])
                self.ffn_up[l].copy_(tensors[f"blk.{f}.ffn_up.weight"])
                self.ffn_down[l].copy_(tensors[f"blk.{f}.ffn_down.weight"])
            self.output_norm.copy_(tensors["output_norm.weight"])
            self.output.copy_(tensors["output.weight"])

    def rope(self, x):  # (B, T, H, D), adjacent pairs
        T = x.shape[1]
        x = x.reshape(*x.shape[:-1], self.size // 2, 2)
        a, b = x[..., 0], x[..., 1]
        c, s = self.cos[:T, None, :], self.sin[:T, None, :]
        return torch.stack((a * c - b * s, a * s + b * c), dim=-1).flatten(-2)

    @staticmethod
    def rmsnorm(x, gain):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * gain

    def forward(self, inputs):
        B, T = inputs.shape
        x = self.token_embd[inputs]
        for l in range(self.layers):
            h = self.rmsnorm(x, self.attn_norm[l]) @ self.attn_qkv[l].t()
            q, k, v = h.split(self.width, dim=-1)
            q = self.rope(q.reshape(B, T, self.heads, self.size)).transpose(1, 2)
            k = self.rope(k.reshape(B, T, self.heads, self.size)).transpose(1, 2)
            v = v.reshape(B, T, self.heads, self.size).transpose(1, 2)
            o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + o.transpose(1, 2).reshape(B, T, self.width) @ self.attn_output[l].t()
            u = self.rmsnorm(x, self.ffn_norm[l]) @ self.ffn_up[l].t()
            gate, up = u.split(self.hidden, dim=-1)
            x = x + (F.silu(gate) * up) @ self.ffn_down[l].t()
        return self.rmsnorm(x, self.output_norm) @ self.output.t()

    def optimizer(self, lr=3e-3, weight_decay=0.1):
        decay = list(self.attn_qkv) + list(self.attn_output) + list(self.ffn_up) + list(self.ffn_down) + [self.output]
        plain = [self.token_embd] + list(self.attn_norm) + list(self.ffn_norm) + [self.output_norm]
        return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay}, {"params": plain, "weight_decay": 0.0}],
                                 lr=lr, betas=(0.9, 0.95), eps=1e-8)


def rate(step, steps, warmup=20, peak=3e-3, minimum=0.1):
    """SequenceTrainingOptions.rate: linear warm-up, cosine to minimum x peak."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min((step - warmup) / max(steps - warmup, 1), 1.0)
    return peak * (minimum + (1 - minimum) * 0.5 * (1 + math.cos(math.pi * progress)))


def train_step(model, optimizer, windows, lr, clip=1.0):
    for group in optimizer.param_groups:
        group["lr"] = lr
    logits = model(windows[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    return loss.item(), norm.item()


def time_pytorch(args, tokens, vocabulary, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(args.seed)
    generator = np.random.default_rng(args.seed)
    model = Transformer(vocabulary, args.width, args.layers, args.heads, args.hidden, args.length)
    optimizer = model.optimizer()
    total = args.warmup + args.repeats * args.steps

    def batch():
        starts = generator.integers(0, len(tokens) - args.length, size=args.batch)
        return torch.from_numpy(np.stack([tokens[s:s + args.length + 1] for s in starts]))

    marks = [time.perf_counter()]
    for step in range(total):
        train_step(model, optimizer, batch(), rate(step, total))
        marks.append(time.perf_counter())
    per_step = args.batch * args.length
    return [per_step * args.steps / (marks[args.warmup + (r + 1) * args.steps] - marks[args.warmup + r * args.steps])
            for r in range(args.repeats)]


def time_eff(args, threads):
    command = [args.eff, "bench", "train", "--format", "json", "--threads", str(threads), "--steps", str(args.steps),
               "--repeats", str(args.repeats), "--warmup", str(args.warmup), "--width", str(args.width),
               "--layers", str(args.layers), "--heads", str(args.heads), "--hidden", str(args.hidden),
               "--batch", str(args.batch), "--length", str(args.length)]
    record = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    return record


def describe(rates):
    return f"{statistics.median(rates):8.0f} ({min(rates):.0f}–{max(rates):.0f})"


def timing(args):
    tokens, vocabulary = austen_tokens()
    threads = [int(t) for t in args.threads.split(",")]
    eff_rates = {t: [] for t in threads}
    torch_rates = {t: [] for t in threads}
    for round_ in range(args.rounds):
        for t in threads:  # interleaved: eff, then PyTorch, per thread count and round
            record = time_eff(args, t)
            eff_rates[t].append(record["tokens_per_second"])
            torch_rates[t] += time_pytorch(args, tokens, vocabulary, t)
            print(f"round {round_ + 1} threads {t}: eff {record['tokens_per_second']:.0f} tok/s (median of "
                  f"{args.repeats}), PyTorch {statistics.median(torch_rates[t][-args.repeats:]):.0f} tok/s", file=sys.stderr)
    print(f"transformer: vocabulary {vocabulary} chars, width {args.width}, {args.layers} x (attention {args.heads} heads "
          f"+ ffn {args.hidden} swiglu), batch {args.batch} x {args.length}; torch {torch.__version__}")
    print(f"{args.warmup} warm-up + {args.repeats} x {args.steps} timed steps per run, {args.rounds} interleaved rounds; "
          "eff: medians of each run; PyTorch: every repeat")
    print("threads  eff tok/s median (range)     PyTorch tok/s median (range)   eff / PyTorch")
    results = []
    for t in threads:
        ratio = statistics.median(eff_rates[t]) / statistics.median(torch_rates[t])
        print(f"{t:7d}  {describe(eff_rates[t]):28s} {describe(torch_rates[t]):30s} {ratio:6.2f}")
        results.append({"threads": t, "eff": eff_rates[t], "pytorch": torch_rates[t], "ratio": ratio})
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


def check(args):
    folder = args.check_dir or tempfile.mkdtemp(prefix="eff-train-check-")
    command = [args.eff, "bench", "train", "--check-dir", folder, "--check-steps", str(args.check_steps),
               "--width", str(args.width), "--layers", str(args.layers), "--heads", str(args.heads),
               "--hidden", str(args.hidden), "--batch", str(args.batch), "--length", str(args.length)]
    subprocess.run(command, check=True)
    tensors, metadata = read_safetensors(os.path.join(folder, "initial.safetensors"))
    with open(os.path.join(folder, "steps.json")) as f:
        steps = json.load(f)
    vocabulary = steps["vocabulary"]
    assert json.loads(metadata["eff.vocabulary"])["tokens"] == sorted(set(json.loads(metadata["eff.vocabulary"])["tokens"]))
    torch.set_num_threads(1)
    model = Transformer(vocabulary, steps["width"], steps["layers"], steps["heads"], steps["hidden"], steps["length"])
    model.load_eff(tensors)
    optimizer = model.optimizer(weight_decay=steps["weight_decay"])
    worst = 0.0
    print("step  eff loss      PyTorch loss  rel. diff    eff |g|     PyTorch |g|")
    for i, window in enumerate(steps["windows"]):
        windows = torch.tensor(window, dtype=torch.int64).reshape(steps["batch"], steps["length"] + 1)
        loss, norm = train_step(model, optimizer, windows, steps["learning_rates"][i], steps["clip"])
        relative = abs(loss - steps["losses"][i]) / abs(loss)
        worst = max(worst, relative) if i == 0 else worst
        print(f"{i + 1:4d}  {steps['losses'][i]:.8f}  {loss:.8f}    {relative:.2e}   {steps['gradient_norms'][i]:.6f}  {norm:.6f}")
    print(f"first-step loss relative difference {worst:.2e} ({'agrees' if worst < 1e-4 else 'DISAGREES'} at 1e-4)")
    return 0 if worst < 1e-4 else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eff", default=os.path.join(ROOT, ".build", "release", "eff"))
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the measurements here")
    parser.add_argument("--check", action="store_true", help="compare the first steps' losses instead of timing")
    parser.add_argument("--check-dir", help="where eff writes the check files (default: a temporary folder)")
    parser.add_argument("--check-steps", type=int, default=3)
    args = parser.parse_args()
    if args.check:
        sys.exit(check(args))
    timing(args)


if __name__ == "__main__":
    main()
