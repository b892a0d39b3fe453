/* Exit rules (docs/exit-rules.md) applied block by block: online in the engine, one step per
 * block, and offline on a full-depth trace, as a loop over the same step, so that both agree
 * by construction. The rules themselves are listed in exit_rule_list.h (contract:
 * exit_rules.h). Blocks count from 1; block N always exits. */
#ifndef BEEX_MODEL_EXIT_H
#define BEEX_MODEL_EXIT_H

#include "harness/model/exit_rules.h"

/* Decides after block `block` (1-based, < nblocks: the last block always exits) from its row;
 * updates s. 1 = exit here. An unknown kind never exits. */
int beex_exit_online(const beex_exit_rule *r, beex_exit_state *s, int block,
                     const beex_exit_row *row);

/* Offline: the online step over rows[0 .. nblocks - 2] from a zero state; the first block
 * that exits, or nblocks (1 when nblocks < 1). */
int beex_exit_offline(const beex_exit_rule *r, const beex_exit_row *rows, int nblocks);

/* One example's rows from its full-depth trace (logits[nblocks * classes], entropy[nblocks]):
 * the stored entropy, and argmax and maxprob computed from the logits exactly as the engine
 * does. Only the fields in `uses` (BEEX_EXIT_USES_*) are filled; the others are NaN or -1,
 * which no rule exits on. */
void beex_exit_rows_of(const float *logits, const float *entropy, int nblocks, int classes,
                       unsigned uses, beex_exit_row *rows);

/* The four older rules' offline forms on the arrays they read (tests and `beex run --full`
 * use them): */
/* The paper's rule: r_i = (H_{i-1} - H_i) / max(H_{i-1}, 1e-12); exit after block i
 * (2 <= i < N) when r_i < delta. */
int beex_exit_entropy_ratio(const float *entropy, int nblocks, double delta);
/* Decides at block i (1-based, i >= 2) given H_{i-1}, H_i: 1 = exit here. */
int beex_exit_entropy_ratio_step(float h_prev, float h_cur, double delta);
/* DeeBERT: first block i with H_i < tau. */
int beex_exit_entropy_abs(const float *entropy, int nblocks, double tau);
/* PABEE: first block where the argmax has not changed for `patience` consecutive blocks. */
int beex_exit_patience(const int *argmax, int nblocks, int patience);
/* Static depth k (clipped to [1, N]). */
int beex_exit_static(int nblocks, int k);

/* Natural-log entropy of softmax(z) over c classes, computed stably; when maxprob is not NULL
 * it receives max_c softmax(z)_c = 1 / sum_c exp(z_c - max z) from the same sum (1 for c <= 1,
 * NaN with the entropy when a logit is not finite). The engine and the replay both read
 * these, so their bits agree. */
float beex_softmax_summary(const float *z, int c, double *maxprob);
float beex_entropy_of_logits(const float *z, int c);
int beex_argmax(const float *z, int c);

#endif
