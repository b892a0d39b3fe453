#!/bin/sh
# Regenerates the synthetic polarity set used by the training tests (committed output; real
# data sets are "research use" and must not be committed). Each sentence mixes neutral
# filler with words of its class and, sometimes, one misleading word of the other class, so
# the task is learnable but not trivially by one token. Labels are 60/40 (neg/pos) so
# beating the majority class means something.
set -eu
cd "$(dirname "$0")"
gen() { # split seed count
    awk -v seed="$2" -v n="$3" 'BEGIN {
        srand(seed);
        split("good great fine superb lovely moving witty charming fresh smart", P, " ");
        split("bad dull awful boring weak tired flat silly messy bland", N, " ");
        split("the a film movie story plot it is was and of with this that cast scene director end too very", F, " ");
        for (i = 0; i < n; i++) {
            pos = rand() < 0.4; len = 6 + int(rand() * 10); s = "";
            nclass = 1 + int(rand() * 2);
            for (t = 0; t < len; t++) {
                r = rand();
                if (t < nclass || r < 0.08) w = pos ? P[1 + int(rand() * 10)] : N[1 + int(rand() * 10)];
                else if (r < 0.14) w = pos ? N[1 + int(rand() * 10)] : P[1 + int(rand() * 10)];
                else w = F[1 + int(rand() * 19)];
                words[t] = w;
            }
            for (t = len - 1; t > 0; t--) { j = int(rand() * (t + 1)); x = words[t]; words[t] = words[j]; words[j] = x; }
            for (t = 0; t < len; t++) s = s (t ? " " : "") words[t];
            printf "%s\t%s\n", pos ? "pos" : "neg", s;
        }
    }' > "$1.tsv"
}
mkdir -p synth
cd synth
gen train 11 300
gen dev 12 100
gen test 13 100
