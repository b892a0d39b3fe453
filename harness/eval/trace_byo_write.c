/* The beex-exit-trace/1 writer (docs/traces.md), for the converters and the tests: a header
 * line through jansson, example lines printed directly so that each number keeps the digits
 * that read it back exactly (9 for a float, 17 for a double). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/eval/trace_byo.h"

static json_t *double_array(const double *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n && a != NULL; i++)
        json_array_append_new(a, json_real(v[i]));
    return a;
}

static int any_nonzero(const double *v, int n)
{
    for (int i = 0; i < n; i++)
        if (v[i] != 0)
            return 1;
    return 0;
}

int beex_byo_write_header(FILE *f, const beex_byo_header *h)
{
    json_t *o = json_object(), *names = json_array();
    if (o == NULL || names == NULL) {
        json_decref(o);
        json_decref(names);
        return -1;
    }
    json_object_set_new(o, "schema", json_string(BEEX_BYO_SCHEMA));
    json_object_set_new(o, "classes", json_integer(h->classes));
    json_object_set_new(o, "exits", json_integer(h->exits));
    for (int c = 0; c < h->classes; c++)
        json_array_append_new(names, json_string(h->class_names[c]));
    json_object_set_new(o, "class_names", names);
    json_object_set_new(o, "values", json_string(h->probs ? "probs" : "logits"));
    json_object_set_new(o, "cost_unit", json_string("flops"));
    if (h->source[0] != '\0')
        json_object_set_new(o, "source", json_string(h->source));
    json_object_set_new(o, "split", json_string(h->split));
    if (h->metric[0] != '\0')
        json_object_set_new(o, "metric", json_string(h->metric));
    if (h->positive[0] != '\0')
        json_object_set_new(o, "positive", json_string(h->positive));
    if (h->model[0] != '\0')
        json_object_set_new(o, "x_beex_model", json_string(h->model));
    if (h->has_cost)
        json_object_set_new(o, "cost", double_array(h->cost, h->exits));
    if (any_nonzero(h->bops, h->exits))
        json_object_set_new(o, "bops", double_array(h->bops, h->exits));
    if (any_nonzero(h->iops, h->exits))
        json_object_set_new(o, "iops", double_array(h->iops, h->exits));
    char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(o);
    if (s == NULL)
        return -1;
    int rc = fprintf(f, "%s\n", s) < 0 ? -1 : 0;
    free(s);
    return rc;
}

/* The shortest decimal that reads back to v: as a float when digits is 9 (the value is one),
 * as a double otherwise. "-0" would read back as the integer 0: a negative zero is "-0.0". */
static void print_number(FILE *f, double v, int digits)
{
    char buf[40];
    if (v == 0 && signbit(v)) {
        fputs("-0.0", f);
        return;
    }
    for (int d = digits == 9 ? 6 : 15; d <= digits; d++) {
        snprintf(buf, sizeof buf, "%.*g", d, v);
        double back = strtod(buf, NULL);
        if (digits == 9 ? (float)back == (float)v : back == v)
            break;
    }
    fputs(buf, f);
}

static void numbers(FILE *f, const char *key, const double *v, int n, int digits)
{
    if (key != NULL)
        fprintf(f, ",\"%s\":", key);
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        if (i > 0)
            fputc(',', f);
        print_number(f, v[i], digits);
    }
    fputc(']', f);
}

int beex_byo_write_example(FILE *f, const beex_byo_header *h, const beex_byo_example *ex)
{
    fputs("{\"id\":", f);
    if (ex->id != NULL) {
        json_t *s = json_string(ex->id);
        char *text = s != NULL ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
        json_decref(s);
        if (text == NULL)
            return -1; /* not UTF-8, or out of memory */
        fputs(text, f);
        free(text);
    } else {
        fprintf(f, "%lld", ex->id_int);
    }
    fprintf(f, ",\"label\":%d", ex->label);
    if (ex->len > 0)
        fprintf(f, ",\"len\":%d", ex->len);
    fputs(",\"exits\":[", f);
    for (int e = 0; e < h->exits; e++) {
        if (e > 0)
            fputc(',', f);
        numbers(f, NULL, ex->values + (size_t)e * h->classes, h->classes, ex->value_digits);
    }
    fputc(']', f);
    if (ex->cost != NULL)
        numbers(f, "cost", ex->cost, h->exits, 17);
    /* All-zero BOPs and IOPs are left out, unless the header's shared ones would stand in. */
    if (ex->bops != NULL && (any_nonzero(ex->bops, h->exits) || any_nonzero(h->bops, h->exits)))
        numbers(f, "bops", ex->bops, h->exits, 17);
    if (ex->iops != NULL && (any_nonzero(ex->iops, h->exits) || any_nonzero(h->iops, h->exits)))
        numbers(f, "iops", ex->iops, h->exits, 17);
    return fputs("}\n", f) < 0 || ferror(f) ? -1 : 0;
}
