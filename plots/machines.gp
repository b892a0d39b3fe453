# Machines side by side, from machines.csv (`beex merge` of several sweep.json): median time
# per example at each machine's selected delta, one bar per machine x variant x threads x
# batch, one image per architecture.
# Usage: gnuplot -e "dir='DIR'; term='pngcairo'" plots/machines.gp   (or term='svg')
if (!exists("dir")) dir = "."
if (!exists("term")) term = "pngcairo"
ext = (term eq "svg") ? "svg" : "png"
if (term eq "svg") set terminal svg size 1000,600 dynamic enhanced font "Sans,13" background "white"
if (term ne "svg") set terminal pngcairo size 1000,600 enhanced font "Sans,11"
if (!exists("outdir")) outdir = dir . "/plots"
out = outdir . "/"
m = dir . "/machines.csv"
set datafile separator ","
set grid y
set style fill solid 0.8 border -1
set boxwidth 0.7
set ylabel "microseconds per example (median; bars min..max)"
set xtics rotate by -40 left noenhanced font ",9"
set rmargin 8
set bmargin 7
set logscale y
set yrange [*:*]
set key off

# Columns by header name (machines.csv starts with run_id; see plots/README.md).
hdr_awk = "NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print; next }"
arches = system("awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } " . \
    "!s[$c[\"arch\"]]++ { print $c[\"arch\"] }' " . m . " | tr '\\n' ' '")
do for [a in arches] {
    sel = sprintf("< awk -F, '%s $c[\"arch\"] == \"%s\" && $c[\"selected\"] == 1' %s", hdr_awk, a, m)
    set output out . "machines_" . a . "." . ext
    set title "Selected early-exit point, architecture " . a noenhanced
    plot sel using 0:"median_us_per_example":xtic(sprintf("%s %s t%s b%s", strcol("host"), \
             strcol("variant"), strcol("threads"), strcol("batch"))) with boxes lc rgb "#3182bd", \
         sel using 0:"median_us_per_example":"min_us_per_example":"max_us_per_example" \
             with yerrorbars lc rgb "black" pt 0
}
