/* A model file's metadata (docs/model.md section 8): format and version, the configuration as
 * JSON, the class names and the vocabulary, written into the safetensors header and read
 * back with every check a damaged or hostile file needs. */
#include "harness/model/model_meta.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ln_eps is written with the fewest digits that read back as the same float (1e-06, not
 * 9.99999997e-07), so the configuration stays readable for people and other tools. */
static char *config_json(const beex_config *c)
{
    int digits = 1;
    char buf[32];
    for (; digits < 9; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, (double)c->ln_eps);
        if ((float)strtod(buf, NULL) == c->ln_eps)
            break;
    }
    json_t *j = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:s, s:f}", "vocab", c->vocab, "d",
                          c->d, "heads", c->heads, "dff", c->dff, "blocks", c->blocks, "max_len",
                          c->max_len, "classes", c->classes, "precision",
                          beex_precision_name(c->precision), "ln_eps", (double)c->ln_eps);
    char *s =
        j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(digits)) : NULL;
    json_decref(j);
    return s;
}

static int config_int(json_t *j, const char *key, int *out, char *err, size_t errlen)
{
    json_t *v = json_object_get(j, key);
    if (!json_is_integer(v)) {
        snprintf(err, errlen, "bad metadata: config '%s' %s", key,
                 v == NULL ? "is missing" : "is not an integer");
        return -1;
    }
    if (json_integer_value(v) < 1 || json_integer_value(v) > INT_MAX) {
        snprintf(err, errlen, "bad metadata: config '%s' is %lld, outside 1..%d", key,
                 (long long)json_integer_value(v), INT_MAX);
        return -1;
    }
    *out = (int)json_integer_value(v);
    return 0;
}

int beex_model_meta_parse_config(const char *text, beex_config *c, char *err, size_t errlen)
{
    if (text == NULL) {
        snprintf(err, errlen, "bad metadata: no 'config' entry");
        return -1;
    }
    json_error_t je;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    int rc = -1;
    if (!json_is_object(j)) {
        snprintf(err, errlen, "bad metadata: 'config' is not a JSON object");
        goto out;
    }
    if (config_int(j, "vocab", &c->vocab, err, errlen) || config_int(j, "d", &c->d, err, errlen) ||
        config_int(j, "heads", &c->heads, err, errlen) ||
        config_int(j, "dff", &c->dff, err, errlen) ||
        config_int(j, "blocks", &c->blocks, err, errlen) ||
        config_int(j, "max_len", &c->max_len, err, errlen) ||
        config_int(j, "classes", &c->classes, err, errlen))
        goto out;
    int p = beex_precision_parse(json_string_value(json_object_get(j, "precision")));
    json_t *eps = json_object_get(j, "ln_eps");
    if (p < 0 || !json_is_number(eps)) {
        snprintf(err, errlen, "bad metadata: config 'precision' or 'ln_eps' missing or invalid");
        goto out;
    }
    c->precision = (beex_precision)p;
    c->ln_eps = (float)json_number_value(eps);
    char inner[200];
    if (beex_config_check(c, inner, sizeof inner) != 0) {
        snprintf(err, errlen, "bad metadata: %s", inner);
        goto out;
    }
    rc = 0;
out:
    json_decref(j);
    return rc;
}

static char *join_vocab(const beex_model *m, char *err, size_t errlen)
{
    size_t total = 1;
    for (int i = 0; i < m->cfg.vocab; i++) {
        const char *t = m->vocab ? m->vocab[i] : NULL;
        if (t != NULL && strchr(t, '\n') != NULL) {
            snprintf(err, errlen, "vocabulary token %d contains a newline", i);
            return NULL;
        }
        total += (t ? strlen(t) : 0) + 1;
    }
    char *s = malloc(total), *p = s;
    if (s == NULL) {
        snprintf(err, errlen, "out of memory joining the vocabulary");
        return NULL;
    }
    for (int i = 0; i < m->cfg.vocab; i++) {
        const char *t = m->vocab ? m->vocab[i] : NULL;
        size_t n = t ? strlen(t) : 0;
        memcpy(p, t ? t : "", n);
        p += n;
        *p++ = '\n';
    }
    *p = '\0';
    return s;
}

json_t *beex_model_meta_build(const beex_model *m, const char *precision, char *err, size_t errlen)
{
    /* A deployment's configuration names the precision it was exported for. */
    beex_config c = m->cfg;
    if (precision != NULL)
        c.precision = (beex_precision)beex_precision_parse(precision);
    json_t *md = json_object(), *labels = json_array();
    char *cfg = config_json(&c), *vocab = join_vocab(m, err, errlen), *lab = NULL;
    int ok = md && labels && cfg && vocab;
    for (int i = 0; ok && i < m->cfg.classes; i++) {
        char idx[16];
        snprintf(idx, sizeof idx, "%d", i);
        const char *name = m->labels && m->labels[i] ? m->labels[i] : idx;
        ok = json_array_append_new(labels, json_string(name)) == 0;
    }
    if (ok)
        ok = (lab = json_dumps(labels, JSON_COMPACT)) != NULL;
    if (ok)
        ok = !json_object_set_new(md, "format", json_string(BEEX_FILE_FORMAT)) &&
             !json_object_set_new(md, "version", json_string(BEEX_FILE_VERSION)) &&
             !json_object_set_new(md, "config", json_string(cfg)) &&
             !json_object_set_new(md, "labels", json_string(lab)) &&
             !json_object_set_new(md, "vocab", json_string(vocab)) &&
             (precision == NULL || !json_object_set_new(md, "precision", json_string(precision))) &&
             (m->metadata_json == NULL ||
              !json_object_set_new(md, "extra", json_string(m->metadata_json)));
    if (!ok && vocab != NULL)
        snprintf(err, errlen, "cannot build the file metadata (out of memory or invalid UTF-8)");
    free(cfg);
    free(vocab);
    free(lab);
    json_decref(labels);
    if (!ok) {
        json_decref(md);
        return NULL;
    }
    return md;
}

int beex_model_meta_read_labels(beex_model *m, const char *text, char *err, size_t errlen)
{
    json_error_t je;
    json_t *j = text ? json_loads(text, 0, &je) : NULL;
    int rc = -1;
    if (!json_is_array(j) || json_array_size(j) != (size_t)m->cfg.classes) {
        snprintf(err, errlen, "bad metadata: 'labels' must be a JSON array of %d strings",
                 m->cfg.classes);
        goto out;
    }
    for (int i = 0; i < m->cfg.classes; i++) {
        const char *s = json_string_value(json_array_get(j, (size_t)i));
        if (s == NULL) {
            snprintf(err, errlen, "bad metadata: label %d is not a string", i);
            goto out;
        }
        /* Labels map data by name (beex init refuses the same name twice): a duplicate
         * would send one class's examples to the other. */
        for (int k = 0; k < i; k++)
            if (strcmp(m->labels[k], s) == 0) {
                snprintf(err, errlen, "bad metadata: labels %d and %d are both named '%.100s'", k,
                         i, s);
                goto out;
            }
        if ((m->labels[i] = strdup(s)) == NULL) {
            snprintf(err, errlen, "out of memory reading the labels");
            goto out;
        }
    }
    rc = 0;
out:
    json_decref(j);
    return rc;
}

/* One token per line, id = line number; an empty line is an unset id. */
static int cmp_token(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    return strcmp(x ? x : "", y ? y : "");
}

/* Two ids for one token would make encoding depend on which one the index keeps. */
static int check_unique_tokens(const beex_model *m, char *err, size_t errlen)
{
    const char **s = malloc((size_t)m->cfg.vocab * sizeof *s);
    if (s == NULL) {
        snprintf(err, errlen, "out of memory checking the vocabulary");
        return -1;
    }
    memcpy(s, m->vocab, (size_t)m->cfg.vocab * sizeof *s);
    qsort(s, (size_t)m->cfg.vocab, sizeof *s, cmp_token);
    int rc = 0;
    for (int i = 1; i < m->cfg.vocab && rc == 0; i++)
        if (cmp_token(&s[i - 1], &s[i]) == 0) {
            snprintf(err, errlen, "bad metadata: vocabulary token '%.60s' appears twice",
                     s[i] ? s[i] : "");
            rc = -1;
        }
    free(s);
    return rc;
}

int beex_model_meta_read_vocab(beex_model *m, const char *text, char *err, size_t errlen)
{
    if (text == NULL) {
        snprintf(err, errlen, "bad metadata: no 'vocab' entry");
        return -1;
    }
    size_t lines = 1;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    size_t len = strlen(text);
    if (len > 0 && text[len - 1] == '\n')
        lines--;
    if (lines != (size_t)m->cfg.vocab) {
        snprintf(err, errlen, "bad metadata: 'vocab' has %zu lines, the configuration says %d",
                 lines, m->cfg.vocab);
        return -1;
    }
    const char *p = text;
    for (int i = 0; i < m->cfg.vocab; i++) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n > 0 && (m->vocab[i] = strndup(p, n)) == NULL) {
            snprintf(err, errlen, "out of memory reading the vocabulary");
            return -1;
        }
        p += n + (nl != NULL);
    }
    return check_unique_tokens(m, err, errlen);
}
