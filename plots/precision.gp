# Issue 26's plot (scripts/study_precision.sh): test accuracy against time per example
# (batch 1, one thread) on this CPU, one curve per precision, on the best variant of each
# (the one with the lowest full-depth time): the seed-1 units' timed points (full depth, the
# selected exit point, the entropy-ratio choice).
# Usage: gnuplot -e "f='results/precision_points.csv'; out='plots/out/precision'; term='pngcairo'" plots/precision.gp
if (!exists("f")) f = "results/precision_points.csv"
if (!exists("out")) out = "plots/out/precision"
if (!exists("term")) term = "pngcairo"
ext = (term eq "svg") ? "svg" : "png"
if (term eq "svg") {
    set terminal svg size 900,560 dynamic enhanced font "Sans,13" background "white"
} else {
    set terminal pngcairo size 900,560 enhanced font "Sans,11"
}
set datafile separator ","
set key outside right top box opaque noenhanced
set grid
set logscale x
set xlabel "time per example, batch 1, one thread (µs)"
set ylabel "test accuracy (points)"
if (!exists("task")) task = "mr"
set title task . ", seed 1: accuracy against time per precision (best variant of each)" noenhanced
# The best variant of a precision: the smallest time of its deepest static point.
best(p) = system(sprintf("awk -F, '$1 == \"%s\" && $3 == \"static\" { if ($4 + 0 > d[$2] + 0 || !($2 in d)) { d[$2] = $4; t[$2] = $5 } } END { b = \"\"; for (v in t) if (b == \"\" || t[v] + 0 < t[b] + 0) b = v; print b }' %s", p, f))
rows(p) = sprintf("< awk -F, '$1 == \"%s\" && $2 == \"%s\"' %s | sort -t, -k5,5g", p, best(p), f)
precs = "fp32 w8a8 w1a32 w1a1"
set output out . "." . ext
plot for [i = 1:words(precs)] rows(word(precs, i)) using 5:($6 * 100) with linespoints lc i pt 7 \
     title word(precs, i) . " (" . best(word(precs, i)) . ")"
unset output
