/* Parsers for the small formats: Pattern's two-column CSVs (RFC 4180 quoting, fields may
 * hold newlines), Weka's ARFF string data (one record a line, backslash escapes, SGML
 * entities left from Reuters-21578) and Brown's `word/tag` sentence files. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "harness/text/prepare.h"

const char *const beex_brown_genres[15] = {
    "news",    "editorial",       "reviews",    "religion", "hobbies",
    "lore",    "belles_lettres",  "government", "learned",  "fiction",
    "mystery", "science_fiction", "adventure",  "romance",  "humor"};
static const char brown_letters[] = "abcdefghjklmnpr";

/* Reads one quoted or bare CSV field at *pp; the unescaped value goes to out. Updates *line
 * for newlines inside quotes. Returns 0, or -1 on an unterminated quote. */
static int csv_field(char **pp, char *end, char *out, size_t *outlen, long *line)
{
    char *p = *pp;
    size_t o = 0;
    if (p < end && *p == '"') {
        p++;
        for (;;) {
            if (p >= end)
                return -1;
            if (*p == '"') {
                if (p + 1 < end && p[1] == '"') {
                    out[o++] = '"';
                    p += 2;
                    continue;
                }
                p++;
                break;
            }
            if (*p == '\n')
                (*line)++;
            out[o++] = *p++;
        }
    } else {
        while (p < end && *p != ',' && *p != '\n' && *p != '\r')
            out[o++] = *p++;
    }
    out[o] = '\0';
    *outlen = o;
    *pp = p;
    return 0;
}

int beex_prepare_pattern_csv(const char *path, const char *neg_label, const char *pos_label,
                             beex_prep *prep, char *err, size_t errlen)
{
    size_t len;
    char *buf = beex_read_file(path, &len, err, errlen);
    if (buf == NULL)
        return -1;
    char *label = malloc(len + 1), *text = malloc(len + 1);
    int rc = label != NULL && text != NULL ? 0 : -1;
    if (rc != 0)
        snprintf(err, errlen, "%s: out of memory", path);
    char *p = buf, *end = buf + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    long line = 1;
    while (rc == 0 && p < end) {
        long record_line = line;
        size_t llen, tlen;
        if (csv_field(&p, end, label, &llen, &line) != 0 || p >= end || *p != ',' ||
            (p++, csv_field(&p, end, text, &tlen, &line)) != 0) {
            snprintf(err, errlen, "%s:%ld: malformed record (expected \"label\",\"text\")", path,
                     record_line);
            rc = -1;
            break;
        }
        if (p < end && *p == '\r')
            p++;
        if (p < end && *p != '\n') {
            snprintf(err, errlen, "%s:%ld: more than two fields", path, record_line);
            rc = -1;
            break;
        }
        if (p < end)
            p++, line++;
        const char *name = strcmp(label, "1") == 0    ? pos_label
                           : strcmp(label, "-1") == 0 ? neg_label
                                                      : NULL;
        if (name == NULL) {
            snprintf(err, errlen, "%s:%ld: label '%.16s' is neither 1 nor -1", path, record_line,
                     label);
            rc = -1;
        } else if (beex_prep_add(prep, name, text, tlen, NULL, BEEX_PREP_BY_RULE, err, errlen) !=
                   0) {
            rc = -1;
        }
    }
    free(label);
    free(text);
    free(buf);
    return rc;
}

/* Reuters-21578 leaves SGML in the ARFF strings: &lt; &gt; &amp; and control characters as
 * &#N; (&#3; ends every article). Decodes in place; controls become spaces. */
static size_t decode_sgml(char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        static const struct {
            const char *name;
            char c;
        } named[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}};
        int done = 0;
        for (size_t k = 0; k < sizeof named / sizeof named[0] && !done; k++) {
            size_t kl = strlen(named[k].name);
            if (i + kl <= n && memcmp(s + i, named[k].name, kl) == 0) {
                s[o++] = named[k].c, i += kl, done = 1;
            }
        }
        if (!done && i + 3 < n && s[i] == '&' && s[i + 1] == '#') {
            size_t j = i + 2;
            while (j < n && j < i + 6 && s[j] >= '0' && s[j] <= '9')
                j++;
            if (j > i + 2 && j < n && s[j] == ';') {
                long v = strtol(s + i + 2, NULL, 10);
                s[o++] = v >= 32 && v < 127 ? (char)v : ' ';
                i = j + 1, done = 1;
            }
        }
        if (!done)
            s[o++] = s[i++];
    }
    return o;
}

int beex_prepare_arff(const char *path, const char *label0, const char *label1, int fixed_split,
                      beex_prep *prep, char *err, size_t errlen)
{
    size_t len;
    char *buf = beex_read_file(path, &len, err, errlen);
    if (buf == NULL)
        return -1;
    char *text = malloc(len + 1);
    if (text == NULL) {
        free(buf);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    int rc = 0, in_data = 0;
    long line = 0, records = 0;
    for (char *p = buf, *next; rc == 0 && *p != '\0'; p = next) {
        line++;
        char *nl = strchr(p, '\n');
        next = nl != NULL ? nl + 1 : p + strlen(p);
        char *end = nl != NULL ? nl : next;
        if (end > p && end[-1] == '\r')
            end--;
        if (end == p || *p == '%')
            continue;
        if (!in_data) {
            in_data = (size_t)(end - p) >= 5 && strncasecmp(p, "@data", 5) == 0;
            continue;
        }
        if (*p != '\'') {
            snprintf(err, errlen, "%s:%ld: expected a quoted string", path, line);
            rc = -1;
            break;
        }
        size_t o = 0;
        char *q = p + 1;
        while (q < end && *q != '\'') {
            if (*q == '\\' && q + 1 < end) {
                char e = q[1];
                text[o++] = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
                q += 2;
            } else {
                text[o++] = *q++;
            }
        }
        if (q + 2 >= end || q[1] != ',' || (q[2] != '0' && q[2] != '1') || q + 3 != end) {
            snprintf(err, errlen, "%s:%ld: expected 'text',0 or 'text',1", path, line);
            rc = -1;
            break;
        }
        o = decode_sgml(text, o);
        rc = beex_prep_add(prep, q[2] == '1' ? label1 : label0, text, o, NULL, fixed_split, err,
                           errlen);
        records++;
    }
    if (rc == 0 && records == 0) {
        snprintf(err, errlen, "%s: no @data records", path);
        rc = -1;
    }
    free(text);
    free(buf);
    return rc;
}

static int brown_name(const char *n)
{
    return strlen(n) == 4 && n[0] == 'c' && strchr(brown_letters, n[1]) != NULL && n[1] != '\0' &&
           n[2] >= '0' && n[2] <= '9' && n[3] >= '0' && n[3] <= '9';
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One sentence line: `word/tag` tokens; the tag follows the last slash. */
static size_t brown_words(const char *line, size_t n, char *out)
{
    size_t o = 0, i = 0;
    while (i < n) {
        while (i < n && (line[i] == ' ' || line[i] == '\t'))
            i++;
        size_t start = i, slash = (size_t)-1;
        while (i < n && line[i] != ' ' && line[i] != '\t') {
            if (line[i] == '/')
                slash = i;
            i++;
        }
        size_t stop = slash != (size_t)-1 && slash > start ? slash : i;
        if (stop > start) {
            if (o > 0)
                out[o++] = ' ';
            memcpy(out + o, line + start, stop - start);
            o += stop - start;
        }
    }
    return o;
}

/* Brown is split by document, stratified by genre: a plain crc32 fold of the file name left
 * three small genres (science fiction has 6 documents) without a single dev document. Within
 * each genre the documents are ranked by (crc32 of the name, name); rank r goes to test when
 * r % 10 == 0, to dev when r % 10 == 5, to train otherwise, so every genre has at least one
 * document in each split and the rule stays stable and reproducible. names is sorted. */
static void brown_stratified_splits(char *const *names, size_t n, int *split)
{
    for (size_t f = 0; f < n; f++) {
        unsigned long key = crc32(0L, (const Bytef *)names[f], (uInt)strlen(names[f]));
        size_t rank = 0;
        for (size_t g = 0; g < n; g++) {
            if (g == f || names[g][1] != names[f][1])
                continue;
            unsigned long kg = crc32(0L, (const Bytef *)names[g], (uInt)strlen(names[g]));
            if (kg < key || (kg == key && strcmp(names[g], names[f]) < 0))
                rank++;
        }
        split[f] = rank % 10 == 0   ? BEEX_SPLIT_TEST
                   : rank % 10 == 5 ? BEEX_SPLIT_DEV
                                    : BEEX_SPLIT_TRAIN;
    }
}

int beex_prepare_brown(const char *dir, beex_prep *prep, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        snprintf(err, errlen, "%s: cannot open directory", dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d)) != NULL;) {
        if (!brown_name(e->d_name))
            continue;
        char **nn = realloc(names, (n + 1) * sizeof *nn);
        if (nn == NULL || (nn[n] = strdup(e->d_name)) == NULL) {
            names = nn != NULL ? nn : names;
            snprintf(err, errlen, "out of memory");
            rc = -1;
            break;
        }
        names = nn, n++;
    }
    closedir(d);
    if (rc == 0 && n == 0) {
        snprintf(err, errlen, "%s: no Brown files (c<genre><nn>)", dir);
        rc = -1;
    }
    if (rc == 0)
        qsort(names, n, sizeof *names, by_string);
    int *doc_split = rc == 0 ? malloc((n ? n : 1) * sizeof *doc_split) : NULL;
    if (rc == 0 && doc_split == NULL) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    if (rc == 0)
        brown_stratified_splits(names, n, doc_split);
    for (size_t f = 0; rc == 0 && f < n; f++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[f]);
        size_t len;
        char *buf = beex_read_file(path, &len, err, errlen);
        char *words = buf != NULL ? malloc(len + 1) : NULL;
        if (buf == NULL || words == NULL) {
            if (buf != NULL)
                snprintf(err, errlen, "%s: out of memory", path);
            free(buf);
            rc = -1;
            break;
        }
        const char *genre = beex_brown_genres[strchr(brown_letters, names[f][1]) - brown_letters];
        for (char *p = buf, *next; rc == 0 && *p != '\0'; p = next) {
            char *nl = strchr(p, '\n');
            next = nl != NULL ? nl + 1 : p + strlen(p);
            size_t wl = brown_words(p, (size_t)((nl != NULL ? nl : next) - p), words);
            /* The document, not the sentence, picks the split: its name is the key. */
            if (wl > 0)
                rc = beex_prep_add(prep, genre, words, wl, names[f], doc_split[f], err, errlen);
        }
        free(words);
        free(buf);
    }
    for (size_t f = 0; f < n; f++)
        free(names[f]);
    free(names);
    free(doc_split);
    return rc;
}
