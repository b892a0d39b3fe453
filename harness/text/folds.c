#include "harness/text/folds.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "harness/base/atomic_file.h"
#include "harness/text/read_file.h"

int beex_fold_of_text(const char *text, int k)
{
    uLong c = crc32(0L, (const Bytef *)text, (uInt)strlen(text));
    return (int)(c % (uLong)k);
}

static int copy_labels_file(const beex_dataset *ds, const char *dir, char *err, size_t errlen)
{
    char src[4200], dst[4200];
    snprintf(src, sizeof src, "%s/labels.txt", ds->dir);
    size_t len;
    char *buf = beex_read_file(src, &len, err, errlen);
    if (buf == NULL)
        return errno == ENOENT ? 0 : -1;
    snprintf(dst, sizeof dst, "%s/labels.txt", dir);
    beex_atomic_file af;
    int rc = -1;
    if (beex_atomic_open(&af, dst, err, errlen) == 0) {
        if (fwrite(buf, 1, len, af.f) != len) {
            snprintf(err, errlen, "%s: write failed", dst);
            beex_atomic_abort(&af);
        } else {
            rc = beex_atomic_commit(&af, err, errlen);
        }
    }
    free(buf);
    return rc;
}

int beex_folds_write(const beex_dataset *ds, int k, int f, const char *dir, char *err,
                     size_t errlen)
{
    if (k < BEEX_FOLDS_MIN || k > BEEX_FOLDS_MAX || f < 0 || f >= k) {
        snprintf(err, errlen, "fold %d of %d: needs %d <= K <= %d and 0 <= fold < K", f, k,
                 BEEX_FOLDS_MIN, BEEX_FOLDS_MAX);
        return -1;
    }
    static const char *const names[3] = {"train", "dev", "test"};
    const beex_split *src[3] = {&ds->train, &ds->dev, &ds->test};
    int dev_fold = (f + 1) % k;
    beex_atomic_file af[3];
    char path[4200];
    size_t count[3] = {0, 0, 0};
    for (int s = 0; s < 3; s++) {
        snprintf(path, sizeof path, "%s/%s.tsv", dir, names[s]);
        if (beex_atomic_open(&af[s], path, err, errlen) != 0) {
            for (int j = 0; j < s; j++)
                beex_atomic_abort(&af[j]);
            return -1;
        }
    }
    for (int s = 0; s < 3; s++)
        for (size_t i = 0; i < src[s]->n; i++) {
            const beex_example *e = &src[s]->ex[i];
            int fold = beex_fold_of_text(e->text, k);
            int to = fold == f ? 2 : fold == dev_fold ? 1 : 0;
            fprintf(af[to].f, "%s\t%s\n", ds->labels[e->label], e->text);
            count[to]++;
        }
    int rc = 0;
    for (int s = 0; s < 3; s++) {
        if (rc == 0 && count[s] == 0) {
            snprintf(err, errlen, "%s: fold %d of %d leaves the %s part empty", ds->dir, f, k,
                     names[s]);
            rc = -1;
        }
        if (rc != 0)
            beex_atomic_abort(&af[s]);
        else if (beex_atomic_commit(&af[s], err, errlen) != 0)
            rc = -1;
    }
    return rc == 0 ? copy_labels_file(ds, dir, err, errlen) : -1;
}
