/* Reads <dir>/{train,dev,test}.tsv. Every failure names the file and, where one applies, the
 * line (1-based), so a user's own data set can be fixed from the message alone. */
#include "harness/text/dataset.h"
#include "harness/text/read_file.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/base/input_file.h"
#include "harness/text/utf8.h"

int beex_dataset_resolve(const char *task, char *dir, size_t dirlen, char *err, size_t errlen)
{
    struct stat st;
    if (task == NULL || task[0] == '\0') {
        snprintf(err, errlen, "no task given");
        return -1;
    }
    if (stat(task, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "%s: not a directory", task);
            return -1;
        }
        snprintf(dir, dirlen, "%s", task);
        return 0;
    }
    if (strchr(task, '/') != NULL) {
        snprintf(err, errlen, "%s: no such directory", task);
        return -1;
    }
    const char *base = getenv("BEEX_DATA_DIR");
    if (base == NULL || base[0] == '\0')
        base = "datasets/data";
    if ((size_t)snprintf(dir, dirlen, "%s/%s", base, task) >= dirlen) {
        snprintf(err, errlen, "%s: path too long", task);
        return -1;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen,
                 "task '%s': no such directory, and no %s (run datasets/fetch.sh %s, or set "
                 "BEEX_DATA_DIR)",
                 task, dir, task);
        return -1;
    }
    return 0;
}

/* One parsed line: label and text point into the file buffer (NUL-terminated in place). */
typedef struct {
    char *label, *text;
    long line;
} raw_line;

typedef struct {
    char *buf;
    raw_line *lines;
    size_t n;
} raw_file;

static void raw_free(raw_file *r)
{
    free(r->buf);
    free(r->lines);
}

static int parse_tsv(const char *path, raw_file *r, char *err, size_t errlen)
{
    size_t len;
    memset(r, 0, sizeof *r);
    r->buf = beex_read_file(path, &len, err, errlen);
    if (r->buf == NULL)
        return -1;
    char *p = r->buf, *end = r->buf + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3; /* a UTF-8 byte order mark is not part of the first label */
    size_t cap = 0;
    for (long line = 1; p < end; line++) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *eol = nl != NULL ? nl : end;
        size_t n = (size_t)(eol - p);
        if (memchr(p, '\0', n) != NULL) {
            snprintf(err, errlen, "%s:%ld: NUL byte in line", path, line);
            return -1;
        }
        size_t bad = beex_utf8_invalid_offset(p, n);
        if (bad < n) {
            snprintf(err, errlen, "%s:%ld: invalid UTF-8 at byte %zu of the line", path, line,
                     bad + 1);
            return -1;
        }
        if (n > 0 && p[n - 1] == '\r')
            n--; /* CRLF files */
        p[n] = '\0';
        if (n == 0) { /* blank lines are skipped wherever they are, the last one included */
            p = nl != NULL ? nl + 1 : end;
            continue;
        }
        char *tab = memchr(p, '\t', n);
        if (tab == NULL) {
            snprintf(err, errlen, "%s:%ld: no tab (expected LABEL<TAB>TEXT)", path, line);
            return -1;
        }
        if (tab == p) {
            snprintf(err, errlen, "%s:%ld: empty label before the tab", path, line);
            return -1;
        }
        *tab = '\0';
        if (r->n == cap) {
            cap = cap ? cap * 2 : 1024;
            raw_line *nl2 = realloc(r->lines, cap * sizeof *nl2);
            if (nl2 == NULL) {
                snprintf(err, errlen, "%s: out of memory", path);
                return -1;
            }
            r->lines = nl2;
        }
        r->lines[r->n++] = (raw_line){p, tab + 1, line};
        p = nl != NULL ? nl + 1 : end;
    }
    if (r->n == 0) {
        snprintf(err, errlen, "%s: empty file (no examples)", path);
        return -1;
    }
    return 0;
}

/* Strict decimal integer (optional sign): such labels are ordered by value, not bytes. */
static int parse_int(const char *s, long *v)
{
    char *e;
    errno = 0;
    *v = strtol(s, &e, 10);
    return s[0] != '\0' && *e == '\0' && errno == 0 && s[0] != ' ' && s[0] != '+';
}

static int by_label(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    long u, v;
    if (parse_int(x, &u) && parse_int(y, &v))
        return u < v ? -1 : u > v;
    return strcmp(x, y);
}

/* Label lookup by hashing: data sets with tens of thousands of classes load in linear time. */
static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int find_label(const beex_dataset *ds, const char *name)
{
    if (ds->label_cap == 0)
        return -1;
    size_t mask = (size_t)ds->label_cap - 1;
    for (size_t k = name_hash(name) & mask;; k = (k + 1) & mask) {
        int v = ds->label_slots[k];
        if (v == 0)
            return -1;
        if (strcmp(ds->labels[v - 1], name) == 0)
            return v - 1;
    }
}

/* Rebuilds the index for the current labels (after adding past half the capacity, or after
 * the labels were reordered). Returns 0, or -1 when out of memory. */
static int reindex_labels(beex_dataset *ds)
{
    int cap = 16;
    while (cap < 2 * (ds->n_labels + 1))
        cap *= 2;
    int *slots = calloc((size_t)cap, sizeof *slots);
    if (slots == NULL)
        return -1;
    free(ds->label_slots);
    ds->label_slots = slots;
    ds->label_cap = cap;
    for (int i = 0; i < ds->n_labels; i++) {
        size_t k = name_hash(ds->labels[i]) & (size_t)(cap - 1);
        while (slots[k] != 0)
            k = (k + 1) & (size_t)(cap - 1);
        slots[k] = i + 1;
    }
    return 0;
}

/* 1 when labels.txt fixed the names and one of them is itself a decimal integer: then an
 * integer in a TSV could mean a name or a line number. */
static int names_look_numeric(const beex_dataset *ds)
{
    long v;
    for (int i = 0; i < ds->n_labels; i++)
        if (parse_int(ds->labels[i], &v))
            return 1;
    return 0;
}

/* A TSV label's index: its name, or, when labels.txt fixed the names (datasets/README.md:
 * "labels.txt (label names in index order)"), an integer 0..n-1 indexing its lines. -1 when
 * unknown, -2 when ambiguous (labels.txt names are integers too, and this one is not among
 * them). */
static int label_index(const beex_dataset *ds, const char *name, int fixed)
{
    int i = find_label(ds, name);
    long v;
    if (i >= 0 || !fixed || !parse_int(name, &v))
        return i;
    if (names_look_numeric(ds))
        return -2;
    return v >= 0 && v < ds->n_labels ? (int)v : -1;
}

static void label_error(const beex_dataset *ds, const char *path, long line, const char *label,
                        int why, char *err, size_t errlen)
{
    if (why == -2)
        snprintf(err, errlen,
                 "%s:%ld: label '%.64s' is an integer, and %s/labels.txt names its labels with "
                 "integers too: is it a name or a line number? Use the names of labels.txt",
                 path, line, label, ds->dir);
    else
        snprintf(err, errlen, "%s:%ld: unknown label '%.64s' (not in %s)", path, line, label,
                 ds->n_labels > 0 ? "the label set of train.tsv / labels.txt" : "train.tsv");
}

static int insert_slot(beex_dataset *ds)
{
    size_t mask = (size_t)ds->label_cap - 1;
    size_t k = name_hash(ds->labels[ds->n_labels - 1]) & mask;
    while (ds->label_slots[k] != 0)
        k = (k + 1) & mask;
    ds->label_slots[k] = ds->n_labels;
    return 0;
}

static int add_label(beex_dataset *ds, const char *name)
{
    char **nl = realloc(ds->labels, (size_t)(ds->n_labels + 1) * sizeof *nl);
    if (nl == NULL)
        return -1;
    ds->labels = nl;
    ds->labels[ds->n_labels] = strdup(name);
    if (ds->labels[ds->n_labels] == NULL)
        return -1;
    ds->n_labels++;
    return 2 * (ds->n_labels + 1) > ds->label_cap ? reindex_labels(ds) : insert_slot(ds);
}

/* labels.txt whole, NUL-terminated, through input_file.h: a FIFO there would block the load
 * and a device would never end. NULL with err set, and errno ENOENT when the file is absent. */
static char *read_labels_bytes(const char *path, size_t *len, char *err, size_t errlen)
{
    off_t size = 0;
    int fd = beex_input_open(path, BEEX_INPUT_MAX_SMALL, &size, err, errlen);
    if (fd < 0)
        return NULL;
    char *buf = malloc((size_t)size + 1);
    size_t n = 0;
    int saved = 0;
    while (buf != NULL && n < (size_t)size) {
        ssize_t got = read(fd, buf + n, (size_t)size - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            saved = errno;
            break;
        }
        if (got == 0)
            break; /* shrunk since fstat: what is there is the file */
        n += (size_t)got;
    }
    close(fd);
    if (buf == NULL || saved != 0) {
        snprintf(err, errlen, "%s: %s%s", path, buf == NULL ? "out of memory" : "read error: ",
                 buf == NULL ? "" : strerror(saved));
        free(buf);
        errno = saved != 0 ? saved : ENOMEM;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* One labels.txt line (p[0..n), without its '\n') into the label set. The checks are the TSV
 * reader's: a NUL byte or invalid UTF-8 is refused with its line, never cut short or passed
 * on to the tokenizer. Returns 0, or -1 with err set. */
static int add_labels_line(beex_dataset *ds, const char *path, long line, char *p, size_t n,
                           char *err, size_t errlen)
{
    if (memchr(p, '\0', n) != NULL) {
        snprintf(err, errlen, "%s:%ld: NUL byte in line", path, line);
        return -1;
    }
    size_t bad = beex_utf8_invalid_offset(p, n);
    if (bad < n) {
        snprintf(err, errlen, "%s:%ld: invalid UTF-8 at byte %zu of the line", path, line, bad + 1);
        return -1;
    }
    if (n > 0 && p[n - 1] == '\r')
        n--; /* CRLF files */
    p[n] = '\0';
    if (n == 0)
        return 0; /* blank lines are skipped, as in the TSVs */
    if (memchr(p, '\t', n) != NULL) {
        snprintf(err, errlen, "%s:%ld: invalid label (a tab)", path, line);
        return -1;
    }
    if (find_label(ds, p) >= 0) {
        snprintf(err, errlen, "%s:%ld: label '%s' listed twice", path, line, p);
        return -1;
    }
    if (add_label(ds, p) != 0) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    return 0;
}

/* labels.txt, when present, fixes the label set and its order. Returns 1 if read, 0 if
 * absent, -1 on error. */
static int read_labels_file(const char *dir, beex_dataset *ds, char *err, size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/labels.txt", dir);
    size_t len = 0;
    char *buf = read_labels_bytes(path, &len, err, errlen);
    if (buf == NULL)
        return errno == ENOENT ? 0 : -1;
    char *p = buf, *end = buf + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3; /* a UTF-8 byte order mark is not part of the first label */
    int rc = 0;
    for (long line = 1; p < end && rc == 0; line++) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *eol = nl != NULL ? nl : end;
        rc = add_labels_line(ds, path, line, p, (size_t)(eol - p), err, errlen);
        p = nl != NULL ? nl + 1 : end;
    }
    free(buf);
    if (rc == 0 && ds->n_labels == 0) {
        snprintf(err, errlen, "%s: empty file (no labels)", path);
        rc = -1;
    }
    return rc < 0 ? -1 : 1;
}

static int fill_split(beex_dataset *ds, const raw_file *r, const char *path, int fixed,
                      beex_split *out, char *err, size_t errlen)
{
    out->ex = calloc(r->n, sizeof *out->ex);
    if (out->ex == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    for (size_t i = 0; i < r->n; i++) {
        int label = label_index(ds, r->lines[i].label, fixed);
        if (label < 0) {
            label_error(ds, path, r->lines[i].line, r->lines[i].label, label, err, errlen);
            return -1;
        }
        out->ex[i].label = label;
        out->ex[i].text = strdup(r->lines[i].text);
        if (out->ex[i].text == NULL) {
            snprintf(err, errlen, "%s: out of memory", path);
            return -1;
        }
        out->n = i + 1;
    }
    return 0;
}

static int labels_from_train(beex_dataset *ds, const raw_file *train, const char *path, int fixed,
                             char *err, size_t errlen)
{
    int *seen = NULL;
    if (!fixed) {
        for (size_t i = 0; i < train->n; i++)
            if (find_label(ds, train->lines[i].label) < 0 &&
                add_label(ds, train->lines[i].label) != 0) {
                snprintf(err, errlen, "%s: out of memory", path);
                return -1;
            }
        qsort(ds->labels, (size_t)ds->n_labels, sizeof *ds->labels, by_label);
        if (reindex_labels(ds) != 0) {
            snprintf(err, errlen, "%s: out of memory", path);
            return -1;
        }
    }
    /* Classes actually present in train: a single one cannot train a classifier. */
    seen = calloc((size_t)ds->n_labels, sizeof *seen);
    if (seen == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    int present = 0;
    for (size_t i = 0; i < train->n; i++) {
        int l = label_index(ds, train->lines[i].label, fixed);
        if (l < 0) {
            label_error(ds, path, train->lines[i].line, train->lines[i].label, l, err, errlen);
            free(seen);
            return -1;
        }
        if (!seen[l])
            seen[l] = 1, present++;
    }
    free(seen);
    if (present < 2) {
        snprintf(err, errlen, "%s: only one class ('%.64s') in %zu examples; need at least two",
                 path, train->lines[0].label, train->n);
        return -1;
    }
    return 0;
}

int beex_dataset_load(const char *task_or_dir, beex_dataset *ds, char *err, size_t errlen)
{
    char dir[4096], path[4200];
    memset(ds, 0, sizeof *ds);
    if (beex_dataset_resolve(task_or_dir, dir, sizeof dir, err, errlen) != 0)
        return -1;
    ds->dir = strdup(dir);
    if (ds->dir == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int fixed = read_labels_file(dir, ds, err, errlen);
    if (fixed < 0) {
        beex_dataset_free(ds);
        return -1;
    }
    static const char *const names[3] = {"train", "dev", "test"};
    beex_split *splits[3] = {&ds->train, &ds->dev, &ds->test};
    for (int s = 0; s < 3; s++) {
        raw_file r;
        snprintf(path, sizeof path, "%s/%s.tsv", dir, names[s]);
        int rc = parse_tsv(path, &r, err, errlen);
        if (rc == 0 && s == 0)
            rc = labels_from_train(ds, &r, path, fixed, err, errlen);
        if (rc == 0)
            rc = fill_split(ds, &r, path, fixed, splits[s], err, errlen);
        raw_free(&r);
        if (rc != 0) {
            beex_dataset_free(ds);
            return -1;
        }
    }
    return 0;
}

void beex_dataset_free(beex_dataset *ds)
{
    beex_split *splits[3] = {&ds->train, &ds->dev, &ds->test};
    for (int s = 0; s < 3; s++) {
        for (size_t i = 0; i < splits[s]->n; i++)
            free(splits[s]->ex[i].text);
        free(splits[s]->ex);
    }
    for (int i = 0; i < ds->n_labels; i++)
        free(ds->labels[i]);
    free(ds->labels);
    free(ds->label_slots);
    free(ds->dir);
    memset(ds, 0, sizeof *ds);
}
