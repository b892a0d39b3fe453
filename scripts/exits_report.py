#!/usr/bin/env python3
"""The exit-regime study's table (issue 28 item 3), from the studies scripts/study_exits.sh ran:
per task and exit regime (docs/model.md section 6), the test metric at full depth and the
iso-cost gain over static depth of two points, the selected one (fewest dev OPs within 1 point
of full depth, all rules) and the entropy-ratio rule's own choice, each as the mean over the
units (seeds) with its 95 % interval as `beex study` computed it (Student t over units, or
one unit's bootstrap interval) and whether that interval excludes 0. It computes nothing
itself: every figure is a study.json row's.

Usage: exits_report.py DIR REGIME...   (reads DIR/REGIME/study.json; Markdown on stdout)
"""
import json
import os
import sys


def fmt_points(x):
    return "n/a" if x is None else f"{100.0 * x:.1f}"


def interval(fig):
    """'m [lo, hi]' in points, and whether [lo, hi] excludes 0 (None: no interval)."""
    if not fig or fig.get("mean") is None:
        return "n/a", None
    lo, hi = (fig.get("ci95") or [None, None])[:2]
    if lo is None or hi is None:
        return f"{fmt_points(fig['mean'])} (no interval)", None
    text = f"{fmt_points(fig['mean'])} [{fmt_points(lo)}, {fmt_points(hi)}]"
    return text, lo > 0 or hi < 0


def mean_points(fig):
    return "n/a" if not fig or fig.get("mean") is None else fmt_points(fig["mean"])


def verdict(excl, fig):
    if excl is None:
        return "n/a"
    if not excl:
        return "no"
    return "yes, above" if fig["ci95"][0] > 0 else "yes, below"


def load(path):
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"exits_report: {path}: {e}")
    if doc.get("kind") != "beex-study":
        sys.exit(f"exits_report: {path} is not a beex study (kind {doc.get('kind')!r})")
    return doc


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr if len(argv) < 3 else sys.stdout)
        return 2 if len(argv) < 3 else 0
    root, regimes = argv[1], argv[2:]
    rows = {}  # task -> [(regime, row)]
    for regime in regimes:
        doc = load(os.path.join(root, regime, "study.json"))
        for row in doc.get("rows", []):
            rows.setdefault(row["task"], []).append((regime, row))
    if not rows:
        sys.exit("exits_report: no study rows to report")
    out = ["# Exit regimes: full depth and iso-cost gains", ""]
    out.append(
        "Per task and exit regime (`beex train --exit-regime`, docs/model.md section 6): the "
        "test metric at full depth, at the selected point (fewest dev OPs within 1 point of "
        "full depth over all rules) and at the entropy-ratio rule's own choice, the OPs each "
        "saves, and each one's iso-cost gain over static depth (metric points at equal OPs); "
        "mean over the units with its 95 % interval, and whether the interval excludes 0; "
        "then how many units chose a static depth, or a delta that exits every example at "
        "one block (static depth in disguise). Points are percentage points. A regime "
        "marked +T is the same units with a temperature per exit fitted on dev: each exit's "
        "logits divided by it before any rule (`beex sweep --trace-files "
        "--calibrate-temperature` on the units' own traces; argmax, and so the static-depth "
        "curve and full depth, unchanged).")
    out.append("")
    for task in sorted(rows):
        metric = rows[task][0][1].get("metric", "metric")
        out.append(f"## {task} ({metric})")
        out.append("")
        out.append("| regime | units | full depth | selected point | its OPs saved (%) | "
                   "selected iso-cost gain | excludes 0 | selected points at a static depth | "
                   "entropy-ratio (delta) choice | its OPs saved (%) | its iso-cost gain | "
                   "excludes 0 | units whose own gain interval is > 0 / < 0 | "
                   "delta a static depth in disguise |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for regime, row in rows[task]:
            figs = row.get("figures", {})
            full, _ = interval(figs.get("full_depth"))
            sel_m, _ = interval(figs.get("selected"))
            sel, sel_x = interval(figs.get("selected_iso_gain"))
            d_m, _ = interval(figs.get("delta"))
            dlt, dlt_x = interval(figs.get("delta_iso_gain"))
            units = f"{row.get('units', 0)}/{row.get('units_planned', 0)}"
            dd = row.get("delta") or {}
            with_choice = dd.get("units_with_a_choice", 0)
            out.append(
                f"| {regime} | {units} | {full} | {sel_m} | "
                f"{mean_points(figs.get('selected_ops_saved'))} | {sel} | "
                f"{verdict(sel_x, figs.get('selected_iso_gain'))} | "
                f"{row.get('selected_is_static_depth', 'n/a')} of {row.get('units', 0)} | "
                f"{d_m} | {mean_points(figs.get('delta_ops_saved'))} | {dlt} | "
                f"{verdict(dlt_x, figs.get('delta_iso_gain'))} | "
                f"{dd.get('iso_gain_interval_above_0', 0)} / "
                f"{dd.get('iso_gain_interval_below_0', 0)} of {with_choice} | "
                f"{dd.get('static_in_disguise', 0)} of {with_choice} |")
        out.append("")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
