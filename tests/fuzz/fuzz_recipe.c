/* libFuzzer target for the study's --recipe reader. The input is the recipe file; a read must
 * succeed or fail with a message naming FILE:LINE, and on success every entry must resolve
 * against the trainer's defaults for a task named by the first entry (or "t") at each
 * precision, or fail with a message: never crash, leak or read past a line.
 * Build: -DBEEX_FUZZ=ON with CC=clang; run: scripts/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "harness/app/study/study_recipe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[4200], err[4400];
    fuzz_path(path, sizeof path, fuzz_scratch("recipe"), "r.recipe");
    fuzz_write(path, data, size);
    beex_study_recipe r = {0};
    err[0] = '\0';
    int rc = beex_recipe_read_file(&r, path, err, sizeof err);
    fuzz_note("read", rc, err);
    /* A refusal must say where: the path, and the line when the file could be opened. */
    if (rc != 0 && strstr(err, path) == NULL)
        abort();
    if (rc == 0) {
        const char *task = r.n > 0 && strcmp(r.e[0].task, "*") != 0 ? r.e[0].task : "t";
        for (int prec = 0; prec < 3; prec++) {
            beex_train_options o;
            beex_train_options_default(&o);
            err[0] = '\0';
            int k = beex_recipe_resolve(&r, task, prec, &o, err, sizeof err);
            fuzz_note("resolve", k, err);
            if (k != 0 && err[0] == '\0')
                abort();
        }
    }
    beex_recipe_free(&r);
    return 0;
}
