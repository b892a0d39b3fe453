/* Temperature scaling per exit (Guo et al., On Calibration of Modern Neural Networks, ICML
 * 2017): exit i's logits z become z / T_i, with T_i fitted on dev by minimising the negative
 * log-likelihood of the labels. The argmax does not change; the entropy and the largest
 * probability that entropy and confidence rules read do (docs/traces.md). */
#ifndef BEEX_EVAL_TEMPERATURE_H
#define BEEX_EVAL_TEMPERATURE_H

#include "harness/eval/trace.h"

#define BEEX_TEMPERATURE_MIN 0.05
#define BEEX_TEMPERATURE_MAX 20.0

/* Mean negative log-likelihood (nats) of the labels under softmax(z / T) at exit `block`
 * (0-based) of t, in double with the canonical exp and log (the same bits on every CPU). */
double beex_temperature_nll(const beex_trace *t, int block, double T);

/* The T in [BEEX_TEMPERATURE_MIN, BEEX_TEMPERATURE_MAX] minimising that NLL: golden-section
 * search on ln T, a fixed 80 steps (the NLL is convex in 1 / T, so unimodal in ln T), which
 * leaves the bracket far below 1e-9 wide. Deterministic. */
double beex_temperature_fit(const beex_trace *t, int block);

/* Divides exit b's logits by T[b] (t->blocks entries) for every example and recomputes their
 * entropy as the engine does. A logit that ties the largest after rounding to float is nudged
 * one float up, so the prediction stays that of the unscaled logits. */
void beex_temperature_apply(beex_trace *t, const double *T);

#endif
