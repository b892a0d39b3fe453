/* libFuzzer target for the `beex data prepare` source parsers that read one file: the Pattern
 * CSV (mr, subj) and Weka ARFF (reuters) readers. The input is split at the first 0xFF
 * (fuzz_util.h): part 0 is parsed as a Pattern CSV, part 1 as an ARFF file, each into its own
 * collector. A parse must succeed or fail with a message naming the file; on success every
 * kept example has a label in range, a split in range and a clean one-line text (no tab, no
 * newline, no control character, no leading or trailing space), which the TSV writer relies
 * on. Build: -DBEEX_FUZZ=ON with CC=clang; run: scripts/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "harness/text/prepare.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_kept(const beex_prep *p)
{
    for (size_t i = 0; i < beex_prep_size(p); i++) {
        int label = -1, split = -2;
        const char *t = beex_prep_get(p, i, &label, &split);
        if (t == NULL || label < 0 || label > 1 || split < -1 || split > 2)
            abort();
        size_t n = strlen(t);
        if (n == 0 || t[0] == ' ' || t[n - 1] == ' ')
            abort();
        for (size_t k = 0; k < n; k++)
            if ((unsigned char)t[k] < 0x20 || t[k] == 0x7f)
                abort();
    }
}

static void parse(int arff, const char *path, const fuzz_part *part)
{
    static const char *const labels[2] = {"neg", "pos"};
    char err[4400] = "";
    fuzz_write(path, part->p, part->n);
    beex_prep *p = beex_prep_new(labels, 2, 1);
    if (p == NULL)
        abort();
    int rc =
        arff ? beex_prepare_arff(path, "neg", "pos", BEEX_PREP_TRAIN_CARVE_DEV, p, err, sizeof err)
             : beex_prepare_pattern_csv(path, "neg", "pos", p, err, sizeof err);
    fuzz_note(arff ? "arff" : "pattern csv", rc, err);
    if (rc != 0 && strstr(err, path) == NULL)
        abort();
    if (rc == 0)
        check_kept(p);
    beex_prep_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *dir = fuzz_scratch("prepare");
    char csv[4200], arff[4200];
    fuzz_path(csv, sizeof csv, dir, "polarity.csv");
    fuzz_path(arff, sizeof arff, dir, "data.arff");
    fuzz_part parts[2];
    int n = fuzz_split(data, size, parts, 2);
    parse(0, csv, &parts[0]);
    if (n > 1)
        parse(1, arff, &parts[1]);
    return 0;
}
