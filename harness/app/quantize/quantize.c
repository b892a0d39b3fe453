/* `beex quantize` (see quantize.h): read, tokenize, calibrate, write. */
#include "harness/app/quantize/quantize.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/fingerprint.h"
#include "harness/model/calibrate.h"
#include "harness/model/model.h"
#include "harness/text/read_file.h"
#include "harness/text/tokenizer.h"
#include "harness/text/utf8.h"

int beex_quantize_read_texts(const char *path, int max, char **buf, char ***texts, char *err,
                             size_t errlen)
{
    size_t len;
    *texts = NULL;
    *buf = beex_read_file(path, &len, err, errlen);
    if (*buf == NULL)
        return -1;
    char **t = malloc((size_t)(max > 0 ? max : 1) * sizeof *t);
    if (t == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    *texts = t;
    char *p = *buf, *end = *buf + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3; /* a UTF-8 byte order mark is not part of the first label */
    int n = 0;
    for (long line = 1; p < end && n < max; line++) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t k = (size_t)((nl != NULL ? nl : end) - p);
        if (memchr(p, '\0', k) != NULL) {
            snprintf(err, errlen, "%s:%ld: NUL byte in line", path, line);
            return -1;
        }
        size_t bad = beex_utf8_invalid_offset(p, k);
        if (bad < k) {
            snprintf(err, errlen, "%s:%ld: invalid UTF-8 at byte %zu of the line", path, line,
                     bad + 1);
            return -1;
        }
        if (k > 0 && p[k - 1] == '\r')
            k--; /* CRLF files */
        p[k] = '\0';
        if (k > 0) { /* blank lines are skipped, as the data set reader skips them */
            char *tab = memchr(p, '\t', k);
            if (tab == NULL || tab == p) {
                snprintf(err, errlen, "%s:%ld: %s (expected LABEL<TAB>TEXT)", path, line,
                         tab == NULL ? "no tab" : "empty label before the tab");
                return -1;
            }
            t[n++] = tab + 1;
        }
        p = nl != NULL ? nl + 1 : end;
    }
    if (n == 0) {
        snprintf(err, errlen, "%s: empty file (no examples)", path);
        return -1;
    }
    return n;
}

/* The model's extra metadata gains "calibration": the data file's fingerprint and the number
 * of examples, so a calibrated checkpoint says what it was calibrated on. */
static int record_calibration(beex_model *m, const char *data, int n, char *err, size_t errlen)
{
    json_t *extra = m->metadata_json ? json_loads(m->metadata_json, 0, NULL) : json_object();
    if (!json_is_object(extra)) { /* an extra that is not an object is kept as it was */
        json_decref(extra);
        return 0;
    }
    char fp[17] = "";
    json_t *cal = json_pack("{s:s, s:i}", "data_fingerprint",
                            beex_file_fingerprint(data, fp) == 0 ? fp : "unreadable", "examples",
                            (json_int_t)n);
    char *s = NULL;
    if (cal != NULL && json_object_set_new(extra, "calibration", cal) == 0)
        s = json_dumps(extra, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(extra);
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    free(m->metadata_json);
    m->metadata_json = s;
    return 0;
}

static void print_scales(const beex_model *m, const char *out, int n, long tokens)
{
    printf("quantize: %d examples (%ld tokens) through the fp32 twin -> %s\n", n, tokens, out);
    printf("activation scales (sx = max |value| / 127) per block:");
    for (int k = 0; k < BEEX_ACT_INPUTS; k++)
        printf(" %s", beex_act_input_name(k));
    printf("\n");
    for (int b = 0; b < m->cfg.blocks; b++) {
        const beex_block *B = &m->blocks[b];
        const float s[BEEX_ACT_INPUTS] = {B->q.act_scale, B->o.act_scale, B->w1.act_scale,
                                          B->w2.act_scale, B->w4.act_scale};
        printf("  block %2d:", b + 1);
        for (int k = 0; k < BEEX_ACT_INPUTS; k++)
            printf(" %.6g", (double)s[k]);
        printf("\n");
    }
}

int beex_quantize_run(const beex_quantize_options *o, char *err, size_t errlen)
{
    beex_model *m = NULL;
    char *buf = NULL, **texts = NULL;
    int32_t **ids = NULL;
    int *lens = NULL, n = 0, rc = -1;
    beex_vocab *vocab = NULL;
    char inner[384];
    if (beex_model_load(o->model, &m, err, errlen) != 0)
        return -1;
    if (m->tok_embed == NULL) {
        snprintf(err, errlen,
                 "%s: a deployment file has no latent weights to calibrate; give the "
                 "checkpoint it was exported from",
                 o->model);
        goto out;
    }
    if (m->vocab == NULL || (vocab = beex_vocab_from_tokens(m->vocab, m->cfg.vocab)) == NULL) {
        snprintf(err, errlen, "%s has no usable vocabulary to tokenize the data with", o->model);
        goto out;
    }
    if ((n = beex_quantize_read_texts(o->data, o->calib_examples, &buf, &texts, err, errlen)) < 0)
        goto out;
    ids = calloc((size_t)n, sizeof *ids);
    lens = calloc((size_t)n, sizeof *lens);
    if (ids == NULL || lens == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    long tokens = 0;
    for (int i = 0; i < n; i++) {
        if ((ids[i] = malloc((size_t)m->cfg.max_len * sizeof **ids)) == NULL) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        lens[i] = beex_encode(vocab, texts[i], ids[i], m->cfg.max_len, NULL);
        tokens += lens[i];
    }
    if (beex_calibrate(m, (const int32_t *const *)ids, lens, n, o->threads, inner, sizeof inner) !=
        0) {
        snprintf(err, errlen, "%s: %s", o->model, inner);
        goto out;
    }
    if (record_calibration(m, o->data, n, err, errlen) != 0 ||
        beex_model_save_checkpoint(m, o->out, err, errlen) != 0)
        goto out;
    print_scales(m, o->out, n, tokens);
    rc = 0;
out:
    for (int i = 0; ids != NULL && i < n; i++)
        free(ids[i]);
    free(ids);
    free(lens);
    free(texts);
    free(buf);
    beex_vocab_free(vocab);
    beex_model_free(m);
    return rc;
}
