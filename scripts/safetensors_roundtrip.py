#!/usr/bin/env python3
"""Round-trip checks between eff and Python for safetensors/NumPy weight files.

Two commands:

  make-fixtures OUTDIR
      Trains a small MLP (64-32-10, relu) on the digits data with plain numpy (seeded, full-batch
      gradient descent), and writes the fixtures the Swift tests load (Tests/EffModelsTests/Fixtures):
        numpy_mlp.safetensors          fc1.weight (32,64) fc1.bias fc2.weight (10,32) fc2.bias, F32
        numpy_mlp.npz                  the same arrays via np.savez (stored zip members)
        numpy_mlp_compressed.npz       the same arrays via np.savez_compressed (deflated)
        numpy_mlp_inputs.npy           the first 40 digits, pixels / 16, float32 (40, 64)
        numpy_mlp_logits.npy           numpy's logits for those inputs, float32 (40, 10)
        numpy_mlp_predictions.npy      numpy's predicted class for all 1797 digits, int64
        fortran_f64.npy, bigendian_i2.npy  layout/dtype variants for the .npy reader

  check-eff MODEL.safetensors INPUTS.npy LOGITS.npy
      Loads a model saved by eff (PyTorch nn.Sequential names, eff.layers metadata), computes its
      logits on INPUTS with numpy and compares them with eff's LOGITS (max abs difference <= 1e-5).
      Exit status 0 when they agree.

Both use the `safetensors` package when it is importable and otherwise the small numpy-only reader and
writer below; the output says which one ran.
"""
import json
import os
import struct
import sys

import numpy as np

try:
    from safetensors.numpy import load_file as _st_load, save_file as _st_save
    BACKEND = "safetensors package"
except ImportError:  # a fresh machine may have numpy only
    _st_load = _st_save = None
    BACKEND = "numpy-only fallback reader/writer"

DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
          "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}


def read_safetensors(path):
    """Returns ({name: array}, metadata) for a safetensors file."""
    with open(path, "rb") as handle:
        raw = handle.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    metadata = header.pop("__metadata__", {})
    if _st_load is not None:
        return _st_load(path), metadata
    data = raw[8 + length:]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], dtype=np.dtype(DTYPES[entry["dtype"]]).newbyteorder("<")) \
            .reshape(entry["shape"])
    return tensors, metadata


def write_safetensors(tensors, path, metadata=None):
    """Writes {name: float32 array} as a safetensors file."""
    if _st_save is not None:
        _st_save({k: np.ascontiguousarray(v) for k, v in tensors.items()}, path, metadata=metadata)
        return
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name], dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        chunks.append(array.tobytes())
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as handle:
        handle.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def activation(name, x):
    if name == "relu":
        return np.maximum(x, 0)
    if name == "tanh":
        return np.tanh(x)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "gelu":
        from math import erf
        return 0.5 * x * (1 + np.vectorize(erf)(x / np.sqrt(2)))
    return x


def eff_forward(tensors, metadata, inputs):
    """Runs an eff-saved model (dense/layernorm/dropout layers) with numpy in float64."""
    x = inputs.astype(np.float64)
    module = 0
    for description in metadata["eff.layers"].split(";"):
        words = description.split(" ")
        if words[0] == "dense":
            weight = tensors[f"{module}.weight"].astype(np.float64)
            x = x @ weight.T
            if f"{module}.bias" in tensors:
                x = x + tensors[f"{module}.bias"].astype(np.float64)
            x = activation(words[2], x)
            module += 1 if words[2] == "none" else 2
        elif words[0] == "layernorm":
            mean = x.mean(axis=1, keepdims=True)
            var = x.var(axis=1, keepdims=True)
            x = (x - mean) / np.sqrt(var + float(words[1]))
            x = x * tensors[f"{module}.weight"] + tensors[f"{module}.bias"]
            module += 1
        else:  # dropout is the identity at inference
            module += 1
    return x


def load_digits(repository):
    path = os.path.join(repository, "Sources", "EffModels", "Resources", "datasets", "digits.csv")
    table = np.loadtxt(path, delimiter=",")
    return (table[:, :-1] / 16).astype(np.float32), table[:, -1].astype(np.int64)


def make_fixtures(outdir):
    repository = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    features, labels = load_digits(repository)
    rng = np.random.default_rng(7)
    w1 = (rng.uniform(-1, 1, (32, 64)) * np.sqrt(6 / 64)).astype(np.float32)
    b1 = np.zeros(32, np.float32)
    w2 = (rng.uniform(-1, 1, (10, 32)) * np.sqrt(6 / 42)).astype(np.float32)
    b2 = np.zeros(10, np.float32)
    onehot = np.eye(10, dtype=np.float32)[labels]
    for _ in range(300):  # full-batch gradient descent with softmax cross-entropy
        hidden = np.maximum(features @ w1.T + b1, 0)
        logits = hidden @ w2.T + b2
        probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        grad_logits = (probabilities - onehot) / len(labels)
        grad_hidden = (grad_logits @ w2) * (hidden > 0)
        w2 -= 0.5 * grad_logits.T @ hidden
        b2 -= 0.5 * grad_logits.sum(axis=0)
        w1 -= 0.5 * grad_hidden.T @ features
        b1 -= 0.5 * grad_hidden.sum(axis=0)
    arrays = {"fc1.weight": w1, "fc1.bias": b1, "fc2.weight": w2, "fc2.bias": b2}

    def forward(x):
        return (np.maximum(x.astype(np.float64) @ w1.T.astype(np.float64) + b1, 0) @ w2.T.astype(np.float64)) + b2

    os.makedirs(outdir, exist_ok=True)
    write_safetensors(arrays, os.path.join(outdir, "numpy_mlp.safetensors"))
    np.savez(os.path.join(outdir, "numpy_mlp.npz"), **arrays)
    np.savez_compressed(os.path.join(outdir, "numpy_mlp_compressed.npz"), **arrays)
    np.save(os.path.join(outdir, "numpy_mlp_inputs.npy"), features[:40])
    np.save(os.path.join(outdir, "numpy_mlp_logits.npy"), forward(features[:40]).astype(np.float32))
    predictions = forward(features).argmax(axis=1).astype(np.int64)
    np.save(os.path.join(outdir, "numpy_mlp_predictions.npy"), predictions)
    np.save(os.path.join(outdir, "fortran_f64.npy"), np.asfortranarray(np.arange(12, dtype=np.float64).reshape(3, 4)))
    np.save(os.path.join(outdir, "bigendian_i2.npy"), np.array([[1, -2, 300]], dtype=">i2"))
    accuracy = float((predictions == labels).mean())
    print(f"fixtures written to {outdir} with {BACKEND}; numpy MLP train accuracy {accuracy:.4f}")


def check_eff(model_path, inputs_path, logits_path):
    tensors, metadata = read_safetensors(model_path)
    expected = np.load(logits_path)
    computed = eff_forward(tensors, metadata, np.load(inputs_path))
    difference = float(np.abs(computed - expected).max())
    same_predictions = bool((computed.argmax(axis=1) == expected.argmax(axis=1)).all())
    print(f"read {model_path} with {BACKEND}: max |numpy - eff| logits = {difference:.3g}, "
          f"same predictions: {same_predictions}")
    return 0 if difference <= 1e-5 and same_predictions else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make-fixtures":
        make_fixtures(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "check-eff":
        sys.exit(check_eff(*sys.argv[2:]))
    else:
        print(__doc__)
        sys.exit(64)
