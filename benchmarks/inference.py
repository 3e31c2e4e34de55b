"""The network's inference: torch as the package runs it, against the faster options.

On the DS2 beats (reference positions) of the full MIT-BIH database, the shipped
model's segmenter output is classified by its network (``BeatCNN``) in batches of 4096
rows, five ways, side by side in one process and one thread count:

* ``torch``: what ``CNNBeatClassifier.predict_proba`` runs (inference mode);
* ``int8 dynamic``: ``torch.ao.quantization.quantize_dynamic`` of its linear layers;
* ``onnxruntime``: the network exported to ONNX (``torch.onnx.export``) and run by ONNX
  Runtime (the last batch padded to the exported batch size);
* ``torch.compile``: the network compiled by TorchInductor (compile time reported
  apart);

each timed as the best of ``--repeats`` runs, with the largest difference of its
probabilities from ``torch`` and the share of beats whose label (argmax) stays the same.
For scale, the same run times the pipeline's filter and segmenter on the DS2 windows.
Needs ``pip install onnx onnxruntime`` (the ``benchmarks`` extra). Writes
``benchmarks/results/inference.json`` and its section of ``docs/negative_results.md``
(none of the other ways is adopted).

Usage: python benchmarks/inference.py [--data-dir PATH] [--threads 1 2] [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from _common import NEGATIVE_MD, best_of, machine, on_machine, read_json, write_json, write_section

from ecg_sklearn import load_pretrained
from ecg_sklearn.io import get_data_home, load_mitdb
from ecg_sklearn.nn._training import predict_in_batches

BATCH = 4096


def onnx_runner(module, x, threads):
    import onnxruntime

    path = Path(tempfile.mkdtemp()) / "beat_cnn.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.from_numpy(x[:BATCH]),), str(path), dynamo=False,
                          input_names=["x"], output_names=["logits"])  # fmt: skip
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def run(nonlinearity):
        parts = []
        for i in range(0, len(x), BATCH):
            rows = x[i : i + BATCH]
            padded = np.zeros((BATCH, x.shape[1]), np.float32)
            padded[: len(rows)] = rows
            parts.append(session.run(None, {"x": padded})[0][: len(rows)])
        return nonlinearity(torch.from_numpy(np.concatenate(parts))).numpy()

    return run


def measure(pipe, X, threads, repeats) -> dict:
    torch.set_num_threads(threads)
    clf = pipe[-1]
    segmented, prep_s = best_of(1, lambda: pipe[:-1].transform(X))
    x = np.ascontiguousarray(segmented[:, clf.n_context_features_ :], dtype=np.float32)
    module, nonlinearity = clf.module_.eval(), clf._get_predict_nonlinearity()
    reference, torch_s = best_of(
        repeats, lambda: predict_in_batches(module, x, BATCH, nonlinearity)
    )
    rows = {"torch": (reference, torch_s, None)}
    quantized = torch.ao.quantization.quantize_dynamic(module, {torch.nn.Linear}, torch.qint8)
    rows["int8 dynamic"] = (
        *best_of(repeats, lambda: predict_in_batches(quantized, x, BATCH, nonlinearity)),
        None,
    )
    run = onnx_runner(module, x, threads)
    rows["onnxruntime"] = (*best_of(repeats, lambda: run(nonlinearity)), None)
    start = time.perf_counter()
    compiled = torch.compile(module)
    predict_in_batches(compiled, x[: 2 * BATCH], BATCH, nonlinearity)
    compile_s = time.perf_counter() - start
    rows["torch.compile"] = (
        *best_of(repeats, lambda: predict_in_batches(compiled, x, BATCH, nonlinearity)),
        compile_s,
    )
    out = {"threads": threads, "beats": len(x), "filter_and_segmenter_seconds": prep_s}
    out["ways"] = {
        name: {
            "seconds": s, "beats_per_second": len(x) / s, "setup_seconds": setup,
            "max_abs_diff": float(np.abs(proba - reference).max()),
            "same_label": float(np.mean(proba.argmax(1) == reference.argmax(1))),
        }
        for name, (proba, s, setup) in rows.items()
    }  # fmt: skip
    return out


def markdown(results) -> str:
    lines = [
        f"Command: `{results['command']}`; {on_machine(results)}. The shipped model's "
        "network on the DS2 beats' segmenter output, batches of 4096, best of "
        f"{results['repeats']} runs each, side by side in one process.",
        "",
        "| threads | way | beats/s | vs torch | largest probability difference | same label "
        "| setup (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results["rows"]:
        base = r["ways"]["torch"]["beats_per_second"]
        for name, w in r["ways"].items():
            setup = "" if w["setup_seconds"] is None else f"{w['setup_seconds']:.1f}"
            lines.append(
                f"| {r['threads']} | {name} | {w['beats_per_second']:,.0f} | "
                f"{w['beats_per_second'] / base:.2f} | {w['max_abs_diff']:.1e} | "
                f"{100 * w['same_label']:.2f}% | {setup} |"
            )
    for r in results["rows"]:
        lines.append(
            f"\nWith {r['threads']} thread(s) the pipeline's filter and segmenter take "
            f"{r['filter_and_segmenter_seconds']:.1f} s for the same {r['beats']:,} beats "
            f"(the network: {r['ways']['torch']['seconds']:.2f} s)."
        )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    pipe = load_pretrained()
    X = load_mitdb("DS2", get_data_home(args.data_dir), verbose=0).X
    rows = [measure(pipe, X, threads, args.repeats) for threads in args.threads]
    command = " ".join(["python benchmarks/inference.py", *(argv or sys.argv[1:])])
    results = {"command": command, "machine": machine(), "rows": rows, "repeats": args.repeats}
    write_json("inference", {**results, "seconds": time.perf_counter() - start})
    text = markdown(read_json("inference"))
    print(text)
    write_section("inference", text, NEGATIVE_MD)


if __name__ == "__main__":
    main()
