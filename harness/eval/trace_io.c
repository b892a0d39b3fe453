#include "harness/eval/trace_io.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/atomic_file.h"
#include "harness/base/input_file.h"
#include "harness/model/exit.h"

int beex_trace_write_csv(const beex_trace *t, const char *path, char *err, size_t errlen)
{
    beex_atomic_file af;
    if (beex_atomic_open(&af, path, err, errlen) != 0)
        return -1;
    if (t->origin[0] != '\0')
        fprintf(af.f, "# beex trace %s\n", t->origin);
    fprintf(af.f, "example,label,len,block,entropy,prediction");
    for (int c = 0; c < t->classes; c++)
        fprintf(af.f, ",logit_%d", c);
    fputc('\n', af.f);
    for (int i = 0; i < t->n; i++)
        for (int b = 0; b < t->blocks; b++) {
            const float *z = t->logits + ((size_t)i * t->blocks + b) * t->classes;
            fprintf(af.f, "%d,%d,%d,%d,%.9g,%d", t->index[i], t->label[i], t->len[i], b + 1,
                    (double)t->entropy[(size_t)i * t->blocks + b], beex_argmax(z, t->classes));
            for (int c = 0; c < t->classes; c++)
                fprintf(af.f, ",%.9g", (double)z[c]);
            fputc('\n', af.f);
        }
    return beex_atomic_commit(&af, err, errlen);
}

/* Parses one number field ending at ',' or end of line; advances *p. */
static int field_double(char **p, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(*p, &end);
    if (end == *p || errno == ERANGE || (*end != ',' && *end != '\0' && *end != '\n'))
        return -1;
    *p = *end == ',' ? end + 1 : end;
    return 0;
}

/* A trace file's shape, from its first pass. */
typedef struct {
    int hdr; /* header lines: the column names, and the origin line when there is one */
    int classes, rows, blocks;
    char origin[sizeof((beex_trace *)0)->origin];
} trace_shape;

/* Pass 1: the optional origin line, the header (classes) and the shape, every row's integer
 * fields checked. Returns 0, or -1 with err set. */
static int scan_shape(FILE *f, const char *path, char **line, size_t *cap, trace_shape *sh,
                      char *err, size_t errlen)
{
    memset(sh, 0, sizeof *sh);
    sh->hdr = 1;
    ssize_t got = getline(line, cap, f);
    if (got > 13 && strncmp(*line, "# beex trace ", 13) == 0) {
        snprintf(sh->origin, sizeof sh->origin, "%.*s", (int)strcspn(*line + 13, "\r\n"),
                 *line + 13);
        sh->hdr = 2;
        got = getline(line, cap, f);
    }
    if (got < 0 || strncmp(*line, "example,label,len,block,entropy,", 32) != 0) {
        snprintf(err, errlen, "%s: line %d: not a beex trace (header missing)", path, sh->hdr);
        return -1;
    }
    for (char *q = *line; (q = strstr(q, ",logit_")) != NULL; q++)
        sh->classes++;
    while (getline(line, cap, f) >= 0) {
        /* Four integer fields, each range-checked before any cast (a value past INT_MAX must
         * be an error, not undefined behaviour). */
        long v[4];
        char *p = *line;
        int ok = 1;
        for (int k = 0; k < 4 && ok; k++) {
            char *end;
            errno = 0;
            v[k] = strtol(p, &end, 10);
            ok = end != p && *end == ',' && errno == 0 && v[k] >= 0 && v[k] <= INT32_MAX;
            p = end + 1;
        }
        if (!ok || v[3] < 1 || v[3] > BEEX_MAX_BLOCKS || v[2] < 1) {
            snprintf(err, errlen, "%s: line %d: malformed row or a field out of range", path,
                     sh->rows + sh->hdr + 1);
            return -1;
        }
        if ((int)v[3] > sh->blocks)
            sh->blocks = (int)v[3];
        if (sh->rows == INT32_MAX) {
            snprintf(err, errlen, "%s: too many rows", path);
            return -1;
        }
        sh->rows++;
    }
    if (sh->classes < 1 || sh->blocks < 1 || sh->blocks > BEEX_MAX_BLOCKS ||
        sh->rows % sh->blocks != 0) {
        snprintf(err, errlen, "%s: inconsistent trace (%d rows, %d blocks, %d classes)", path,
                 sh->rows, sh->blocks, sh->classes);
        return -1;
    }
    return 0;
}

/* Pass 2 (the file rewound): the values into t, allocated to the shape; rows must come
 * example by example, blocks 1..N in order. Returns 0, or -1 with err set. */
static int read_values(FILE *f, const char *path, char **line, size_t *cap, const trace_shape *sh,
                       beex_trace *t, char *err, size_t errlen)
{
    int hdr = sh->hdr, classes = sh->classes, rows = sh->rows, blocks = sh->blocks;
    for (int h = 0; h < hdr; h++)
        if (getline(line, cap, f) < 0)
            goto io_fail;
    for (int r = 0; r < rows; r++) {
        if (getline(line, cap, f) < 0)
            goto io_fail;
        int i = r / blocks, b = r % blocks;
        double v[6];
        char *p = *line;
        for (int k = 0; k < 6; k++)
            if (field_double(&p, &v[k]) != 0) {
                snprintf(err, errlen, "%s: line %d: bad number in column %d", path, r + hdr + 1,
                         k + 1);
                return -1;
            }
        /* Pass 1 bounded these fields; the doubles are whole numbers in int range. */
        if (v[3] != b + 1 || v[1] < 0 || v[1] >= classes || v[2] < 1 || v[2] > INT32_MAX ||
            v[0] < 0 || v[0] > INT32_MAX || (b > 0 && v[0] != t->index[i])) {
            snprintf(err, errlen, "%s: line %d: rows out of order or label/len out of range", path,
                     r + hdr + 1);
            return -1;
        }
        /* An entropy is finite and not negative, a logit finite (as floats): anything else
         * would replay as exits and predictions no model made. */
        if (!isfinite((float)v[4]) || v[4] < 0) {
            snprintf(err, errlen, "%s: line %d: entropy %g is not a finite number >= 0", path,
                     r + hdr + 1, v[4]);
            return -1;
        }
        t->index[i] = (int32_t)v[0];
        t->label[i] = (int32_t)v[1];
        t->len[i] = (int32_t)v[2];
        t->entropy[(size_t)i * blocks + b] = (float)v[4];
        float *z = t->logits + ((size_t)i * blocks + b) * classes;
        for (int c = 0; c < classes; c++) {
            double x;
            if (field_double(&p, &x) != 0) {
                snprintf(err, errlen, "%s: line %d: bad logit %d", path, r + hdr + 1, c);
                return -1;
            }
            if (!isfinite((float)x)) {
                snprintf(err, errlen, "%s: line %d: logit %d is %g, not a finite number", path,
                         r + hdr + 1, c, x);
                return -1;
            }
            z[c] = (float)x;
        }
    }
    return 0;
io_fail:
    snprintf(err, errlen, "%s: read error", path);
    return -1;
}

int beex_trace_read_csv(const char *path, beex_trace *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    FILE *f = beex_input_fopen(path, BEEX_INPUT_MAX_DATA, err, errlen);
    if (f == NULL)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    trace_shape sh;
    int rc = -1;
    if (scan_shape(f, path, &line, &cap, &sh, err, errlen) != 0)
        goto done;
    if (beex_trace_alloc(t, sh.rows / sh.blocks, sh.blocks, sh.classes) != 0) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto done;
    }
    memcpy(t->origin, sh.origin, sizeof sh.origin);
    rewind(f);
    rc = read_values(f, path, &line, &cap, &sh, t, err, errlen);
    if (rc != 0)
        beex_trace_free(t);
done:
    free(line);
    fclose(f);
    return rc;
}

typedef struct {
    int32_t index;
    int part, row;
} slot;

static int cmp_slot(const void *a, const void *b)
{
    int32_t x = ((const slot *)a)->index, y = ((const slot *)b)->index;
    return (x > y) - (x < y);
}

int beex_trace_concat(const beex_trace *parts, int nparts, beex_trace *out, char *err,
                      size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (nparts < 1) {
        snprintf(err, errlen, "no trace to merge");
        return -1;
    }
    int n = 0;
    for (int k = 0; k < nparts; k++) {
        if (strcmp(parts[k].origin, parts[0].origin) != 0) {
            snprintf(err, errlen, "shard %d comes from %s, shard 0 from %s", k,
                     parts[k].origin[0] ? parts[k].origin : "an unknown model and data",
                     parts[0].origin[0] ? parts[0].origin : "an unknown model and data");
            return -1;
        }
        if (parts[k].blocks != parts[0].blocks || parts[k].classes != parts[0].classes) {
            snprintf(err, errlen, "shard %d has %d blocks x %d classes, shard 0 has %d x %d", k,
                     parts[k].blocks, parts[k].classes, parts[0].blocks, parts[0].classes);
            return -1;
        }
        n += parts[k].n;
    }
    slot *s = malloc((size_t)(n > 0 ? n : 1) * sizeof *s);
    if (s == NULL || beex_trace_alloc(out, n, parts[0].blocks, parts[0].classes) != 0) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int m = 0;
    for (int k = 0; k < nparts; k++)
        for (int r = 0; r < parts[k].n; r++)
            s[m++] = (slot){parts[k].index[r], k, r};
    qsort(s, (size_t)n, sizeof *s, cmp_slot);
    memcpy(out->origin, parts[0].origin, sizeof out->origin);
    int B = out->blocks, C = out->classes;
    for (int i = 0; i < n; i++) {
        if (s[i].index != i) {
            snprintf(err, errlen, "example %d is %s in the shards", i,
                     s[i].index < i ? "duplicated" : "missing");
            free(s);
            beex_trace_free(out);
            return -1;
        }
        const beex_trace *p = &parts[s[i].part];
        out->index[i] = i;
        out->label[i] = p->label[s[i].row];
        out->len[i] = p->len[s[i].row];
        memcpy(out->entropy + (size_t)i * B, p->entropy + (size_t)s[i].row * B, B * sizeof(float));
        memcpy(out->logits + (size_t)i * B * C, p->logits + (size_t)s[i].row * B * C,
               (size_t)B * C * sizeof(float));
    }
    free(s);
    return 0;
}
