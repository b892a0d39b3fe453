# Each binary GEMM variant against its bound, from kernels.csv (`beex merge` of
# `beex bench gemm --json` output): the fraction of the variant's measured bound reached, and
# the speed-up over libxsmm fp32 on the same shape, against the work M*N*K of a call. One
# panel per thread count; lines join the shapes of one variant in order of work (several
# shapes of equal work are averaged by `smooth unique`, the points show each one).
# Usage: gnuplot -e "dir='DIR'; term='pngcairo'" plots/kernels.gp   (or term='svg')
if (!exists("dir")) dir = "."
if (!exists("term")) term = "pngcairo"
ext = (term eq "svg") ? "svg" : "png"
if (term eq "svg") set terminal svg size 1000,700 dynamic enhanced font "Sans,13" background "white"
if (term ne "svg") set terminal pngcairo size 1000,700 enhanced font "Sans,11"
if (!exists("outdir")) outdir = dir . "/plots"
out = outdir . "/"
k = dir . "/kernels.csv"
set datafile separator ","
set key outside right top box opaque noenhanced
set grid
set logscale x 4
set format x "%.0s%c"
set xlabel "work per call M*N*K (multiply-accumulates)"
# binary variants only (fp32 rows have no bound), per op/variant
series = system("awk -F, 'NR > 1 && $3 != \"fp32\" { print $3 \",\" $4 }' " . k . " | sort -u | tr '\\n' ' '")
threads = system("tail -n +2 " . k . " | cut -d, -f8 | sort -n -u | tr '\\n' ' '")
colours = "#1b9e77 #d95f02 #7570b3 #e7298a #66a61e #e6ab02 #a6761d #666666"
rows(s, t) = sprintf("< awk -F, -v s=%s -v t=%s '$3 \",\" $4 == s && $8 == t { print $5*$6*$7 \",\" $0 }' %s | sort -t, -k1g", s, t, k)
label(s) = system("echo " . s . " | tr , ' '")

do for [panel=1:2] {
    col = (panel == 1) ? 10 : 12
    set output out . ((panel == 1) ? "kernels_vs_bound." : "kernels_vs_libxsmm.") . ext
    set multiplot layout words(threads), 1 title ((panel == 1) ? \
        "Binary GEMM: fraction of each variant's measured bound (1 = bound)" : \
        "Binary GEMM speed-up over libxsmm fp32 on the same shape (same run)")
    if (panel == 1) { unset logscale y; set yrange [0:*]; set ylabel "throughput / bound" }
    if (panel == 2) { set logscale y 2; set yrange [*:*]; set ylabel "t(fp32) / t(binary)" }
    do for [ti=1:words(threads)] {
        set label 1 word(threads, ti) . " thread(s)" at graph 0.02, graph 0.92 front
        plot for [i=1:words(series)] rows(word(series, i), word(threads, ti)) using 1:col \
                 with points pt 7 ps 0.8 lc rgb word(colours, (i - 1) % 8 + 1) notitle, \
             for [i=1:words(series)] rows(word(series, i), word(threads, ti)) using 1:col smooth unique \
                 with lines lw 1.5 lc rgb word(colours, (i - 1) % 8 + 1) title label(word(series, i)), \
             1 with lines dt 2 lw 2 lc rgb "black" title ((panel == 1) ? "bound" : "parity")
    }
    unset multiplot
    unset label 1
}
