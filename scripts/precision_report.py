#!/usr/bin/env python3
"""Assembles results/precision.md (issue 26: is one bit worth it against int8, on this CPU?)
from what scripts/study_precision.sh ran; it computes nothing the suite does not print
except the paired comparisons against fp32, which it takes from the units' own test traces:

- accuracy per precision: the study's rows (beex study: mean, sd, 95 % t interval over seeds);
- paired difference to fp32: per seed, the same test examples under both models (full depth),
  the difference in accuracy, then its mean over seeds with a 95 % Student t interval, and per
  seed the exact McNemar p-value of the two models' discordant examples
  (docs/statistics.md's test for two classifiers on one test set);
- post-training quantization: `beex eval --precision w8a8` of each fp32 unit's model after
  `beex quantize` (eval JSON: the test split at full depth, its bootstrap interval);
- latency: the timed study's seed-1 units (batch 1, selected point and full depth, per
  variant), throughput: `beex bench model --json` (batch 32, full depth, the small shape).

Usage: precision_report.py STUDY TIMED_STUDY PTQ_DIR BENCH_JSON OUT_MD OUT_CSV
"""
import csv
import glob
import json
import math
import os
import sys

T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}
ORDER = ["fp32", "w8a8", "w1a32", "w1a1"]


def t_interval(xs):
    n = len(xs)
    m = sum(xs) / n
    if n < 2:
        return m, 0.0, (m, m)
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    h = T975.get(n - 1, 1.96) * sd / math.sqrt(n)
    return m, sd, (m - h, m + h)


def mcnemar_exact(b, c):
    """Two-sided exact McNemar p-value: binomial(b + c, 1/2) tail at min(b, c)."""
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2.0**n
    return min(1.0, 2.0 * tail)


def full_depth_predictions(trace_csv):
    """example -> (label, prediction at the deepest block) from a sweep's trace."""
    last = {}
    with open(trace_csv) as f:
        rows = csv.reader(line for line in f if not line.startswith("#"))
        head = next(rows)
        ie, il, ib, ip = (head.index(k) for k in ("example", "label", "block", "prediction"))
        for r in rows:
            e, b = int(r[ie]), int(r[ib])
            if e not in last or b > last[e][0]:
                last[e] = (b, int(r[il]), int(r[ip]))
    return {e: (v[1], v[2]) for e, v in last.items()}


def full_time(d):
    """The deepest static point timed: full depth."""
    st = [(k[1], t) for k, t in d.items() if k[0] == "static"]
    return max(st)[1] if st else None


def point_time(d, sel):
    """The time of the selected point ("policy param", the param as the study prints it)."""
    if not sel:
        return None
    pol, par = sel.split()[0], float(sel.split()[1])
    for (kp, kx), t in d.items():
        if kp == pol and abs(kx - par) <= 1e-3 * max(1.0, abs(par)):
            return t
    return None


def latency(timed, tdoc, task):
    """{precision: {variant: {(policy, param): median us}, "_selected": "policy param"}} of
    the timed study's seed-1 units of one task."""
    lat = {}
    for p in ORDER:
        tcsv = os.path.join(timed, "units", "%s-%s-s1" % (task, p), "sweep", "timed.csv")
        if not os.path.exists(tcsv):
            continue
        sel = None
        for u in tdoc["units"]:
            if u["task"] == task and u["precision"] == p and u["seed"] == 1:
                sel = u["selected"]
        with open(tcsv) as f:
            for r in csv.DictReader(f):
                key = (r["policy"], float(r["param"]))
                lat.setdefault(p, {}).setdefault(r["variant"], {})[key] = float(r["median_us_per_example"])
        lat.setdefault(p, {})["_selected"] = sel
    return lat


def fmt_ci(m, sd, ci, scale=100.0, sign=False):
    f = "{:+.1f}" if sign else "{:.1f}"
    return (f + " ± {:.1f} [" + f + ", " + f + "]").format(
        m * scale, sd * scale, ci[0] * scale, ci[1] * scale)


def accuracy_section(doc, study, ptq_dir, task):
    """The accuracy, paired-difference and PTQ tables of one task (its own metric)."""
    rows = {r["precision"]: r for r in doc["rows"] if r["task"] == task}
    metric = next(iter(rows.values()))["metric"] if rows else "accuracy"
    units = {}
    for u in doc["units"]:
        if u["task"] == task:
            units.setdefault(u["precision"], {})[u["seed"]] = u
    seeds = sorted(units.get("fp32", {}))

    # Paired against fp32, seed by seed: the difference of the task's metric at full depth
    # (the units' own figures), and the exact McNemar test of the two models' correctness on
    # the same test examples (their traces).
    paired = {}
    for p in ORDER[1:]:
        diffs, pvals = [], []
        for s in seeds:
            ua, ub = units.get("fp32", {}).get(s), units.get(p, {}).get(s)
            a = os.path.join(study, "units", "%s-fp32-s%d" % (task, s), "sweep", "trace_test.csv")
            b = os.path.join(study, "units", "%s-%s-s%d" % (task, p, s), "sweep", "trace_test.csv")
            if ua is None or ub is None or not (os.path.exists(a) and os.path.exists(b)):
                continue
            diffs.append(ub["figures"]["full_depth"] - ua["figures"]["full_depth"])
            fa, fb = full_depth_predictions(a), full_depth_predictions(b)
            common = sorted(set(fa) & set(fb))
            ra = [fa[e][1] == fa[e][0] for e in common]
            rb = [fb[e][1] == fb[e][0] for e in common]
            only_b = sum(1 for x, y in zip(ra, rb) if y and not x)
            only_a = sum(1 for x, y in zip(ra, rb) if x and not y)
            pvals.append(mcnemar_exact(only_a, only_b))
        if diffs:
            paired[p] = (t_interval(diffs), pvals)

    out = ["| precision | n | full-depth %s (points) | paired difference to fp32 (points) | seeds with McNemar p < 0.05 | selected point %s | its OPs saved (%%) | deployment size (fp32 / this) |" % (metric, metric),
           "|---|---|---|---|---|---|---|---|"]
    verdict = {}
    for p in ORDER:
        if p not in rows:
            continue
        fg = rows[p]["figures"]
        fd, sp, so, sz = fg["full_depth"], fg["selected"], fg["selected_ops_saved"], fg["size_ratio"]
        if p in paired:
            (m, sd, ci), pv = paired[p]
            sig = "yes" if ci[0] > 0 or ci[1] < 0 else "no"
            verdict[p] = (m, ci, sig)
            pd = fmt_ci(m, sd, ci, sign=True) + " (interval excludes 0: %s)" % sig
            mc = "%d of %d (p: %s)" % (sum(1 for x in pv if x < 0.05), len(pv), ", ".join("%.2g" % x for x in pv))
        else:
            pd, mc = "(reference)", "-"
        out.append("| %s | %d | %s | %s | %s | %s | %s | %.2f× |" % (
            p, fd["n"], fmt_ci(fd["mean"], fd["sd"], fd["ci95"]), pd, mc,
            fmt_ci(sp["mean"], sp["sd"], sp["ci95"]), fmt_ci(so["mean"], so["sd"], so["ci95"]), sz["mean"]))
    table = "\n".join(out)

    # Post-training quantization of each fp32 unit: `beex eval` JSON, the test split at full
    # depth, the task's metric and its bootstrap interval.
    ptq_lines = ["| fp32 unit | PTQ w8a8 test %s [95 %% bootstrap] | the fp32 model's own | difference |" % metric,
                 "|---|---|---|---|"]
    vals, diffs = [], []
    for f in sorted(glob.glob(os.path.join(ptq_dir, "ptq-%s-s*.json" % task))):
        e = json.load(open(f))
        full = max((r for r in e["results"] if r["split"] == "test"), key=lambda r: r["exit_block"])
        acc, ci = full["metric"], full["ci95"][e["metric"]]
        seed = int(os.path.basename(f)[:-5].rsplit("-s", 1)[1])
        own = units.get("fp32", {}).get(seed, {}).get("figures", {}).get("full_depth")
        vals.append(acc)
        if own is not None:
            diffs.append(acc - own)
        ptq_lines.append("| %s-s%d | %.1f [%.1f, %.1f] | %s | %s |" % (
            task, seed, acc * 100, ci[0] * 100, ci[1] * 100, "%.1f" % (own * 100) if own is not None else "-",
            "%+.1f" % ((acc - own) * 100) if own is not None else "-"))
    if vals:
        m, sd, ci = t_interval(vals)
        dm, dsd, dci = t_interval(diffs) if diffs else (0.0, 0.0, (0.0, 0.0))
        ptq_lines.append("| mean over seeds | %s | | %s (interval excludes 0: %s) |" % (
            fmt_ci(m, sd, ci), fmt_ci(dm, dsd, dci, sign=True), "yes" if dci[0] > 0 or dci[1] < 0 else "no"))
    text = "### %s: %s, paired difference, size (test split, seeds %s)\n\n%s\n\n#### %s: post-training quantization of the fp32 units\n\n%s\n" % (
        task, metric, " ".join(str(x) for x in seeds), table, task, "\n".join(ptq_lines))
    return text, metric, verdict


def main():
    study, timed, ptq_dir, bench_json, out_md, out_csv = sys.argv[1:7]
    doc = json.load(open(os.path.join(study, "study.json")))
    task = os.environ.get("TASK", "mr")
    tasks = []
    for r in doc["rows"]:
        if r["task"] not in tasks:
            tasks.append(r["task"])
    sections, summary = [], ["| task | metric | " + " | ".join("%s − fp32 (points) [95 %%], significant" % p for p in ORDER[1:]) + " |",
                             "|---|---|" + "---|" * (len(ORDER) - 1)]
    for t in tasks:
        text, metric, verdict = accuracy_section(doc, study, ptq_dir, t)
        sections.append(text)
        cells = []
        for p in ORDER[1:]:
            if p in verdict:
                m, ci, sig = verdict[p]
                cells.append("%+.1f [%+.1f, %+.1f], %s" % (m * 100, ci[0] * 100, ci[1] * 100, sig))
            else:
                cells.append("-")
        summary.append("| %s | %s | %s |" % (t, metric, " | ".join(cells)))

    # Latency (timed study, seed 1): per task, precision and variant, full depth and the
    # selected point.
    tdoc_path = os.path.join(timed, "study.json")
    tdoc = json.load(open(tdoc_path)) if os.path.exists(tdoc_path) else {"units": []}
    timed_tasks = [t for t in tasks if any(u["task"] == t for u in tdoc["units"])]
    lats = {t: latency(timed, tdoc, t) for t in timed_tasks}

    # Throughput (bench model JSON, batch 32, full depth, 1 thread): the median over the
    # repetitions of each parallel mode, the better mode.
    reps = {}
    if os.path.exists(bench_json):
        for b in json.load(open(bench_json)).get("benchmarks", []):
            if b.get("run_type") == "iteration" and b.get("batch") == 32 and b.get("threads") == 1:
                key = (b["precision"], b["variant"], b.get("parallel", ""))
                reps.setdefault(key, []).append(b["examples_per_second"])
    thr = {}
    for (prec, var, _), xs in reps.items():
        xs = sorted(xs)
        med = xs[len(xs) // 2] if len(xs) % 2 else 0.5 * (xs[len(xs) // 2 - 1] + xs[len(xs) // 2])
        thr.setdefault(prec, {})[var] = max(thr.get(prec, {}).get(var, 0.0), med)

    # The plot's data: every timed point of the seed-1 units, time against test accuracy.
    with open(out_csv, "w") as f:
        w = csv.writer(f)
        w.writerow(["precision", "variant", "policy", "param", "us_per_example_batch1", "test_accuracy"])
        for p in ORDER:
            tcsv = os.path.join(timed, "units", "%s-%s-s1" % (task, p), "sweep", "timed.csv")
            if not os.path.exists(tcsv):
                continue
            with open(tcsv) as g:
                for r in sorted(csv.DictReader(g), key=lambda r: (r["variant"], float(r["median_us_per_example"]))):
                    w.writerow([p, r["variant"], r["policy"], r["param"], r["median_us_per_example"], r["accuracy"]])

    timing = []
    for t in timed_tasks:
        out = ["#### %s" % t, "",
               "| precision | variant | latency, full depth (µs / example, batch 1) | latency, selected point | offline, full depth (examples/s, batch 32, small shape) |",
               "|---|---|---|---|---|"]
        for p in ORDER:
            if p not in lats[t]:
                continue
            sel = lats[t][p]["_selected"]
            for v, d in sorted(lats[t][p].items()):
                if v.startswith("_"):
                    continue
                full = full_time(d)
                s_ = point_time(d, sel)
                tp = thr.get(p, {}).get(v)
                out.append("| %s | %s | %s | %s (%s) | %s |" % (
                    p, v, "%.0f" % full if full else "-", "%.0f" % s_ if s_ else "-", sel or "-",
                    "{:,.0f}".format(tp) if tp else "-"))
        timing.append("\n".join(out))
    timing = "\n\n".join(timing)

    with open(out_md, "w") as f:
        f.write("<!-- tables generated by scripts/precision_report.py -->\n\n### Every task: the paired difference to fp32 at full depth\n\n%s\n\n%s\n### Speed on this CPU (seed 1 of each task; the plot: %s)\n\n%s\n" % (
            "\n".join(summary), "\n".join(sections), task, timing))


if __name__ == "__main__":
    main()
