# Each binary GEMM variant against its bound, from kernels.csv (`beex merge` of
# `beex bench gemm --json` output): fraction of the measured bound reached, and speed-up over
# libxsmm fp32 on the same shape, against the work M*N*K. One series per op/variant/threads.
# Usage: gnuplot -e "dir='DIR'; term='pngcairo'" plots/kernels.gp   (or term='svg')
if (!exists("dir")) dir = "."
if (!exists("term")) term = "pngcairo"
ext = (term eq "svg") ? "svg" : "png"
if (term eq "svg") set terminal svg size 900,600 dynamic enhanced font "Sans,13" background "white"
if (term ne "svg") set terminal pngcairo size 900,600 enhanced font "Sans,11"
if (!exists("outdir")) outdir = dir . "/plots"
out = outdir . "/"
k = dir . "/kernels.csv"
set datafile separator ","
set key outside right top box opaque noenhanced
set grid
set logscale x 4
set format x "%.0s%c"
set xlabel "work per call M*N*K (multiply-accumulates)"
series = system("tail -n +2 " . k . " | cut -d, -f3,4,8 | sort -u | tr '\\n' ' '")
colours = "#1b9e77 #d95f02 #7570b3 #e7298a #66a61e #e6ab02 #a6761d #666666"
name(s) = sprintf("%s %s, %s thr", word(system("echo " . s . " | tr , ' '"), 1), \
                  word(system("echo " . s . " | tr , ' '"), 2), word(system("echo " . s . " | tr , ' '"), 3))
match(s) = (strcol(3) . "," . strcol(4) . "," . strcol(8)) eq s

set output out . "kernels_vs_bound." . ext
set title "Binary GEMM: fraction of each variant's measured bound (1 = bound)"
set ylabel "throughput / bound"
set yrange [0:1.15]
plot for [i=1:words(series)] k using (match(word(series, i)) ? $5*$6*$7 : NaN):9 \
         with linespoints pt 7 ps 1 lw 1.5 lc rgb word(colours, (i - 1) % 8 + 1) title name(word(series, i)), \
     1 with lines dt 2 lw 2 lc rgb "black" title "bound"

set output out . "kernels_vs_libxsmm." . ext
set title "Binary GEMM speed-up over libxsmm fp32 on the same shape (same run)"
set ylabel "time fp32 / time binary"
set yrange [*:*]
set logscale y 2
plot for [i=1:words(series)] k using (match(word(series, i)) ? $5*$6*$7 : NaN):11 \
         with linespoints pt 7 ps 1 lw 1.5 lc rgb word(colours, (i - 1) % 8 + 1) title name(word(series, i)), \
     1 with lines dt 2 lw 2 lc rgb "black" title "parity"
