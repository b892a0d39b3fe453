/* beex's own trace_*.csv into beex-exit-trace/1: the logits as stored (they are floats, written
 * with the 9 digits that read them back exactly), the entropy left for the reader to compute
 * from them as the engine did, and the cost of every exit from the model's config at the
 * trace's precision, per example length, as the native replay charges it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/app/trace_convert/trace_convert_internal.h"
#include "harness/base/fingerprint.h"
#include "harness/eval/trace_io.h"
#include "harness/model/cost.h"
#include "harness/model/model.h"

/* The precision the trace was written at, after checking that it comes from this model file.
 * Returns it, or -1 with err set. */
static int trace_precision(const beex_trace *t, const char *in, const char *model, char *err,
                           size_t errlen)
{
    char fp[17], sha[65];
    const char *at = strstr(t->origin, " precision=");
    if (strncmp(t->origin, "model=", 6) != 0 || at == NULL) {
        snprintf(err, errlen,
                 "%s: the trace does not say which model and precision it comes from (written "
                 "by an older beex, or edited): trace again",
                 in);
        return -1;
    }
    if (beex_file_digests(model, fp, sha) != 0) {
        snprintf(err, errlen, "%s: cannot read", model);
        return -1;
    }
    if (strncmp(t->origin + 6, fp, 16) != 0 || t->origin[22] != ' ') {
        snprintf(err, errlen, "%s: traced from model %.16s, but %s is %s", in, t->origin + 6, model,
                 fp);
        return -1;
    }
    int prec = beex_precision_parse(at + 11);
    if (prec < 0)
        snprintf(err, errlen, "%s: unknown precision '%.20s' in the trace", in, at + 11);
    return prec;
}

/* dev or test, from the file's name when --split is not given (trace_dev.csv, shards too). */
static const char *split_of(const beex_trace_convert_options *o)
{
    if (o->split != NULL)
        return o->split;
    const char *base = strrchr(o->in, '/') ? strrchr(o->in, '/') + 1 : o->in;
    return strncmp(base, "trace_dev", 9) == 0     ? "dev"
           : strncmp(base, "trace_test", 10) == 0 ? "test"
                                                  : NULL;
}

static int write_examples(FILE *f, const beex_byo_header *h, const beex_trace *t,
                          const beex_config *cfg, beex_precision prec)
{
    int B = t->blocks, C = t->classes;
    double *v = malloc((size_t)B * C * sizeof *v);
    if (v == NULL)
        return -1;
    int rc = 0;
    for (int i = 0; i < t->n && rc == 0; i++) {
        double flops[BEEX_MAX_BLOCKS], bops[BEEX_MAX_BLOCKS], iops[BEEX_MAX_BLOCKS];
        for (int k = 0; k < B * C; k++)
            v[k] = t->logits[(size_t)i * B * C + k];
        for (int b = 0; b < B; b++) {
            beex_cost c = beex_cost_until(cfg, prec, t->len[i], b + 1);
            flops[b] = c.flops;
            bops[b] = c.bops;
            iops[b] = c.iops;
        }
        beex_byo_example ex = {NULL, t->index[i], t->label[i], t->len[i], v, 9, flops, bops, iops};
        rc = beex_byo_write_example(f, h, &ex);
    }
    free(v);
    return rc;
}

/* The header: the model's classes by name, the options' split, source and metric. */
static int make_header(const beex_trace_convert_options *o, const beex_model *m,
                       const beex_trace *t, beex_precision prec, beex_byo_header *h, char *err,
                       size_t errlen)
{
    h->classes = t->classes;
    h->exits = t->blocks;
    if ((h->class_names = calloc((size_t)h->classes, sizeof *h->class_names)) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int c = 0; c < h->classes; c++) {
        char num[16];
        snprintf(num, sizeof num, "%d", c);
        const char *name = m->labels && m->labels[c] ? m->labels[c] : num;
        if ((h->class_names[c] = strdup(name)) == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    char source[512];
    snprintf(source, sizeof source, "beex trace %.150s (%.96s); costs of %.150s at %s", o->in,
             t->origin, o->model, beex_precision_name(prec));
    if (beex_file_fingerprint(o->model, h->model) != 0) {
        snprintf(err, errlen, "%s: unreadable", o->model);
        return -1;
    }
    beex_trace_convert_options with_split = *o;
    with_split.split = split_of(o);
    if (with_split.split == NULL) {
        snprintf(err, errlen, "%s: give --split dev or test (the name says neither)", o->in);
        return -1;
    }
    return beex_tc_header_options(&with_split, source, h, err, errlen);
}

int beex_trace_convert_beex(const beex_trace_convert_options *o, char *err, size_t errlen)
{
    beex_trace t;
    beex_model *m = NULL;
    beex_byo_header h;
    beex_atomic_file af = {0};
    memset(&h, 0, sizeof h);
    int rc = -1, prec;
    if (beex_trace_read_csv(o->in, &t, err, errlen) != 0)
        return -1;
    if (beex_model_load(o->model, &m, err, errlen) != 0 ||
        (prec = trace_precision(&t, o->in, o->model, err, errlen)) < 0)
        goto done;
    if (t.blocks != m->cfg.blocks || t.classes != m->cfg.classes || t.blocks < 2) {
        snprintf(err, errlen, "%s: %d blocks x %d classes, but %s has %d x %d", o->in, t.blocks,
                 t.classes, o->model, m->cfg.blocks, m->cfg.classes);
        goto done;
    }
    if (make_header(o, m, &t, (beex_precision)prec, &h, err, errlen) != 0 ||
        beex_atomic_open(&af, o->out, err, errlen) != 0)
        goto done;
    if (beex_byo_write_header(af.f, &h) != 0 ||
        write_examples(af.f, &h, &t, &m->cfg, (beex_precision)prec) != 0) {
        snprintf(err, errlen, "%s: write error", o->out);
        beex_atomic_abort(&af);
        goto done;
    }
    rc = beex_tc_finish(&af, o->out, err, errlen);
done:
    beex_byo_header_free(&h);
    if (m != NULL)
        beex_model_free(m);
    beex_trace_free(&t);
    return rc;
}
