# Roofline of one machine from `beex machine report`'s roofline-<name>.dat: its measured
# ceilings (bit-MAC/s of the best variant and fp32 FLOP/s on all cores, the triad bandwidth)
# and its kernels by arithmetic intensity (work per byte of operands and result).
#   gnuplot -e "data='results/machines/roofline-NAME.dat'; out='plots/out/roofline-NAME.png'" \
#       plots/machine_roofline.gp
if (!exists("data")) data = 'roofline.dat'
if (!exists("out")) out = 'plots/out/machine-roofline.png'
if (!exists("name")) name = data
set terminal pngcairo size 900,600 noenhanced
set output out
peak_b = real(system("awk '/^# peak_bmac_per_s/ {print $3}' '" . data . "'"))
peak_f = real(system("awk '/^# peak_flop_per_s/ {print $3}' '" . data . "'"))
bw = real(system("awk '/^# bandwidth_bytes_per_s/ {print $3}' '" . data . "'"))
set logscale xy
set xlabel 'arithmetic intensity (bit-MACs or FLOPs per byte)'
set ylabel 'work per second'
set title 'Roofline: ' . name
set key right bottom
set xrange [0.1:10000]
roof(x, p) = (bw * x < p) ? bw * x : p
plot roof(x, peak_b) title 'bit-MAC ceiling (best variant, all cores)' lw 2, \
     roof(x, peak_f) title 'fp32 FLOP ceiling (widest FMA, all cores)' lw 2 dt 2, \
     data using ($7):(strcol(1) eq 'w1a1' ? $8 : 1/0) with points pt 7 title 'w1a1 kernels', \
     data using ($7):(strcol(1) eq 'fp32' ? $8 : 1/0) with points pt 5 title 'libxsmm fp32'
