/* Calibration for w8a8 (docs/model.md section 3b): the fp32 twin runs over a set of examples
 * and the largest |value| each layer input takes there sets that input's static activation
 * scale, sx = amax / 127. The maximum is order-free, so the scales do not depend on the
 * threads, the batching or the order of the examples' rows. */
#ifndef BEEX_MODEL_CALIBRATE_H
#define BEEX_MODEL_CALIBRATE_H

#include <stddef.h>
#include <stdint.h>

#include "harness/model/model.h"

/* How many examples calibrate a model by default (`beex quantize --calib-examples`): the
 * first ones of the file. */
#define BEEX_CALIB_DEFAULT_EXAMPLES 1024

/* Examples per engine call: large enough to split across every thread, small enough that the
 * scratch of one call stays modest. */
#define BEEX_CALIB_BATCH 256

/* A short name of layer input k (BEEX_ACT_*): "x", "heads", "y", "g", "u". */
const char *beex_act_input_name(int k);

/* amax[b * BEEX_ACT_INPUTS + k] (blocks x BEEX_ACT_INPUTS floats, zeroed here) = the largest
 * |value| input k of block b took over n examples of token ids (lens[i] ids each, cut at
 * max_len as the engine cuts them), in the fp32 twin of m on `threads` threads (<= 0: the
 * OpenMP default). m needs latent weights. Returns 0, or -1 with err set (bad ids, a
 * non-finite value in the pass, no memory). */
int beex_calibrate_amax(const beex_model *m, const int32_t *const *ids, const int *lens, int n,
                        int threads, float *amax, char *err, size_t errlen);

/* scale[i] = amax[i] / 127.0f for blocks x BEEX_ACT_INPUTS inputs. An input whose amax is 0
 * (it never left zero) or not finite has no usable scale: refused, naming block and input. */
int beex_calibrate_scales(const beex_config *cfg, const float *amax, float *scale, char *err,
                          size_t errlen);

/* Both, then the scales written into every layer of m (beex_model_set_act_scales). m is left
 * as it was on error. */
int beex_calibrate(beex_model *m, const int32_t *const *ids, const int *lens, int n, int threads,
                   char *err, size_t errlen);

#endif
