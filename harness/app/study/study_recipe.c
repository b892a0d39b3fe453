#include "harness/app/study/study_recipe.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/input_file.h"

static const struct {
    const char *key;
    int arity;
} keys[] = {{"epochs", 1},
            {"fp32-epochs", 1},
            {"lr", 1},
            {"batch", 1},
            {"warmup", 1},
            {"lr-decay", 1},
            {"dropout", 1},
            {"d", 1},
            {"heads", 1},
            {"dff", 1},
            {"blocks", 1},
            {"max-len", 1},
            {"vocab", 1},
            {"glove", 1},
            {"glove-words", 1},
            {"freeze-embed", 0},
            {"exit-regime", 1},
            {"distill-alpha", 1},
            {"distill-temperature", 1}};

int beex_recipe_key_arity(const char *key)
{
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (strcmp(keys[i].key, key) == 0)
            return keys[i].arity;
    return -1;
}

static int int_in(const char *key, const char *s, long lo, long hi, int *out, char *err,
                  size_t errlen)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (s == NULL || *s == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi) {
        snprintf(err, errlen, "--%s needs an integer in [%ld, %ld], got '%s'", key, lo, hi,
                 s ? s : "");
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* kind: 0 closed [lo, hi], 1 open (lo, hi), 2 half-open [lo, hi). */
static int real_in(const char *key, const char *s, double lo, double hi, int kind, double *out,
                   char *err, size_t errlen)
{
    char *end;
    errno = 0;
    double v = s ? strtod(s, &end) : NAN;
    int ok = s != NULL && *s != '\0' && *end == '\0' && errno == 0 && isfinite(v);
    if (ok)
        ok = kind == 0 ? v >= lo && v <= hi : kind == 1 ? v > lo && v < hi : v >= lo && v < hi;
    if (!ok) {
        snprintf(err, errlen, "--%s needs a number in %c%g, %g%c, got '%s'", key,
                 kind == 1 ? '(' : '[', lo, hi, kind == 0 ? ']' : ')', s ? s : "");
        return -1;
    }
    *out = v;
    return 0;
}

int beex_recipe_apply(beex_train_options *o, const char *k, const char *v, char *err, size_t errlen)
{
    beex_config *c = &o->cfg;
    double x;
    if (strcmp(k, "epochs") == 0)
        return int_in(k, v, 1, 100000, &o->epochs, err, errlen);
    if (strcmp(k, "fp32-epochs") == 0)
        return int_in(k, v, 0, 100000, &o->fp32_epochs, err, errlen);
    if (strcmp(k, "batch") == 0)
        return int_in(k, v, 1, 1 << 16, &o->batch, err, errlen);
    if (strcmp(k, "d") == 0)
        return int_in(k, v, 1, 16384, &c->d, err, errlen);
    if (strcmp(k, "heads") == 0)
        return int_in(k, v, 1, 16384, &c->heads, err, errlen);
    if (strcmp(k, "dff") == 0)
        return int_in(k, v, 1, 65536, &c->dff, err, errlen);
    if (strcmp(k, "blocks") == 0)
        return int_in(k, v, 1, BEEX_TRAIN_MAX_BLOCKS, &c->blocks, err, errlen);
    if (strcmp(k, "max-len") == 0)
        return int_in(k, v, 1, 65536, &c->max_len, err, errlen);
    if (strcmp(k, "vocab") == 0)
        return int_in(k, v, 3, 1 << 22, &c->vocab, err, errlen);
    if (strcmp(k, "glove-words") == 0)
        return int_in(k, v, 0, 1 << 20, &o->glove_words, err, errlen);
    if (strcmp(k, "lr") == 0)
        return real_in(k, v, 0, 1, 1, &o->lr, err, errlen);
    if (strcmp(k, "warmup") == 0)
        return real_in(k, v, 0, 1, 0, &o->warmup, err, errlen);
    if (strcmp(k, "dropout") == 0) {
        if (real_in(k, v, 0, 1, 2, &x, err, errlen) != 0)
            return -1;
        o->dropout = (float)x;
        return 0;
    }
    if (strcmp(k, "lr-decay") == 0) {
        if (v == NULL || (strcmp(v, "linear") != 0 && strcmp(v, "none") != 0)) {
            snprintf(err, errlen, "--lr-decay is linear or none, got '%s'", v ? v : "");
            return -1;
        }
        o->lr_decay = v[0] == 'l';
        return 0;
    }
    if (strcmp(k, "glove") == 0) {
        if (v == NULL || *v == '\0') {
            snprintf(err, errlen, "--glove needs a file or none");
            return -1;
        }
        o->glove = strcmp(v, "none") == 0 ? NULL : v;
        return 0;
    }
    if (strcmp(k, "freeze-embed") == 0) {
        o->freeze_embed = 1;
        return 0;
    }
    if (strcmp(k, "exit-regime") == 0) {
        int r = beex_exit_regime_parse(v);
        if (r < 0) {
            snprintf(err, errlen, "--exit-regime is one of %s, got '%s'", BEEX_REGIME_NAMES,
                     v ? v : "");
            return -1;
        }
        o->exit_regime = (beex_exit_regime)r;
        return 0;
    }
    if (strcmp(k, "distill-alpha") == 0)
        return real_in(k, v, 0, 1, 0, &o->distill_alpha, err, errlen);
    if (strcmp(k, "distill-temperature") == 0)
        return real_in(k, v, 0, INFINITY, 1, &o->distill_temperature, err, errlen);
    snprintf(err, errlen, "--%s is not a training option a study sets (%s)", k, BEEX_RECIPE_KEYS);
    return -1;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

int beex_recipe_add(beex_study_recipe *r, const char *task, int precision, const char *key,
                    const char *value, const char *origin, char *err, size_t errlen)
{
    char why[512];
    beex_train_options scratch;
    beex_train_options_default(&scratch);
    if (beex_recipe_apply(&scratch, key, value, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", origin, why);
        return -1;
    }
    if (r->n == r->cap) {
        int cap = r->cap ? 2 * r->cap : 16;
        beex_recipe_entry *e = realloc(r->e, (size_t)cap * sizeof *e);
        if (e == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        r->e = e;
        r->cap = cap;
    }
    beex_recipe_entry *e = &r->e[r->n];
    e->task = strdup(task);
    e->key = strdup(key);
    e->value = dup_or_null(value);
    e->origin = strdup(origin);
    e->precision = precision;
    if (e->task == NULL || e->key == NULL || (value && e->value == NULL) || e->origin == NULL) {
        free(e->task);
        free(e->key);
        free(e->value);
        free(e->origin);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->n++;
    return 0;
}

int beex_recipe_append(beex_study_recipe *r, const beex_study_recipe *more, char *err,
                       size_t errlen)
{
    for (int i = 0; i < more->n; i++) {
        const beex_recipe_entry *e = &more->e[i];
        if (beex_recipe_add(r, e->task, e->precision, e->key, e->value, e->origin, err, errlen) !=
            0)
            return -1;
    }
    return 0;
}

/* One recipe line: TASK PRECISION then --key [value] pairs. */
static int read_line(beex_study_recipe *r, char *line, const char *origin, char *err, size_t errlen)
{
    char *save = NULL, *task = strtok_r(line, " \t\r\n", &save);
    if (task == NULL || task[0] == '#')
        return 0;
    char *prec = strtok_r(NULL, " \t\r\n", &save);
    int p = -1;
    if (prec == NULL || (strcmp(prec, "*") != 0 && (p = beex_precision_parse(prec)) < 0)) {
        snprintf(err, errlen,
                 "%s: expected TASK PRECISION OPTIONS, with PRECISION fp32, w1a32, "
                 "w1a1, w8a8 or *; got '%s'",
                 origin, prec ? prec : "");
        return -1;
    }
    char *tok;
    while ((tok = strtok_r(NULL, " \t\r\n", &save)) != NULL) {
        if (tok[0] == '#')
            break;
        if (strncmp(tok, "--", 2) != 0 || beex_recipe_key_arity(tok + 2) < 0) {
            snprintf(err, errlen, "%s: unknown option '%s' (options: %s)", origin, tok,
                     BEEX_RECIPE_KEYS);
            return -1;
        }
        const char *value = NULL;
        if (beex_recipe_key_arity(tok + 2) == 1 &&
            (value = strtok_r(NULL, " \t\r\n", &save)) == NULL) {
            snprintf(err, errlen, "%s: %s needs a value", origin, tok);
            return -1;
        }
        if (beex_recipe_add(r, task, p, tok + 2, value, origin, err, errlen) != 0)
            return -1;
    }
    return 0;
}

int beex_recipe_read_file(beex_study_recipe *r, const char *path, char *err, size_t errlen)
{
    char why[4400];
    FILE *f = beex_input_fopen(path, BEEX_INPUT_MAX_SMALL, why, sizeof why);
    if (f == NULL) {
        snprintf(err, errlen, "--recipe %s", why);
        return -1;
    }
    char line[8192], origin[4200];
    int rc = 0;
    for (long n = 1; rc == 0 && fgets(line, sizeof line, f) != NULL; n++) {
        snprintf(origin, sizeof origin, "%s:%ld", path, n);
        if (strlen(line) == sizeof line - 1 && line[sizeof line - 2] != '\n') {
            snprintf(err, errlen, "%s: line too long", origin);
            rc = -1;
        } else {
            rc = read_line(r, line, origin, err, errlen);
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "--recipe %s: read error", path);
        rc = -1;
    }
    fclose(f);
    return rc;
}

void beex_recipe_free(beex_study_recipe *r)
{
    for (int i = 0; i < r->n; i++) {
        free(r->e[i].task);
        free(r->e[i].key);
        free(r->e[i].value);
        free(r->e[i].origin);
    }
    free(r->e);
    memset(r, 0, sizeof *r);
}

int beex_recipe_resolve(const beex_study_recipe *r, const char *task_name, int precision,
                        beex_train_options *o, char *err, size_t errlen)
{
    beex_train_options_default(o);
    o->cfg.precision = (beex_precision)precision;
    int fp32_given = 0, distill_given = 0;
    for (int i = 0; i < r->n; i++) {
        const beex_recipe_entry *e = &r->e[i];
        if ((strcmp(e->task, "*") != 0 && strcmp(e->task, task_name) != 0) ||
            (e->precision >= 0 && e->precision != precision))
            continue;
        char why[512];
        if (beex_recipe_apply(o, e->key, e->value, why, sizeof why) != 0) {
            snprintf(err, errlen, "%s: %s", e->origin, why);
            return -1;
        }
        fp32_given |= strcmp(e->key, "fp32-epochs") == 0;
        distill_given |= strncmp(e->key, "distill-", 8) == 0;
    }
    if (precision == BEEX_PREC_FP32)
        o->fp32_epochs = 0; /* the twin itself has no first stage */
    else if (!fp32_given && o->epochs > 2)
        o->fp32_epochs = 2;
    if (o->cfg.d % o->cfg.heads != 0) {
        snprintf(err, errlen, "%s %s: --d %d is not divisible by --heads %d", task_name,
                 beex_precision_name((beex_precision)precision), o->cfg.d, o->cfg.heads);
        return -1;
    }
    if (precision != BEEX_PREC_FP32 && o->fp32_epochs >= o->epochs) {
        snprintf(err, errlen, "%s %s: --fp32-epochs %d leaves no %s epoch of the %d", task_name,
                 beex_precision_name((beex_precision)precision), o->fp32_epochs,
                 beex_precision_name((beex_precision)precision), o->epochs);
        return -1;
    }
    if (distill_given && o->exit_regime != BEEX_REGIME_DISTILL) {
        snprintf(err, errlen,
                 "%s %s: --distill-alpha and --distill-temperature need --exit-regime "
                 "distill (the regime is %s)",
                 task_name, beex_precision_name((beex_precision)precision),
                 beex_exit_regime_name(o->exit_regime));
        return -1;
    }
    if (o->glove_words > 0 && o->glove == NULL) {
        snprintf(err, errlen, "%s %s: --glove-words needs --glove", task_name,
                 beex_precision_name((beex_precision)precision));
        return -1;
    }
    return 0;
}
