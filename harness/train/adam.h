/* Adam over the flat parameter array, and the resumable training state (Adam moments, step,
 * epoch, best dev accuracy) saved beside the last-epoch checkpoint. */
#ifndef BEEX_TRAIN_ADAM_H
#define BEEX_TRAIN_ADAM_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t n;
    float *m, *v;
    uint64_t step;
    double lr, beta1, beta2, eps;
} beex_adam;

int beex_adam_init(beex_adam *a, size_t n, double lr);
void beex_adam_free(beex_adam *a);
void beex_adam_reset(beex_adam *a); /* zero moments and step (a new training stage) */
/* theta -= lr * mhat / (sqrt(vhat) + eps), elementwise (OpenMP; order-independent). */
void beex_adam_step(beex_adam *a, float *theta, const float *grad);

/* Where training stands after a finished epoch. */
typedef struct {
    int32_t epochs_done;
    int32_t best_epoch; /* 1-based, 0 = none yet */
    double best_dev;
    uint64_t params_fingerprint; /* FNV-1a of the parameters, checked on resume */
} beex_train_state;

uint64_t beex_params_fingerprint(const float *theta, size_t n);
/* Atomic write / checked read of "<state file>": header, state, Adam moments. */
int beex_train_state_save(const char *path, const beex_adam *a, const beex_train_state *s,
                          char *err, size_t errlen);
int beex_train_state_load(const char *path, beex_adam *a, beex_train_state *s, char *err,
                          size_t errlen);

#endif
