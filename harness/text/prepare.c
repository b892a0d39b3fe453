/* The collector behind `beex data prepare`: cleans texts, assigns splits, drops empties and
 * duplicates, writes the TSV files atomically. */
#include "harness/text/prepare.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "harness/base/atomic_file.h"
#include "harness/text/utf8.h"

typedef struct {
    char *text;
    int label, split;
    int dropped; /* a duplicate whose copies disagree on the label */
} prep_example;

struct beex_prep {
    char **labels;
    int n_labels, dedupe;
    prep_example *ex;
    size_t n, cap;
    size_t empty, duplicates, conflicting;
    size_t *slots; /* dedupe hash: index + 1 into ex, 0 = empty */
    size_t slot_cap;
};

/* Windows-1252 reading of a byte: Latin-1 except 0x80-0x9F, where mails of the time put
 * curly quotes, dashes and the ellipsis. Undefined positions stay C1 controls (spaces). */
static uint32_t cp1252(unsigned char b)
{
    static const uint16_t c1[32] = {0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D,   0x017D, 0x8F,
                                    0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};
    return b >= 0x80 && b < 0xA0 ? c1[b - 0x80] : b;
}

char *beex_clean_text(const char *s, size_t n)
{
    char *out = malloc(n * 3 + 1); /* a cp1252 byte becomes at most three UTF-8 bytes */
    if (out == NULL)
        return NULL;
    size_t o = 0, i = 0;
    int pending_space = 0;
    while (i < n) {
        uint32_t cp;
        int len = beex_utf8_decode(s + i, n - i, &cp);
        if (len == 0) {
            cp = cp1252((unsigned char)s[i]); /* not UTF-8: read the byte as Windows-1252 */
            len = 1;
        }
        i += (size_t)len;
        /* Controls and the white space the tokenizer treats as a separator, plus the C1
         * range (Latin-1 readings of cp1252 quotes would otherwise be invisible). */
        if (cp <= 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0x2028 || cp == 0x2029 ||
            cp == 0xFEFF) {
            pending_space = o > 0;
            continue;
        }
        if (pending_space)
            out[o++] = ' ';
        pending_space = 0;
        o += (size_t)beex_utf8_encode(cp, out + o);
    }
    out[o] = '\0';
    return out;
}

beex_prep *beex_prep_new(const char *const *labels, int n_labels, int dedupe)
{
    beex_prep *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->labels = calloc((size_t)n_labels, sizeof *p->labels);
    if (p->labels == NULL) {
        free(p);
        return NULL;
    }
    p->n_labels = n_labels;
    p->dedupe = dedupe;
    for (int i = 0; i < n_labels; i++)
        if ((p->labels[i] = strdup(labels[i])) == NULL) {
            beex_prep_free(p);
            return NULL;
        }
    return p;
}

void beex_prep_free(beex_prep *p)
{
    if (p == NULL)
        return;
    for (int i = 0; i < p->n_labels; i++)
        free(p->labels[i]);
    free(p->labels);
    for (size_t i = 0; i < p->n; i++)
        free(p->ex[i].text);
    free(p->ex);
    free(p->slots);
    free(p);
}

static size_t text_hash(const char *s)
{
    return (size_t)crc32(0L, (const Bytef *)s, strlen(s));
}

/* Index of an earlier example with the same text, or -1; inserts `idx` when absent. */
static long dedupe_find_or_insert(beex_prep *p, size_t idx)
{
    if ((p->n + 1) * 2 > p->slot_cap) {
        size_t cap = p->slot_cap ? p->slot_cap * 2 : 8192;
        size_t *s = calloc(cap, sizeof *s);
        if (s == NULL)
            return -2;
        for (size_t i = 0; i < p->slot_cap; i++)
            if (p->slots[i] != 0) {
                size_t h = text_hash(p->ex[p->slots[i] - 1].text) & (cap - 1);
                while (s[h] != 0)
                    h = (h + 1) & (cap - 1);
                s[h] = p->slots[i];
            }
        free(p->slots);
        p->slots = s, p->slot_cap = cap;
    }
    const char *t = p->ex[idx].text;
    size_t h = text_hash(t) & (p->slot_cap - 1);
    while (p->slots[h] != 0) {
        if (strcmp(p->ex[p->slots[h] - 1].text, t) == 0)
            return (long)(p->slots[h] - 1);
        h = (h + 1) & (p->slot_cap - 1);
    }
    p->slots[h] = idx + 1;
    return -1;
}

int beex_prep_add(beex_prep *p, const char *label, const char *text, size_t len,
                  const char *split_key, int fixed_split, char *err, size_t errlen)
{
    int l = -1;
    for (int i = 0; i < p->n_labels; i++)
        if (strcmp(p->labels[i], label) == 0)
            l = i;
    if (l < 0) {
        snprintf(err, errlen, "unknown label '%.64s'", label);
        return -1;
    }
    char *clean = beex_clean_text(text, len);
    if (clean == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (clean[0] == '\0') {
        free(clean);
        p->empty++;
        return 0;
    }
    int split = fixed_split;
    if (fixed_split < 0) {
        const char *key = split_key != NULL ? split_key : clean;
        int fold = beex_split_fold(key, strlen(key));
        split = fixed_split == BEEX_PREP_BY_RULE ? (int)beex_split_of_fold(fold)
                : fold == 1                      ? BEEX_SPLIT_DEV
                                                 : BEEX_SPLIT_TRAIN;
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 1024;
        prep_example *ne = realloc(p->ex, cap * sizeof *ne);
        if (ne == NULL) {
            free(clean);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        p->ex = ne, p->cap = cap;
    }
    p->ex[p->n] = (prep_example){clean, l, split, 0};
    if (p->dedupe) {
        long first = dedupe_find_or_insert(p, p->n);
        if (first == -2) {
            free(clean);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (first >= 0) {
            /* Keep the first copy; a copy with another label poisons the text for both. */
            if (p->ex[first].label != l && !p->ex[first].dropped) {
                p->ex[first].dropped = 1;
                p->conflicting++;
            }
            free(clean);
            p->duplicates++;
            return 0;
        }
    }
    p->n++;
    return 0;
}

static int write_split(const beex_prep *p, const char *outdir, int split, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.tsv", outdir, beex_split_name((beex_split_id)split));
    beex_atomic_file af;
    if (beex_atomic_open(&af, path, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < p->n; i++)
        if (p->ex[i].split == split && !p->ex[i].dropped)
            fprintf(af.f, "%s\t%s\n", p->labels[p->ex[i].label], p->ex[i].text);
    return beex_atomic_commit(&af, err, errlen);
}

int beex_prep_write(beex_prep *p, const char *outdir, char *err, size_t errlen)
{
    if (mkdir(outdir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot create directory: %s", outdir, strerror(errno));
        return -1;
    }
    for (int s = BEEX_SPLIT_TRAIN; s <= BEEX_SPLIT_TEST; s++) {
        size_t count = 0;
        for (size_t i = 0; i < p->n; i++)
            count += p->ex[i].split == s && !p->ex[i].dropped;
        if (count == 0) {
            snprintf(err, errlen, "%s: no examples for %s.tsv (wrong input?)", outdir,
                     beex_split_name((beex_split_id)s));
            return -1;
        }
    }
    for (int s = BEEX_SPLIT_TRAIN; s <= BEEX_SPLIT_TEST; s++)
        if (write_split(p, outdir, s, err, errlen) != 0)
            return -1;
    char path[4096];
    snprintf(path, sizeof path, "%s/labels.txt", outdir);
    beex_atomic_file af;
    if (beex_atomic_open(&af, path, err, errlen) != 0)
        return -1;
    for (int i = 0; i < p->n_labels; i++)
        fprintf(af.f, "%s\n", p->labels[i]);
    return beex_atomic_commit(&af, err, errlen);
}

void beex_prep_summary(const beex_prep *p, FILE *out)
{
    size_t total = 0;
    for (int s = BEEX_SPLIT_TRAIN; s <= BEEX_SPLIT_TEST; s++) {
        fprintf(out, "  %-5s", beex_split_name((beex_split_id)s));
        size_t split_total = 0;
        for (int l = 0; l < p->n_labels; l++) {
            size_t c = 0;
            for (size_t i = 0; i < p->n; i++)
                c += p->ex[i].split == s && p->ex[i].label == l && !p->ex[i].dropped;
            fprintf(out, " %s=%zu", p->labels[l], c);
            split_total += c;
        }
        fprintf(out, " total=%zu\n", split_total);
        total += split_total;
    }
    fprintf(out,
            "  kept %zu; dropped: %zu empty, %zu duplicate copies, %zu texts with "
            "conflicting labels\n",
            total, p->empty, p->duplicates, p->conflicting);
}

size_t beex_prep_size(const beex_prep *p)
{
    return p->n;
}

const char *beex_prep_get(const beex_prep *p, size_t i, int *label, int *split)
{
    if (i >= p->n)
        return NULL;
    *label = p->ex[i].label;
    *split = p->ex[i].dropped ? -1 : p->ex[i].split;
    return p->ex[i].text;
}
