#!/usr/bin/env python3
"""The Markdown table of scripts/peers/compare.sh: PyTorch (beex_torch.py bench JSON, one file
per thread count) against beex (`beex bench model --json`, `beex bench train --json`).
Standard library only."""

import argparse
import json
import statistics
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def beex_inference(doc):
    """(precision, threads, batch) -> (examples/s, parallel mode, variant): the best of the
    parallel modes beex offers (threads inside each operation, or across the examples of a
    batch), each side at its best setting. The compaction rows are left out."""
    best = {}
    for b in doc.get("benchmarks", []):
        if b.get("shape") != "small" or "/compaction" in b.get("name", ""):
            continue
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        if b.get("run_type") == "iteration" and b.get("repetitions", 1) > 1:
            continue  # one batch; the median aggregate row stands for the case
        key = (b["precision"], int(b["threads"]), int(b["batch"]))
        eps = float(b["examples_per_second"])
        if key not in best or eps > best[key][0]:
            best[key] = (eps, b.get("parallel", "?"), b.get("variant", "?"))
    return best


def beex_training(doc):
    """(precision, threads) -> (median examples/s over the repetitions, tokens)."""
    reps = {}
    for b in doc.get("benchmarks", []):
        if b.get("run_type") != "iteration" or b.get("shape") != "mr":
            continue
        key = (b["precision"], int(b["threads"]))
        reps.setdefault(key, ([], b.get("tokens")))[0].append(float(b["examples_per_s"]))
    return {k: (statistics.median(v), t) for k, (v, t) in reps.items()}


def fmt_rate(eps, batch=None):
    if eps is None:
        return "n/a"
    s = f"{eps:,.0f} ex/s" if eps >= 100 else f"{eps:,.1f} ex/s"
    if batch == 1:
        s += f" ({1e3 / eps:.2f} ms)"
    return s


def ratio(beex, torch):
    return f"{beex / torch:.2f}x" if beex and torch else "n/a"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pytorch", nargs="+", required=True, help="beex_torch.py bench JSON files")
    ap.add_argument("--beex-model", required=True)
    ap.add_argument("--beex-train", required=True)
    ap.add_argument("--cpu", default="?")
    ap.add_argument("--load-start", default="?")
    ap.add_argument("--load-end", default="?")
    ap.add_argument("--beex-version", default="?")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args(argv)

    inf = beex_inference(load(a.beex_model))
    bmodel = load(a.beex_model)
    trn = beex_training(load(a.beex_train))
    torch_docs = [load(p) for p in a.pytorch]
    env = torch_docs[0]["environment"] if torch_docs else {}

    out = []
    w = out.append
    w(f"CPU: {a.cpu}; load average at start {a.load_start}, at end {a.load_end}")
    w(f"PyTorch {env.get('torch', '?')} (Python {env.get('python', '?')}), BLAS loaded: "
      f"{', '.join(env.get('blas_libraries', [])) or 'none found'} "
      f"(torch says BLAS_INFO={env.get('torch_blas_info', '?')})")
    for doc in torch_docs:  # the three thread knobs must agree (no oversubscription)
        e = doc["environment"]
        w(f"PyTorch at {e['torch_threads']} thread(s): torch.get_num_threads() "
          f"{e['torch_threads']}, openblas_get_num_threads() {e.get('openblas_threads')}, "
          f"OPENBLAS_NUM_THREADS={e.get('OPENBLAS_NUM_THREADS')}, "
          f"OMP_NUM_THREADS={e.get('OMP_NUM_THREADS')}; 256^3 fp32 matmul "
          f"{e.get('matmul_256_gflops', 0):.1f} GFLOP/s")
    w(f"beex: {a.beex_version}; fp32 products: {bmodel.get('beex', {}).get('fp32_backend', '?')}")
    if a.quick:
        w("")
        w("**--quick: a smoke test (a few batches, short timing); these figures mean nothing.**")
    w("")
    w("| work | PyTorch | beex | beex/PyTorch |")
    w("|---|---|---|---|")
    notes = set()
    for doc in torch_docs:
        th = int(doc["environment"]["torch_threads"])
        tn = "thread" if th == 1 else "threads"
        for r in doc["results"]:
            p = r["precision"]
            if r["work"] == "inference":
                got = inf.get((p, th, int(r["batch"])))
                eps = got[0] if got else None
                how = f", {got[2]}, {got[1].replace('_', ' ')}" if got and th > 1 and r["batch"] > 1 else ""
                w(f"| inference, small, {r['tokens']} tokens, batch {r['batch']}, {p}, "
                  f"{th} {tn}{how} | {fmt_rate(r['examples_per_s'], r['batch'])} | "
                  f"{fmt_rate(eps, r['batch'])} | {ratio(eps, r['examples_per_s'])} |")
            else:
                got = trn.get((p, th))
                eps = got[0] if got else None
                if r["lengths"] == "real":
                    what = (f"train.tsv, {r['examples']} examples, mean {r['mean_tokens']:.1f} "
                            f"tokens, padded to {r['mean_padded_tokens']:.1f}")
                    notes.add("real")
                else:
                    what = f"{r['examples']} examples of {r['mean_tokens']:.0f} tokens"
                if got and got[1] is not None:
                    notes.add(got[1])
                w(f"| training epoch, mr, {p}, {th} {tn} ({what}) | "
                  f"{fmt_rate(r['examples_per_s'])} ({r['seconds']:.1f} s) | {fmt_rate(eps)} | "
                  f"{ratio(eps, r['examples_per_s'])} |")
    w("")
    w("Inference: examples/s = batch / median batch time, all blocks and exits, random ids; "
      "batch 1 also as ms per example. beex: `beex bench model`, the best of its parallel "
      "modes where there is a choice.")
    toks = ", ".join(str(t) for t in sorted(n for n in notes if isinstance(n, int)))
    w(f"Training: examples/s over one epoch (batch 32, Adam, dropout 0.1, loss over all exits). "
      f"beex: `beex bench train --shapes mr` (the trainer's own step, every example "
      f"{toks or '21'} tokens, 23,200 vocabulary rows), the same figure in both training rows; "
      f"PyTorch: train.tsv's real lengths, each batch padded to its longest example, and the "
      f"same number of examples at beex's fixed length.")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
