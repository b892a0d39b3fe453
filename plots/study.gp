# Study plots (beex study): per task, the test metric against mean OPs per example, one colour
# per precision: the static-depth curve averaged over the units (error bars: standard
# deviation over seeds or folds), and every unit's selected point (circles) and entropy-ratio
# choice (triangles), so the seeds' spread is visible.
# Usage: gnuplot -e "dir='results/runs/study-X'; term='pngcairo'" plots/study.gp (or term='svg')
if (!exists("dir")) dir = "."
if (!exists("term")) term = "pngcairo"
ext = (term eq "svg") ? "svg" : "png"
if (term eq "svg") {
    set terminal svg size 900,560 dynamic enhanced font "Sans,13" background "white"
} else {
    set terminal pngcairo size 900,560 enhanced font "Sans,11"
}
if (!exists("outdir")) outdir = dir . "/plots"
f = dir . "/study_curves.csv"
set datafile separator ","
set key outside right top box opaque noenhanced
set grid
set logscale x
set xlabel "mean OPs per test example (FLOPs + BOPs/64)"
set ylabel "test metric (points)"
rows(t, p, s) = sprintf("< awk -F, '$1 == \"%s\" && $2 == \"%s\" && $3 == \"%s\"' %s", t, p, s, f)
tasks = system("awk -F, 'NR > 1 { print $1 }' " . f . " | sort -u | tr '\\n' ' '")
do for [t in tasks] {
    precs = system("awk -F, -v t=" . t . " 'NR > 1 && $1 == t && !seen[$2]++ { print $2 }' " . f . " | tr '\\n' ' '")
    set output outdir . "/" . t . "_accuracy_vs_ops." . ext
    set title t . ": test metric against cost, mean +- sd over the units" noenhanced
    plot for [i = 1:words(precs)] rows(t, word(precs, i), "static") \
             using 5:($6 * 100):($7 * 100) with yerrorlines lc i pt 7 ps 0.6 \
             title word(precs, i) . " static depth 1..N", \
         for [i = 1:words(precs)] rows(t, word(precs, i), "selected") \
             using 5:($6 * 100) with points lc i pt 6 ps 1.2 title word(precs, i) . " selected (per unit)", \
         for [i = 1:words(precs)] rows(t, word(precs, i), "delta") \
             using 5:($6 * 100) with points lc i pt 8 ps 1.2 title word(precs, i) . " delta choice (per unit)"
    unset output
}
