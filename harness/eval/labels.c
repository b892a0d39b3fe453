#include "harness/eval/labels.h"

#include <stdio.h>
#include <string.h>

static const char *class_name(const beex_model *m, int c)
{
    return m->labels != NULL && m->labels[c] != NULL ? m->labels[c] : "?";
}

/* "a, b, c" (shortened when long) for error messages. */
static void list_names(char *out, size_t len, const char *const *names, int n)
{
    size_t w = 0;
    out[0] = '\0';
    for (int i = 0; i < n && w + 8 < len; i++) {
        int k = snprintf(out + w, len - w, "%s'%s'", i ? ", " : "", names[i]);
        if (k < 0 || (size_t)k >= len - w) {
            snprintf(out + (len > 5 ? len - 5 : 0), len > 5 ? 5 : len, "...");
            return;
        }
        w += (size_t)k;
    }
}

int beex_label_map(const beex_dataset *ds, const beex_model *m, int *map, char *err, size_t errlen)
{
    int C = m->cfg.classes;
    for (int i = 0; i < ds->n_labels; i++) {
        map[i] = -1;
        for (int c = 0; c < C; c++)
            if (strcmp(class_name(m, c), ds->labels[i]) == 0)
                map[i] = c;
        if (map[i] < 0) {
            char have[256], want[256];
            const char *names[64];
            int nm = C < 64 ? C : 64;
            for (int c = 0; c < nm; c++)
                names[c] = class_name(m, c);
            list_names(have, sizeof have, names, nm);
            list_names(want, sizeof want, (const char *const *)ds->labels,
                       ds->n_labels < 64 ? ds->n_labels : 64);
            snprintf(err, errlen,
                     "label '%s' of the task is not a class of the model (task labels %s; "
                     "model classes %s)",
                     ds->labels[i], want, have);
            return -1;
        }
    }
    return 0;
}

int beex_positive_class(const beex_model *m, const char *name, char *err, size_t errlen)
{
    int C = m->cfg.classes;
    if (name != NULL) {
        if (C != 2) {
            snprintf(err, errlen, "--positive applies to two classes; this model has %d (macro F1)",
                     C);
            return -2;
        }
        for (int c = 0; c < C; c++)
            if (strcmp(class_name(m, c), name) == 0)
                return c;
        snprintf(err, errlen, "--positive '%s' is not a class of the model", name);
        return -2;
    }
    if (C != 2)
        return -1;
    static const char *const usual[] = {"1", "pos", "positive", "spam", "true", "yes"};
    for (size_t k = 0; k < sizeof usual / sizeof *usual; k++)
        for (int c = 0; c < 2; c++)
            if (strcmp(class_name(m, c), usual[k]) == 0)
                return c;
    return 1;
}
