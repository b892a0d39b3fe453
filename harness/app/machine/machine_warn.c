/* What makes a bundle's figures doubtful, in sentences for the report: an accuracy check
 * that failed, a machine already busy when the run started, an emulator, noisy repetitions. */
#include <math.h>
#include <stdio.h>

#include "harness/app/machine/machine_internal.h"

json_t *beex_machine_warnings(const beex_machine_figures *f)
{
    json_t *w = json_array();
    char msg[700];
    if (!f->valid) {
        const json_t *reasons = json_object_get(f->doc, "invalid_reasons");
        size_t i;
        json_t *r;
        if (json_array_size(reasons) == 0)
            json_array_append_new(w, json_string("invalid: the bundle says so without a reason"));
        json_array_foreach(reasons, i, r)
        {
            snprintf(msg, sizeof msg, "invalid: %.600s", json_string_value(r));
            json_array_append_new(w, json_string(msg));
        }
    }
    if (f->allowed_cores > 0 && f->load_before > BEEX_MACHINE_LOAD_PER_CORE * f->allowed_cores) {
        snprintf(msg, sizeof msg,
                 "loaded: load average %.2f before the run on %.0f allowed cores (above %.1f per "
                 "core): other work shared the machine",
                 f->load_before, f->allowed_cores, BEEX_MACHINE_LOAD_PER_CORE);
        json_array_append_new(w, json_string(msg));
    }
    if (f->emulated)
        json_array_append_new(w, json_string("emulated: run under an emulator; its times are "
                                             "not measurements"));
    if (isfinite(f->cv_median) && f->cv_median > BEEX_MACHINE_NOISY_CV) {
        snprintf(msg, sizeof msg,
                 "noisy: median coefficient of variation %.1f %% over the kernel and model "
                 "repetitions (above %.0f %%)",
                 100.0 * f->cv_median, 100.0 * BEEX_MACHINE_NOISY_CV);
        json_array_append_new(w, json_string(msg));
    }
    return w;
}
