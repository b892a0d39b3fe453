#!/usr/bin/env python3
"""Export a PyTorch multi-exit model's outputs on a data set as a beex-exit-trace/1 file
(docs/traces.md), for `beex sweep --trace-files DEV.jsonl TEST.jsonl`.

The model (docs/traces.md, "From PyTorch"): a Python file defines

    build_model()      -> torch.nn.Module   (weights loaded by it, or by --weights)
    encode(texts)      -> the model's input for a batch of texts (needed with --tsv):
                          a tensor, a tuple of tensors (model(*x)) or a dict (model(**x))

and the module's forward returns one of
    a tuple or list of N tensors [batch, classes]   (exit 1 first),
    an object with .exit_logits (such a sequence, or a tensor [N, batch, classes]),
    a dict with key "exit_logits".
The values are logits unless --values probs says they are probabilities.

Costs, cumulative per exit (what reaching exit i costs: everything run before exit i's
output, its own head included):
    --flops F1,...,FN  one vector for every example (the header's shared "cost"), or
    --count-flops      counted per example by forward hooks on every torch.nn.Linear:
                       2 * in_features * out_features per input row (a multiply-accumulate
                       is 2 FLOPs, as beex counts), summed in execution order up to the end
                       of exit head i; the heads are `model.exit_heads` (in exit order) or
                       --exit-heads NAME,... (submodule names). Each example runs alone
                       (batch of one) for the count, so costs follow its own length.
                       Only Linear layers are counted: attention products, embeddings,
                       norms and activations are not (pass --flops from a fuller count
                       when they matter).

Data: --tsv FILE (label<TAB>text per line; the label a class number or one of
--class-names), or --tensors FILE.pt (torch.save of {"inputs": tensor, tuple or dict of
tensors batched on dim 0, "labels": int tensor [n], optional "ids": list}).

Run with an interpreter that has torch (Debian: /usr/bin/python3).
"""
import argparse
import importlib.util
import json
import math
import os
import sys


def fail(msg):
    sys.stderr.write("export_exit_trace: %s\n" % msg)
    sys.exit(1)


def load_factory(spec):
    path, _, attr = spec.partition(":")
    if not os.path.isfile(path):
        fail("--model %s: no such file" % path)
    mod_spec = importlib.util.spec_from_file_location("beex_user_model", path)
    module = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(module)
    factory = getattr(module, attr or "build_model", None)
    if factory is None:
        fail("%s defines no %s()" % (path, attr or "build_model"))
    return module, factory


def call(model, x):
    if isinstance(x, dict):
        return model(**x)
    if isinstance(x, (tuple, list)):
        return model(*x)
    return model(x)


def exit_outputs(out):
    """The per-exit tensors [batch, classes] of one forward, by the protocol above."""
    import torch

    if isinstance(out, dict):
        out = out.get("exit_logits")
    elif hasattr(out, "exit_logits"):
        out = out.exit_logits
    if isinstance(out, torch.Tensor) and out.dim() == 3:
        out = list(out.unbind(0))
    if not isinstance(out, (tuple, list)) or not out:
        fail("the model's forward returned no exits (a tuple/list of [batch, classes] "
             "tensors, .exit_logits, or a dict with \"exit_logits\")")
    for k, t in enumerate(out):
        if not isinstance(t, torch.Tensor) or t.dim() != 2:
            fail("exit %d: expected a tensor [batch, classes], got %r" % (k + 1, type(t)))
    return out


def batch_of(inputs, a, b):
    if isinstance(inputs, dict):
        return {k: v[a:b] for k, v in inputs.items()}
    if isinstance(inputs, (tuple, list)):
        return tuple(v[a:b] for v in inputs)
    return inputs[a:b]


def count_of(inputs):
    if isinstance(inputs, dict):
        return len(next(iter(inputs.values())))
    if isinstance(inputs, (tuple, list)):
        return len(inputs[0])
    return len(inputs)


class FlopCounter:
    """Forward hooks on every nn.Linear and on the exit heads: the running count of Linear
    FLOPs, and its value when each head's forward ends."""

    def __init__(self, model, heads):
        import torch

        self.total = 0.0
        self.at_head = [None] * len(heads)
        self.handles = []
        head_index = {id(h): i for i, h in enumerate(heads)}
        for m in model.modules():
            if isinstance(m, torch.nn.Linear):
                self.handles.append(m.register_forward_hook(self.linear))
        # Registered after the Linear hooks: a head that is itself a Linear counts first.
        for m in model.modules():
            if id(m) in head_index:
                i = head_index[id(m)]
                self.handles.append(m.register_forward_hook(
                    lambda mod, inp, out, i=i: self.head(i)))

    def linear(self, mod, inp, out):
        rows = inp[0].numel() // mod.in_features
        self.total += 2.0 * mod.in_features * mod.out_features * rows

    def head(self, i):
        self.at_head[i] = self.total

    def reset(self):
        self.total = 0.0
        self.at_head = [None] * len(self.at_head)

    def remove(self):
        for h in self.handles:
            h.remove()


def exit_heads(model, names):
    if names:
        mods = dict(model.named_modules())
        missing = [n for n in names.split(",") if n not in mods]
        if missing:
            fail("--exit-heads: no submodule %s" % ", ".join(missing))
        return [mods[n] for n in names.split(",")]
    heads = getattr(model, "exit_heads", None)
    if heads is None:
        fail("--count-flops needs the exit heads: model.exit_heads or --exit-heads NAME,...")
    return list(heads)


def read_tsv(path, class_names):
    ids, labels, texts = [], [], []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            label, sep, text = line.partition("\t")
            if not sep:
                fail("%s: line %d: expected label<TAB>text" % (path, lineno))
            if class_names and label in class_names:
                y = class_names.index(label)
            elif label.isdigit():
                y = int(label)
            else:
                fail("%s: line %d: label %r is neither a class number nor a class name"
                     % (path, lineno, label))
            ids.append(lineno)
            labels.append(y)
            texts.append(text)
    if not ids:
        fail("%s: no example" % path)
    return ids, labels, texts


def finite_rows(rows, where):
    for r in rows:
        for v in r:
            if not math.isfinite(v):
                fail("%s: a non-finite value (%r): a trace's values must be finite" % (where, v))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="FILE.py[:FACTORY] (default factory build_model)")
    ap.add_argument("--weights", help="a state_dict to load (torch.save) after building")
    data = ap.add_mutually_exclusive_group(required=True)
    data.add_argument("--tsv", help="label<TAB>text per line (needs encode() in the model file)")
    data.add_argument("--tensors", help="torch.save'd dict with inputs, labels[, ids]")
    ap.add_argument("--split", required=True, choices=["dev", "test"])
    ap.add_argument("--out", required=True)
    cost = ap.add_mutually_exclusive_group(required=True)
    cost.add_argument("--flops", help="comma list of N cumulative FLOPs, one per exit")
    cost.add_argument("--count-flops", action="store_true", help="count nn.Linear FLOPs per example")
    ap.add_argument("--exit-heads", help="comma list of the exit heads' submodule names")
    ap.add_argument("--values", choices=["logits", "probs"], default="logits")
    ap.add_argument("--class-names", help="comma list (default 0,1,...)")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--source", help="free text for the header")
    ap.add_argument("--metric", choices=["accuracy", "f1", "mcc"])
    ap.add_argument("--positive", help="the class whose F1 a two-class sweep reports")
    a = ap.parse_args()

    import torch

    module, factory = load_factory(a.model)
    model = factory()
    if a.weights:
        model.load_state_dict(torch.load(a.weights, map_location="cpu"))
    model.eval()
    class_names = a.class_names.split(",") if a.class_names else None

    if a.tsv:
        encode = getattr(module, "encode", None)
        if encode is None:
            fail("--tsv needs encode(texts) in %s" % a.model)
        ids, labels, texts = read_tsv(a.tsv, class_names)
        n = len(ids)

        def inputs_of(lo, hi):
            return encode(texts[lo:hi])
    else:
        blob = torch.load(a.tensors, map_location="cpu")
        if not isinstance(blob, dict) or "inputs" not in blob or "labels" not in blob:
            fail("%s: expected a dict with \"inputs\" and \"labels\"" % a.tensors)
        labels = [int(v) for v in blob["labels"]]
        n = len(labels)
        ids = [v if isinstance(v, str) else int(v) for v in blob.get("ids", range(n))]
        if count_of(blob["inputs"]) != n or len(ids) != n:
            fail("%s: inputs, labels and ids differ in length" % a.tensors)

        def inputs_of(lo, hi):
            return batch_of(blob["inputs"], lo, hi)

    rows = []  # per example: [exit][class]
    with torch.no_grad():
        for lo in range(0, n, a.batch_size):
            hi = min(n, lo + a.batch_size)
            outs = exit_outputs(call(model, inputs_of(lo, hi)))
            stacked = torch.stack([o.float() for o in outs], 1)  # [batch, N, C]
            rows.extend(stacked.tolist())
    exits, classes = len(rows[0]), len(rows[0][0])
    if class_names is None:
        class_names = [str(c) for c in range(classes)]
    if len(class_names) != classes:
        fail("--class-names has %d names, the model %d classes" % (len(class_names), classes))
    if any(y < 0 or y >= classes for y in labels):
        fail("a label is outside 0..%d" % (classes - 1))

    header = {"schema": "beex-exit-trace/1", "classes": classes, "exits": exits,
              "class_names": class_names, "values": a.values, "cost_unit": "flops",
              "source": a.source or "scripts/export_exit_trace.py %s on %s"
              % (os.path.basename(a.model), os.path.basename(a.tsv or a.tensors)),
              "split": a.split}
    if a.metric:
        header["metric"] = a.metric
    if a.positive:
        header["positive"] = a.positive
    costs = None
    if a.flops:
        shared = [float(v) for v in a.flops.split(",")]
        if len(shared) != exits:
            fail("--flops has %d values, the model %d exits" % (len(shared), exits))
        header["cost"] = shared
    else:
        heads = exit_heads(model, a.exit_heads)
        if len(heads) != exits:
            fail("%d exit heads, the model returns %d exits" % (len(heads), exits))
        counter = FlopCounter(model, heads)
        costs = []
        with torch.no_grad():
            for i in range(n):
                counter.reset()
                call(model, inputs_of(i, i + 1))
                if None in counter.at_head:
                    fail("exit head %d did not run" % (counter.at_head.index(None) + 1))
                costs.append(list(counter.at_head))
        counter.remove()

    tmp = "%s.tmp.%d" % (a.out, os.getpid())
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps(header, allow_nan=False) + "\n")
            for i in range(n):
                ex = {"id": ids[i], "label": labels[i],
                      "exits": finite_rows(rows[i], "example %r" % (ids[i],))}
                if costs is not None:
                    ex["cost"] = costs[i]
                f.write(json.dumps(ex, allow_nan=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, a.out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    print("%s: %d examples, %d exits, %d classes" % (a.out, n, exits, classes))


if __name__ == "__main__":
    main()
