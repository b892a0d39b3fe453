/* Calibration for w8a8 (see calibrate.h): the engine's fp32 pass with its observer attached
 * (beex_engine_set_observer), every block run (no early exit), batch after batch. */
#include "harness/model/calibrate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/model/engine.h"
#include "kernels/cpu.h"

const char *beex_act_input_name(int k)
{
    static const char *const names[BEEX_ACT_INPUTS] = {"x", "heads", "y", "g", "u"};
    return k >= 0 && k < BEEX_ACT_INPUTS ? names[k] : "?";
}

int beex_calibrate_amax(const beex_model *m, const int32_t *const *ids, const int *lens, int n,
                        int threads, float *amax, char *err, size_t errlen)
{
    size_t na = (size_t)m->cfg.blocks * BEEX_ACT_INPUTS;
    memset(amax, 0, na * sizeof *amax);
    if (n < 1) {
        snprintf(err, errlen, "calibration needs at least one example");
        return -1;
    }
    beex_engine_options eo = {BEEX_PREC_FP32, -1, threads};
    beex_engine *e = NULL;
    if (beex_engine_create(m, &eo, &e, err, errlen) != BEEX_OK)
        return -1;
    beex_exit_result *res = malloc((size_t)BEEX_CALIB_BATCH * sizeof *res);
    int rc = res != NULL && beex_engine_set_observer(e, amax) == BEEX_OK ? 0 : -1;
    if (rc != 0)
        snprintf(err, errlen, "out of memory for calibration");
    for (int i = 0; rc == 0 && i < n; i += BEEX_CALIB_BATCH) {
        int nb = n - i < BEEX_CALIB_BATCH ? n - i : BEEX_CALIB_BATCH;
        memset(res, 0, (size_t)nb * sizeof *res); /* the failing example alone gets -1 */
        /* delta = -inf: no example exits early, so every block sees every example. */
        int krc = beex_engine_run_batch(e, ids + i, lens + i, nb, -INFINITY, res, NULL, NULL);
        if (krc == BEEX_ENONFINITE) {
            int bad = 0;
            while (bad < nb && res[bad].prediction >= 0)
                bad++;
            snprintf(err, errlen,
                     "calibration example %d: the fp32 pass gave a value that is not finite "
                     "(block %d)",
                     i + bad, bad < nb ? res[bad].exit_block : 0);
            rc = -1;
        } else if (krc == BEEX_EINVAL) {
            snprintf(err, errlen,
                     "calibration examples %d to %d: an empty example or a token id outside "
                     "the vocabulary [0, %d)",
                     i, i + nb - 1, m->cfg.vocab);
            rc = -1;
        } else if (krc != BEEX_OK) {
            snprintf(err, errlen, "calibration: the fp32 pass failed (code %d)", krc);
            rc = -1;
        }
    }
    beex_engine_free(e);
    free(res);
    return rc;
}

int beex_calibrate_scales(const beex_config *cfg, const float *amax, float *scale, char *err,
                          size_t errlen)
{
    for (int b = 0; b < cfg->blocks; b++)
        for (int k = 0; k < BEEX_ACT_INPUTS; k++) {
            size_t i = (size_t)b * BEEX_ACT_INPUTS + (size_t)k;
            if (!(amax[i] > 0.0f) || !isfinite(amax[i])) {
                snprintf(err, errlen,
                         "calibration: block %d's input %s has max |value| %g over the "
                         "examples; no int8 scale can be made of it",
                         b, beex_act_input_name(k), (double)amax[i]);
                return -1;
            }
            scale[i] = amax[i] / 127.0f;
        }
    return 0;
}

int beex_calibrate(beex_model *m, const int32_t *const *ids, const int *lens, int n, int threads,
                   char *err, size_t errlen)
{
    size_t na = (size_t)m->cfg.blocks * BEEX_ACT_INPUTS;
    float *amax = malloc(na * sizeof *amax), *scale = malloc(na * sizeof *scale);
    int rc = -1;
    if (amax == NULL || scale == NULL)
        snprintf(err, errlen, "out of memory for calibration");
    else if (beex_calibrate_amax(m, ids, lens, n, threads, amax, err, errlen) == 0 &&
             beex_calibrate_scales(&m->cfg, amax, scale, err, errlen) == 0) {
        beex_model_set_act_scales(m, scale);
        rc = 0;
    }
    free(amax);
    free(scale);
    return rc;
}
