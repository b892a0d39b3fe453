/* Why not json_load_file: jansson builds one object per number, 35 million of them here,
 * which took 38 s and 1.5 GB of memory on this machine. The file's layout is fixed ({...,
 * "vectors": {"word": [100 floats, norm, index], ...}, ...}), so a byte scanner walks the
 * top-level object to the member it needs and then the "vectors" object entry by entry, and
 * jansson decodes only keys with escapes and the arrays of words the vocabulary holds. The
 * scanner follows JSON's grammar where it walks (whitespace wherever JSON allows it, one comma
 * between elements), so a file that jq reformatted reads the same as the original.
 */
#include "harness/text/glove.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness/base/input_file.h"

/* The wink file's arrays: the BEEX_GLOVE_DIM components, then the vector's norm and the
 * word's index ("l2NormIndex": 100, "wordIndex": 101). Plain arrays of the components alone
 * are read too. */
#define GLOVE_WINK_LEN (BEEX_GLOVE_DIM + 2)

/* JSON's four whitespace bytes (RFC 8259 section 2), skipped wherever the grammar allows. */
static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* End of the JSON string starting at s (s[0] == '"'): index of the closing quote. */
static const char *string_end(const char *s, const char *end)
{
    for (const char *p = s + 1; p < end; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '"')
            return p;
    }
    return NULL;
}

/* Just past the value starting at p (a string, number, literal, array or object; brackets
 * are counted and strings skipped, the contents are not checked), or NULL when the file ends
 * inside it. Only used to step over the top-level members this reader does not need. */
static const char *skip_value(const char *p, const char *end)
{
    size_t depth = 0;
    while (p < end) {
        if (*p == '"') {
            const char *q = string_end(p, end);
            if (q == NULL)
                return NULL;
            p = q + 1;
            if (depth == 0)
                return p;
            continue;
        }
        if (*p == '[' || *p == '{') {
            depth++;
        } else if (*p == ']' || *p == '}') {
            if (depth == 0)
                return p; /* a scalar ended by its container */
            if (--depth == 0)
                return p + 1;
        } else if (depth == 0 &&
                   (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
            return p;
        }
        p++;
    }
    return depth == 0 ? p : NULL;
}

/* Just past the `open` ('{' or '[') of the top-level member `member`; NULL with err set when
 * the file is not a JSON object holding one. Members are found by walking the top level, so
 * a word "vectors" inside the word list or a nested object cannot be taken for it. */
static const char *member_start(const char *buf, size_t len, const char *member, char open,
                                char *err, size_t errlen, const char *path)
{
    const char *end = buf + len, *p = skip_ws(buf, end);
    size_t mlen = strlen(member);
    if (p < end && *p == '{')
        p = skip_ws(p + 1, end);
    else
        p = NULL;
    while (p != NULL && p < end && *p == '"') {
        const char *q = string_end(p, end);
        if (q == NULL)
            break;
        int match = (size_t)(q - p - 1) == mlen && memcmp(p + 1, member, mlen) == 0;
        p = skip_ws(q + 1, end);
        if (p >= end || *p != ':')
            break;
        p = skip_ws(p + 1, end);
        if (match) {
            if (p < end && *p == open)
                return p + 1;
            snprintf(err, errlen, "%s: the \"%s\" member at byte %zu is not %s", path, member,
                     (size_t)(p - buf), open == '{' ? "an object" : "an array");
            return NULL;
        }
        p = skip_value(p, end);
        if (p == NULL)
            break;
        p = skip_ws(p, end);
        if (p < end && *p == ',')
            p = skip_ws(p + 1, end);
        else
            break;
    }
    snprintf(err, errlen, "%s: no \"%s\" member (not the wink GloVe JSON?)", path, member);
    return NULL;
}

/* After an element at p: past the comma to the next element (*last = 0), or past the closing
 * `close` (*last = 1). NULL when neither follows. */
static const char *next_element(const char *p, const char *end, char close, int *last)
{
    p = skip_ws(p, end);
    if (p < end && (*p == ',' || *p == close)) {
        *last = *p == close;
        return p + 1;
    }
    return NULL;
}

/* The vector of a vocabulary word, a..b its array (b at the ']'), into row. Every entry must
 * be a number and every component finite as a float: a string or null read as 0 would
 * initialise the embedding with made-up values. Returns 0, or -1 with err naming the file,
 * the word and the byte. */
static int decode_vector(const char *buf, const char *a, const char *b, const char *word,
                         size_t wlen, float *row, char *err, size_t errlen, const char *path)
{
    int wl = (int)(wlen < 64 ? wlen : 64);
    json_error_t je;
    json_t *arr = json_loadb(a, (size_t)(b - a + 1), 0, &je);
    size_t n = json_array_size(arr);
    const char *why = NULL;
    char what[96];
    float vec[BEEX_GLOVE_DIM];
    if (arr == NULL || !json_is_array(arr)) {
        snprintf(what, sizeof what, "not a JSON array (%.60s)", arr == NULL ? je.text : "");
        why = what;
    } else if (n != BEEX_GLOVE_DIM && n != GLOVE_WINK_LEN) {
        snprintf(what, sizeof what, "%zu entries, expected %d (or %d: with norm and index)", n,
                 BEEX_GLOVE_DIM, GLOVE_WINK_LEN);
        why = what;
    }
    for (size_t i = 0; why == NULL && i < n; i++) {
        const json_t *x = json_array_get(arr, i);
        if (!json_is_number(x)) {
            snprintf(what, sizeof what, "entry %zu is not a number", i + 1);
            why = what;
        } else if (i < BEEX_GLOVE_DIM && !isfinite((float)json_number_value(x))) {
            snprintf(what, sizeof what, "entry %zu is out of float range", i + 1);
            why = what;
        } else if (i < BEEX_GLOVE_DIM) {
            vec[i] = (float)json_number_value(x);
        }
    }
    json_decref(arr);
    if (why == NULL) {
        memcpy(row, vec, sizeof vec); /* the row changes only when the whole vector is good */
        return 0;
    }
    snprintf(err, errlen, "%s: bad vector for '%.*s' at byte %zu: %s", path, wl, word,
             (size_t)(a - buf), why);
    return -1;
}

/* The vocabulary id of the key p..q (quotes included), or BEEX_UNK_ID when the vocabulary
 * lacks it; -2 when the key is not a valid JSON string. */
static int key_id(const beex_vocab *v, const char *p, const char *q)
{
    size_t klen = (size_t)(q - p - 1);
    char key[256];
    if (memchr(p + 1, '\\', klen) == NULL) {
        if (klen >= sizeof key)
            return BEEX_UNK_ID; /* longer than any token */
        memcpy(key, p + 1, klen);
        key[klen] = '\0';
        return beex_vocab_lookup(v, key);
    }
    json_t *k = json_loadb(p, (size_t)(q - p + 1), JSON_DECODE_ANY, NULL);
    int id = k != NULL && json_is_string(k) ? beex_vocab_lookup(v, json_string_value(k)) : -2;
    json_decref(k);
    return id;
}

static int scan(const char *buf, size_t len, const beex_vocab *v, float *out, int *found, char *err,
                size_t errlen, const char *path)
{
    const char *end = buf + len;
    const char *p = member_start(buf, len, "vectors", '{', err, errlen, path);
    if (p == NULL)
        return -1;
    int filled = 0, last = 0;
    p = skip_ws(p, end);
    if (p < end && *p == '}')
        last = 1; /* an empty object */
    while (!last) {
        p = skip_ws(p, end);
        const char *q = p < end && *p == '"' ? string_end(p, end) : NULL;
        const char *a = q != NULL ? skip_ws(q + 1, end) : NULL;
        if (a != NULL && a < end && *a == ':')
            a = skip_ws(a + 1, end);
        else
            a = NULL;
        int id = a != NULL && a < end && *a == '[' ? key_id(v, p, q) : -2;
        if (id == -2) {
            snprintf(err, errlen, "%s: malformed entry at byte %zu (expected \"word\": [numbers])",
                     path, (size_t)(p - buf));
            return -1;
        }
        const char *b = memchr(a, ']', (size_t)(end - a));
        if (b == NULL) {
            snprintf(err, errlen, "%s: unterminated vector at byte %zu", path, (size_t)(a - buf));
            return -1;
        }
        if (id >= 2) {
            if (decode_vector(buf, a, b, p + 1, (size_t)(q - p - 1),
                              out + (size_t)id * BEEX_GLOVE_DIM, err, errlen, path) != 0)
                return -1;
            filled++;
        }
        p = next_element(b + 1, end, '}', &last);
        if (p == NULL) {
            snprintf(err, errlen, "%s: expected ',' or '}' after the vector at byte %zu", path,
                     (size_t)(a - buf));
            return -1;
        }
    }
    *found = filled;
    return 0;
}

/* Maps the whole file read-only; *len receives its size. Opened through input_file.h: a FIFO
 * or a device named as the GloVe file is refused instead of blocking or mapping endlessly. */
static void *map_file(const char *json_path, size_t *len, char *err, size_t errlen)
{
    off_t size = 0;
    int fd = beex_input_open(json_path, BEEX_INPUT_MAX_GLOVE, &size, err, errlen);
    if (fd < 0) {
        if (errno == ENOENT) {
            size_t used = strlen(err);
            snprintf(err + used, errlen - used, " (run datasets/glove.sh)");
        }
        return NULL;
    }
    if (size == 0) {
        snprintf(err, errlen, "%s: empty file", json_path);
        close(fd);
        return NULL;
    }
    void *map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        snprintf(err, errlen, "%s: mmap: %s", json_path, strerror(errno));
        return NULL;
    }
    madvise(map, (size_t)size, MADV_SEQUENTIAL);
    *len = (size_t)size;
    return map;
}

int beex_glove_lookup(const char *json_path, const beex_vocab *v, float *out, int *found, char *err,
                      size_t errlen)
{
    *found = 0;
    size_t len = 0;
    char *map = map_file(json_path, &len, err, errlen);
    if (map == NULL)
        return -1;
    int rc = scan(map, len, v, out, found, err, errlen, json_path);
    munmap(map, len);
    return rc;
}

/* The "words" array lists the vocabulary by corpus frequency, most frequent first; each
 * element is decoded with jansson so escaped keys come out as the tokenizer would spell them. */
static int first_words(const char *buf, size_t len, int n, char **words, int *count, char *err,
                       size_t errlen, const char *path)
{
    const char *end = buf + len;
    const char *p = member_start(buf, len, "words", '[', err, errlen, path);
    if (p == NULL)
        return -1;
    int got = 0, last = 0;
    p = skip_ws(p, end);
    if (p < end && *p == ']')
        last = 1; /* an empty list */
    while (got < n && !last) {
        p = skip_ws(p, end);
        const char *q = p < end && *p == '"' ? string_end(p, end) : NULL;
        json_t *s = q != NULL ? json_loadb(p, (size_t)(q - p + 1), JSON_DECODE_ANY, NULL) : NULL;
        if (s == NULL || !json_is_string(s)) {
            json_decref(s);
            snprintf(err, errlen, "%s: malformed word at byte %zu", path, (size_t)(p - buf));
            return -1;
        }
        words[got] = strdup(json_string_value(s));
        json_decref(s);
        if (words[got] == NULL) {
            snprintf(err, errlen, "out of memory for GloVe words");
            return -1;
        }
        got++;
        p = next_element(q + 1, end, ']', &last);
        if (p == NULL) {
            snprintf(err, errlen, "%s: expected ',' or ']' after the word at byte %zu", path,
                     (size_t)(q + 1 - buf));
            return -1;
        }
    }
    *count = got;
    return 0;
}

char **beex_glove_first_words(const char *json_path, int n, int *count, char *err, size_t errlen)
{
    *count = 0;
    char **words = calloc(n > 0 ? (size_t)n : 1, sizeof *words);
    if (words == NULL) {
        snprintf(err, errlen, "out of memory for GloVe words");
        return NULL;
    }
    size_t len = 0;
    char *map = map_file(json_path, &len, err, errlen);
    int rc = map != NULL ? first_words(map, len, n, words, count, err, errlen, json_path) : -1;
    if (map != NULL)
        munmap(map, len);
    if (rc != 0) {
        for (int i = 0; i < n; i++)
            free(words[i]);
        free(words);
        *count = 0;
        return NULL;
    }
    return words;
}
