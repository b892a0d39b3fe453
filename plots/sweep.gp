# Sweep plots from one run directory (beex sweep): accuracy against OPs with the dev Pareto
# front and the baselines, accuracy against measured time per variant, exit histograms.
# Usage: gnuplot -e "dir='results/runs/X'; term='pngcairo'" plots/sweep.gp   (or term='svg')
if (!exists("dir")) dir = "."
if (!exists("term")) term = "pngcairo"
ext = (term eq "svg") ? "svg" : "png"
if (term eq "svg") set terminal svg size 900,700 dynamic enhanced font "Sans,13" background "white"
if (term ne "svg") set terminal pngcairo size 900,700 enhanced font "Sans,11"
if (!exists("outdir")) outdir = dir . "/plots"
out = outdir . "/"
set datafile separator ","
set key outside right top box opaque
set grid
metric_name = system("head -c 0 /dev/null; grep -o '\"metric\": \"[a-z0-9]*\"' " . dir . "/sweep.json | head -1 | cut -d'\"' -f4")
if (metric_name eq "") metric_name = "accuracy"

# --- accuracy against OPs -----------------------------------------------------------------
set output out . "accuracy_vs_ops." . ext
set title "Test " . metric_name . " vs OPs per example (OPs = FLOPs + BOPs/64); thresholds chosen on dev"
set xlabel "OPs per example"
set ylabel "test " . metric_name
set format x "%.1s%c"
r = dir . "/replay.csv"
set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
sel(p) = sprintf("< grep '^%s,.*,test,' %s", p, r)
plot sel("delta") using 12:4 with points pt 7 ps 0.6 lc rgb "#9ecae1" title "entropy-ratio delta (grid)", \
     sel("entropy") using 12:4 with points pt 2 ps 0.8 lc rgb "#fd8d3c" title "absolute entropy tau", \
     sel("patience") using 12:4 with linespoints pt 4 ps 1.2 lc rgb "#31a354" title "patience p", \
     sel("static") using 12:4 with linespoints pt 8 ps 1.2 lc rgb "#756bb1" title "static depth k", \
     dir . "/pareto.csv" using 6:3 with linespoints pt 7 ps 1.0 lw 2 lc rgb "#08519c" title "delta Pareto front (dev)", \
     dir . "/pareto.csv" using ($8 == 1 ? $6 : NaN):3 with points pt 6 ps 3 lw 2 lc rgb "#e31a1c" title "selected delta"
unset format x

# --- accuracy against measured time -----------------------------------------------------------
t = dir . "/timed.csv"
if (system("test -s " . t . " && echo y") eq "y") {
    set output out . "accuracy_vs_time." . ext
    # One panel per variant (stacked, same x axis); colour and symbol = threads x batch;
    # bars span min..max over the repetitions.
    variants = system("tail -n +2 " . t . " | cut -d, -f1 | sort -u | tr '\\n' ' '")
    tbs = system("tail -n +2 " . t . " | cut -d, -f2,3 | sort -t, -k1n -k2n -u | tr '\\n' ' '")
    colours = "#1b9e77 #d95f02 #7570b3 #e7298a #66a61e #e6ab02"
    pts = "7 5 9 11 13 15 4 6"
    tmin = real(system("tail -n +2 " . t . " | cut -d, -f7 | sort -g | head -1"))
    tmax = real(system("tail -n +2 " . t . " | cut -d, -f8 | sort -g | tail -1"))
    nv = words(variants)
    set multiplot layout nv, 1 title "Test " . metric_name . " vs measured time per example (median; bars min..max over the repetitions)"
    set logscale x
    set xrange [tmin / 1.3 : tmax * 1.3]
    set offsets 0, 0, graph 0.15, graph 0.15
    set key outside right center box opaque noenhanced
    unset title
    set ylabel metric_name
    set format y "%.3f"
    do for [vi=1:nv] {
        set label 1 word(variants, vi) at graph 0.02, graph 0.85 font ",12" front
        set xlabel (vi == nv) ? "microseconds per example" : ""
        plot for [ti=1:words(tbs)] t \
             using ((strcol(1) eq word(variants, vi) && (strcol(2) . "," . strcol(3)) eq word(tbs, ti)) ? $6 : NaN):10:7:8 \
             with xerrorbars pt (int(word(pts, ti))) ps 1.3 lc rgb word(colours, ti) \
             title sprintf("%s thr, batch %s", word(system("echo " . word(tbs, ti) . " | tr , ' '"), 1), \
                           word(system("echo " . word(tbs, ti) . " | tr , ' '"), 2))
    }
    unset multiplot
    unset label 1
    unset logscale x
    set xrange [*:*]
    set offsets 0, 0, 0, 0
    set format y
    set key outside right top box opaque
}

# --- exit histograms ----------------------------------------------------------------------
h = dir . "/hist.csv"
ncol = int(system("head -1 " . h . " | tr , '\\n' | wc -l"))
set offsets 0, 0, 0, 0
set output out . "exit_histogram." . ext
set title "Exit block histogram on test (timed points and full depth)"
set xlabel "exit block"
set ylabel "examples"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set yrange [0:*]
set xrange [*:*]
plot for [i=2:ncol] h using i:xtic(1) title columnheader(i)
