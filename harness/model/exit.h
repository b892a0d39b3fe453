/* Exit rules (docs/exit-rules.md) applied to a full-depth trace of one example. Every rule
 * returns the 1-based exit block; block N always exits. Used by the engine online and by
 * the sweep replay offline, so both agree by construction. */
#ifndef BEEX_MODEL_EXIT_H
#define BEEX_MODEL_EXIT_H

/* The paper's rule: r_i = (H_{i-1} - H_i) / max(H_{i-1}, 1e-12); exit after block i
 * (2 <= i < N) when r_i < delta. */
int beex_exit_entropy_ratio(const float *entropy, int nblocks, double delta);
/* Decides at block i (1-based, i >= 2) given H_{i-1}, H_i: 1 = exit here. */
int beex_exit_entropy_ratio_step(float h_prev, float h_cur, double delta);

/* The rules the engine applies online, block by block (static depth is a cap, max_exit). */
typedef enum {
    BEEX_EXIT_ENTROPY_RATIO, /* the paper's delta */
    BEEX_EXIT_ENTROPY,       /* DeeBERT's tau */
    BEEX_EXIT_PATIENCE       /* PABEE's patience */
} beex_exit_kind;

typedef struct {
    beex_exit_kind kind;
    double param;
} beex_exit_rule;

/* What an example carries from block to block. Zero-initialise before block 1. */
typedef struct {
    float h_prev;
    int argmax_prev, same;
} beex_exit_state;

/* Decides after block `block` (1-based, < nblocks: the last block always exits) given its
 * entropy h and argmax; updates s. 1 = exit here. The offline functions below are loops
 * over it, so the engine and the replay agree by construction. */
int beex_exit_online(const beex_exit_rule *r, beex_exit_state *s, int block, float h, int argmax);

/* DeeBERT: first block i with H_i < tau. */
int beex_exit_entropy_abs(const float *entropy, int nblocks, double tau);
/* PABEE: first block where the argmax has not changed for `patience` consecutive blocks. */
int beex_exit_patience(const int *argmax, int nblocks, int patience);
/* Static depth k (clipped to [1, N]). */
int beex_exit_static(int nblocks, int k);

/* Natural-log entropy of softmax(z) over c classes, computed stably. */
float beex_entropy_of_logits(const float *z, int c);
int beex_argmax(const float *z, int c);

#endif
