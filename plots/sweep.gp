# Sweep plots from one run directory (beex sweep):
#   accuracy_vs_ops   test metric against mean OPs per example: every grid point of every exit
#                     rule, the static-depth curve and the dev Pareto front (95 % bootstrap
#                     intervals), the three selected points
#   accuracy_vs_time  (only with a non-empty timed.csv) one panel per variant: test metric
#                     against measured microseconds per example, one colour per threads x batch
#   iso_cost_gain     metric gain over the static-depth curve at the same mean OPs (test, 95 %
#                     paired bootstrap), for the delta, entropy and patience rules
#   exit_histogram    exit block histogram on test of the points in hist.csv (long form)
# Columns are found by their header names, so added or reordered columns do not matter.
# Usage: gnuplot -e "dir='results/runs/X'; term='pngcairo'" plots/sweep.gp   (or term='svg')
if (!exists("dir")) dir = "."
if (!exists("term")) term = "pngcairo"
ext = (term eq "svg") ? "svg" : "png"
term_cmd(w, hgt) = (term eq "svg") ? \
    sprintf('set terminal svg size %d,%d dynamic enhanced font "Sans,13" background "white"', w, hgt) : \
    sprintf('set terminal pngcairo size %d,%d enhanced font "Sans,11"', w, hgt)
if (!exists("outdir")) outdir = dir . "/plots"
out = outdir . "/"
set datafile separator ","
set key outside right top box opaque noenhanced
set grid
r = dir . "/replay.csv"
p = dir . "/pareto.csv"
t = dir . "/timed.csv"
h = dir . "/hist.csv"

# settings.effective.metric from sweep.json (the first "metric" string after "effective")
metric_name = system("test -f " . dir . "/sweep.json && awk '{ i = index($0, \"\\\"effective\\\"\"); " . \
    "if (i) { e = 1; $0 = substr($0, i) } } e && match($0, /\"metric\"[ ]*:[ ]*\"[A-Za-z0-9_]+\"/) { " . \
    "s = substr($0, RSTART, RLENGTH); sub(/^\"metric\"[ ]*:[ ]*\"/, \"\", s); sub(/\"$/, \"\", s); " . \
    "print s; exit }' " . dir . "/sweep.json")
if (metric_name eq "") metric_name = "accuracy"
metric_label = (metric_name eq "f1") ? "F1" : (metric_name eq "mcc") ? "MCC" : metric_name

# --- helpers: rows of a CSV by column name (awk keeps the header for `using "name"`) ----------
# When no row matches, one placeholder row of 1e300 stands in: it lies outside the fixed axis
# ranges, so the clause draws nothing and gnuplot does not warn (a clause whose key title is ""
# is left out of the key; an empty `for` does not skip a clause in gnuplot 5.4).
hdr_awk = "NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; nf = NF; print; next }"
none_awk = "END { if (!n) for (i = 1; i <= nf; i++) printf \"%s\", (i < nf ? \"1e300,\" : \"1e300\\n\") }"
rows(f, cond) = sprintf("< awk -F, '%s %s { n++; print } %s' %s", hdr_awk, cond, none_awk, f)
# the same sorted by column `col`, rows equal in the columns `key` (comma-joined) kept once
rows_sorted(f, cond, col, key) = sprintf("< awk -F, '%s %s { split(\"%s\", k, \",\"); s = \"\"; " . \
    "for (j in k) s = s \"|\" $c[k[j]]; if (!seen[s]++) { n++; print $c[\"%s\"] \",\" $0 } } %s' %s " . \
    "| sort -t, -k1,1g | cut -d, -f2-", \
    "NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; nf = NF + 1; print \"-1e300,\" $0; next }", \
    cond, key, col, none_awk, f)
# count, min, max and first value of a column over the rows that satisfy cond (0 or "" if none)
agg_awk(f, cond, body, end) = system(sprintf("if test -f %s; then awk -F, 'NR == 1 { for (i = 1; " . \
    "i <= NF; i++) c[$i] = i; next } %s { %s } END { %s }' %s; else echo 0; fi", f, cond, body, end, f))
count(f, cond) = int(agg_awk(f, cond, "n++", "print n + 0"))
vmin(f, cond, col) = real(agg_awk(f, cond, sprintf("v = $c[\"%s\"] + 0; if (n++ == 0 || v < m) m = v", col), "print m + 0"))
vmax(f, cond, col) = real(agg_awk(f, cond, sprintf("v = $c[\"%s\"] + 0; if (n++ == 0 || v > m) m = v", col), "print m + 0"))
first(f, cond, col) = agg_awk(f, cond, sprintf("if (n++ == 0) s = $c[\"%s\"]", col), "print s")
# tick step of about `n` ticks over `range` (1, 2 or 5 x 10^k) and the decimals it needs
nice(range, n) = (range <= 0) ? 1 : (nr_ = 1.0 * range / n, ne_ = 10.0**floor(log10(nr_)), nm_ = nr_ / ne_, \
    (nm_ < 1.5 ? 1 : nm_ < 3.5 ? 2 : nm_ < 7.5 ? 5 : 10) * ne_)
decimals(step) = (step >= 1) ? 0 : int(ceil(-log10(step) - 1e-9))
# padded range [lo, hi] and tick step: lo_, hi_, step_, fmt_ (zero-width ranges get a unit-ish span)
span(lo, hi, n) = (sw_ = (hi > lo) ? hi - lo : ((abs(lo) > 0) ? abs(lo) * 0.1 : 1), \
    step_ = nice(sw_, n), lo_ = lo - ((hi > lo) ? 0.06 * sw_ : 0.5 * sw_), \
    hi_ = hi + ((hi > lo) ? 0.06 * sw_ : 0.5 * sw_), fmt_ = sprintf("%%.%df", decimals(step_)), 0)

is_test = '$c["split"] == "test"'
is_rule(rule) = sprintf('$c["split"] == "test" && $c["policy"] == "%s"', rule)
n_test = count(r, is_test)
if (n_test == 0) { print "sweep.gp: " . r . " has no test rows"; exit }
if (int(system("head -1 " . r . " | tr , '\\n' | grep -c '^run_id$'")) == 0) {
    print "sweep.gp: " . r . " predates run ids and unit-named columns; plot it with the " . \
        "plots/sweep.gp of the revision that wrote it"
    exit
}

# the OPs axis (shared by accuracy_vs_ops and iso_cost_gain): millions or thousands of OPs
ops_lo = vmin(r, is_test, "ops_per_example")
ops_hi = vmax(r, is_test, "ops_per_example")
ops_div = (ops_hi >= 1e6) ? 1e6 : (ops_hi >= 1e3) ? 1e3 : 1
ops_unit = (ops_div == 1e6) ? " (millions)" : (ops_div == 1e3) ? " (thousands)" : ""
dummy = span(ops_lo / ops_div, ops_hi / ops_div, 7)
ops_lo_ = lo_; ops_hi_ = hi_; ops_step = step_; ops_fmt = fmt_
set_ops_axis = "set xrange [ops_lo_:ops_hi_]; set xtics ops_step; set format x ops_fmt; " . \
    "set xlabel 'mean OPs per example' . ops_unit . '  (OPs = FLOPs + BOPs/64)'"

# The adaptive rules of harness/model/exit_rule_list.h (static depth is drawn as its own curve).
rule_names = "delta entropy patience maxprob"
rule_titles = "'entropy-ratio rule delta' 'absolute entropy rule tau' 'patience rule p' 'softmax confidence t'"
rule_light = "#9ecae1 #fdae6b #a1d99b #d9d9d9"
rule_dark = "#2171b5 #e6550d #31a354 #525252"
rule_pt = "7 9 5 11"
n_rules = words(rule_names)
n_rule(i) = count(r, is_rule(word(rule_names, i)))

# --- accuracy against OPs ---------------------------------------------------------------------
eval term_cmd(900, 820)
set output out . "accuracy_vs_ops." . ext
set title "Test " . metric_label . " vs mean OPs per example; thresholds and front chosen on dev\n" . \
    "{/*0.85 bars: 95 % bootstrap intervals on test}" enhanced
eval set_ops_axis
dummy = span(vmin(r, is_test, "metric_lo"), vmax(r, is_test, "metric_hi"), 7)
set yrange [lo_:hi_]
set ytics step_
set format y fmt_
set ylabel "test " . metric_label
set key at screen 0.5, screen 0.185 center top vertical maxrows 5 box opaque noenhanced Left reverse width -8 samplen 3 spacing 1.5
set bmargin at screen 0.27
on_front = '$c["front"] == 1'
n_front = count(p, on_front)
n_equiv = count(p, '$c["front"] == 1 && $c["static_equivalent"] > 0')
n_static = count(r, is_rule("static"))
pick(flag) = sprintf('$c["%s"] == 1', flag)
pick_name(flag) = first(p, pick(flag), "policy") . "=" . sprintf("%.3g", real(first(p, pick(flag), "param")))
sel_flags = "selected selected_sig selected_delta"
sel_titles = "'selected (within 1 pt of full, dev)' 'selected, significance-aware' " . \
    "'entropy-ratio rule, own choice'"
sel_pt = "6 4 8"
sel_ps = "2.6 3.0 2.6"
sel_lc = "#cb181d #6a3d9a #e7298a"
n_sel(i) = count(p, pick(word(sel_flags, i)))
plot for [i=1:n_rules] rows(r, is_rule(word(rule_names, i))) \
         using (column("ops_per_example") / ops_div):"metric" with points pt int(word(rule_pt, i)) ps 1.1 \
         lc rgb word(rule_light, i) title (n_rule(i) ? word(rule_titles, i) . ", every grid point" : ""), \
     rows_sorted(r, is_rule("static"), "ops_per_example", "ops_per_example") \
         using (column("ops_per_example") / ops_div):"metric":"metric_lo":"metric_hi" with yerrorlines \
         pt 13 ps 1.0 lw 1.5 lc rgb "#756bb1" title (n_static ? "static depth k" : ""), \
     rows(p, on_front) \
         using (column("test_ops_per_example") / ops_div):"test_metric":"test_metric_lo":"test_metric_hi" \
         with yerrorlines pt 7 ps 0.9 lw 3 lc rgb "#08306b" title (n_front ? "Pareto front on dev, all rules" : ""), \
     rows(p, '$c["front"] == 1 && $c["static_equivalent"] > 0') \
         using (column("test_ops_per_example") / ops_div):"test_metric" with points pt 2 ps 2.2 lw 2.5 lc rgb "black" \
         title (n_equiv ? "equivalent to a static depth (>= 95 % at 1 block)" : ""), \
     for [i=1:3] rows(p, pick(word(sel_flags, i))) \
         using (column("test_ops_per_example") / ops_div):"test_metric" with points pt int(word(sel_pt, i)) \
         ps real(word(sel_ps, i)) lw 2.5 lc rgb word(sel_lc, i) \
         title (n_sel(i) ? word(sel_titles, i) . ": " . pick_name(word(sel_flags, i)) : "")
set bmargin
set key outside right top box opaque noenhanced maxrows auto
set xrange [*:*]; set yrange [*:*]
set xtics autofreq; set ytics autofreq
set format x "% h"; set format y "% h"

# --- iso-cost gain over static depth --------------------------------------------------------------
eval term_cmd(900, 760)
set output out . "iso_cost_gain." . ext
set title "Iso-cost gain over static depth (test, 95 % paired bootstrap)"
eval set_ops_axis
dummy = span(100 * vmin(r, is_test . ' && $c["policy"] != "static"', "iso_gain_lo"), \
             100 * vmax(r, is_test . ' && $c["policy"] != "static"', "iso_gain_hi"), 7)
set yrange [(lo_ < 0 ? lo_ : -step_ / 2):(hi_ > 0 ? hi_ : step_ / 2)]
set ytics step_
set format y fmt_
set ylabel "test " . metric_label . " minus static depth at the same OPs (points)"
set key at screen 0.5, screen 10.0 / 760 center bottom vertical maxrows 3 box opaque noenhanced \
    Left reverse width -4 samplen 3 spacing 1.3
set bmargin at screen 150.0 / 760
set style fill transparent solid 0.2 noborder
iso_key = "ops_per_example,iso_gain,iso_gain_lo,iso_gain_hi"
plot rows_sorted(r, is_rule("delta"), "ops_per_example", iso_key) \
         using (column("ops_per_example") / ops_div):(100 * column("iso_gain_lo")):(100 * column("iso_gain_hi")) \
         with filledcurves lc rgb word(rule_dark, 1) \
         title (n_rule(1) ? "entropy-ratio rule delta: 95 % interval" : ""), \
     rows_sorted(r, is_rule("delta"), "ops_per_example", iso_key) \
         using (column("ops_per_example") / ops_div):(100 * column("iso_gain")) with linespoints pt 7 ps 0.6 lw 2 \
         lc rgb word(rule_dark, 1) title (n_rule(1) ? "entropy-ratio rule delta (sorted by OPs)" : ""), \
     for [i=2:n_rules] rows_sorted(r, is_rule(word(rule_names, i)), "ops_per_example", iso_key) \
         using (column("ops_per_example") / ops_div):(100 * column("iso_gain")):(100 * column("iso_gain_lo")): \
               (100 * column("iso_gain_hi")) with yerrorbars pt int(word(rule_pt, i)) ps 0.8 lw 1.2 \
         lc rgb word(rule_dark, i) title (n_rule(i) ? word(rule_titles, i) : ""), \
     0 with lines dt 2 lw 2 lc rgb "black" title "static depth (no gain)"
set style fill solid 1.0 border
set bmargin
set key outside right top box opaque noenhanced maxrows auto
set xrange [*:*]; set yrange [*:*]
set xtics autofreq; set ytics autofreq
set format x "% h"; set format y "% h"

# --- accuracy against measured time -------------------------------------------------------------
n_timed = count(t, "1")
if (n_timed > 0) {
    # One panel per variant (stacked, same x and y ranges); colour and symbol = threads x batch;
    # horizontal bars span min..max over the repetitions, vertical bars the point's metric
    # interval. The points are named on the right axis at their metric (points with the same
    # metric and OPs made the same decisions and share one name).
    variants = system("awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } " . \
        "!s[$c[\"variant\"]]++ { print $c[\"variant\"] }' " . t . " | tr '\\n' ' '")
    tbs = system("awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } " . \
        "{ print $c[\"threads\"] \",\" $c[\"batch\"] }' " . t . " | sort -t, -k1,1n -k2,2n -u | tr '\\n' ' '")
    nv = words(variants)
    ntb = words(tbs)
    colours = "#1b9e77 #d95f02 #7570b3 #e7298a #66a61e #e6ab02 #a6761d #666666"
    pts = "7 5 9 11 13 15 4 6"
    tmin = vmin(t, "1", "min_us_per_example")
    tmax = vmax(t, "1", "max_us_per_example")
    if (tmin <= 0) { tmin = 1e-3 }
    if (tmax <= tmin) { tmax = tmin * 10 }
    tlo = tmin / 1.25
    thi = tmax * 1.25
    # log axis ticks at 1, 2, 5 x 10^k, all printed with the same format
    xt = ""
    do for [k=floor(log10(tlo)):ceil(log10(thi))] {
        do for [m in "1 2 5"] {
            v = real(m) * 10**k
            if (v >= tlo && v <= thi) { xt = xt . (xt eq "" ? "" : ", ") . sprintf("\"%g\" %g", v, v) }
        }
    }
    dummy = span(vmin(t, "1", "metric_lo"), vmax(t, "1", "metric_hi"), 4)
    key_rows = int((ntb + (count(t, '$c["matches_replay"] != 1') > 0) + 1) / 2)
    hgt = (nv * 210 + 150 + 22 * key_rows > 700) ? nv * 210 + 150 + 22 * key_rows : 700
    eval term_cmd(900, hgt)
    set output out . "accuracy_vs_time." . ext
    set multiplot layout nv, 1 margins 0.11, 0.75, (95.0 + 22 * key_rows) / hgt, 1 - 75.0 / hgt \
        spacing 0, 40.0 / hgt \
        title "Test " . metric_label . " vs measured time per example\n{/*0.85 median over the repetitions; " . \
        "horizontal bars min..max, vertical bars 95 % bootstrap interval}" enhanced
    set logscale x
    set xrange [tlo:thi]
    eval "set xtics (" . xt . ")"
    set mxtics default
    set yrange [lo_:hi_]
    set y2range [lo_:hi_]
    set ytics step_ nomirror
    set format y fmt_
    set key at screen 0.43, screen 8.0 / hgt center bottom horizontal maxcols 3 box opaque noenhanced \
        width -2 samplen 2
    unset title
    set ylabel "test " . metric_label
    variant_tb(v, tb) = sprintf('$c["variant"] == "%s" && $c["threads"] "," $c["batch"] == "%s"', v, tb)
    # `"name" metric, ...` for the y2 axis: the points measured in variant v
    names(v) = system(sprintf("awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } " . \
        "$c[\"variant\"] == \"%s\" { k = $c[\"metric\"] + 0 \"|\" $c[\"ops_per_example\"] + 0; " . \
        "p = $c[\"policy\"] \"=\" $c[\"param\"]; y[k] = $c[\"metric\"] + 0; if (!((k, p) in seen)) { " . \
        "seen[k, p] = 1; if (k in name) name[k] = name[k] \", \" p; else name[k] = p } } " . \
        "END { for (k in name) printf \"%%s\\\"%%s\\\" %%.10g\", (n++ ? \", \" : \"\"), name[k], y[k] }' %s", v, t))
    tb_title(tb) = system("echo " . tb . " | awk -F, '{ print $1 \" thread\" ($1 == 1 ? \"\" : \"s\") \", batch \" $2 }'")
    n_bad = count(t, '$c["matches_replay"] != 1')
    do for [vi=1:nv] {
        v = word(variants, vi)
        set label 1 v at graph 0.02, graph 0.87 font ",13" front
        set xlabel (vi == nv) ? "microseconds per example (log scale)" : ""
        eval "set y2tics (" . names(v) . ") font \",9\" nomirror"
        # the key of the last panel stands for every panel
        if (vi < nv) { set key off } else { set key on }
        plot for [ti=1:ntb] rows(t, variant_tb(v, word(tbs, ti))) \
                 using "median_us_per_example":"metric":"min_us_per_example":"max_us_per_example": \
                       "metric_lo":"metric_hi" \
                 with xyerrorbars pt int(word(pts, (ti - 1) % 8 + 1)) ps 1.3 lw 1.2 \
                 lc rgb word(colours, (ti - 1) % 8 + 1) title tb_title(word(tbs, ti)), \
             rows(t, sprintf('$c["variant"] == "%s" && $c["matches_replay"] != 1', v)) \
                 using "median_us_per_example":"metric" with points pt 6 ps 3 lw 2.5 lc rgb "red" \
                 title (n_bad ? "does not match the replay" : "")
    }
    unset multiplot
    unset label 1
    unset logscale x
    unset y2tics
    set key on
    set xrange [*:*]; set yrange [*:*]; set y2range [*:*]
    set xtics autofreq; set ytics autofreq mirror
    set mxtics default
    set format y "% h"
}

# --- exit histograms -----------------------------------------------------------------------------
# hist.csv is long: one row per shown point and exit block (run_id, point, label, ..., block,
# examples). One cluster per exit block, one bar per point (full depth and the points shown) in
# the order of the file, titled by its label.
hist_points = system("if test -f " . h . "; then awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) " . \
    "c[$i] = i; next } !s[$c[\"point\"]]++ { print $c[\"point\"] }' " . h . " | tr '\\n' ' '; fi")
npoints = words(hist_points)
nblocks = int(vmax(h, "1", "block"))
on_point(i) = sprintf('$c["point"] == "%s"', word(hist_points, i))
if (npoints >= 1 && nblocks > 0) {
    hmax = vmax(h, "1", "examples")
    key_rows = int((npoints + 1) / 2)
    hgt = 640 + 28 * key_rows
    eval term_cmd(900, hgt)
    set output out . "exit_histogram." . ext
    set title "Exit block histogram on test (full depth and the points shown)"
    set xlabel "exit block"
    set ylabel "test examples"
    set style data histograms
    set style histogram clustered gap 1
    set style fill solid 0.85 border -1
    set boxwidth 0.9
    set yrange [0:(hmax > 0 ? hmax * 1.08 : 1)]
    set xrange [*:*]
    set format y "%.0f"
    set ytics autofreq
    set grid noxtics ytics
    set xtics nomirror scale 0
    if (nblocks > 24) { set xtics rotate by -90 }
    set bmargin at screen (100.0 + 28 * key_rows) / hgt
    set key at screen 0.5, screen 10.0 / hgt center bottom horizontal maxcols 3 box opaque noenhanced \
        width 1 samplen 2
    hcolours = "#636363 #cb181d #6a3d9a #e7298a #2171b5 #31a354 #e6550d #8c6d31 #17becf #bcbd22"
    # empty bars are left out (a zero-height bar would still draw its border)
    plot for [i=1:npoints] rows(h, on_point(i)) \
             using (column("examples") > 0 ? column("examples") : NaN):xtic(strcol("block")) \
             lc rgb word(hcolours, (i - 1) % 10 + 1) title first(h, on_point(i), "label")
}
