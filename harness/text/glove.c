/* Why not json_load_file: jansson builds one object per number, 35 million of them here,
 * which took 38 s and 1.5 GB of memory on this machine. The file's layout is fixed ({...,
 * "vectors": {"word": [100 floats, norm, index], ...}, ...}), so a byte scanner walks the "vectors"
 * object, and jansson decodes only keys with escapes and the arrays of words the vocabulary holds.
 */
#define _GNU_SOURCE /* memmem */
#include "harness/text/glove.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Just past `"member":open` (open: '{' or '['); NULL with err set when the file has none. */
static const char *member_start(const char *buf, size_t len, const char *member, char open,
                                char *err, size_t errlen, const char *path)
{
    char marker[32];
    int n = snprintf(marker, sizeof marker, "\"%s\":%c", member, open);
    const char *p = memmem(buf, len, marker, (size_t)n);
    if (p == NULL) {
        snprintf(err, errlen, "%s: no \"%s\" member (not the wink GloVe JSON?)", path, member);
        return NULL;
    }
    return p + n;
}

/* Skips the separators between elements of an object or array. */
static const char *skip_separators(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == ',' || *p == '\n'))
        p++;
    return p;
}

static int scan(const char *buf, size_t len, const beex_vocab *v, float *out, int *found, char *err,
                size_t errlen, const char *path)
{
    const char *end = buf + len;
    const char *p = member_start(buf, len, "vectors", '{', err, errlen, path);
    if (p == NULL)
        return -1;
    char key[256];
    int filled = 0;
    for (;;) {
        p = skip_separators(p, end);
        if (p < end && *p == '}')
            break;
        const char *q = p < end && *p == '"' ? string_end(p, end) : NULL;
        if (q == NULL || q + 2 >= end || q[1] != ':' || q[2] != '[') {
            snprintf(err, errlen, "%s: malformed entry at byte %zu", path, (size_t)(p - buf));
            return -1;
        }
        size_t klen = (size_t)(q - p - 1);
        int id = BEEX_UNK_ID;
        if (memchr(p + 1, '\\', klen) != NULL) {
            json_t *k = json_loadb(p, (size_t)(q - p + 1), JSON_DECODE_ANY, NULL);
            if (k != NULL && json_is_string(k))
                id = beex_vocab_lookup(v, json_string_value(k));
            json_decref(k);
        } else if (klen < sizeof key) {
            memcpy(key, p + 1, klen);
            key[klen] = '\0';
            id = beex_vocab_lookup(v, key);
        }
        const char *a = q + 2, *b = memchr(a, ']', (size_t)(end - a));
        if (b == NULL) {
            snprintf(err, errlen, "%s: unterminated vector at byte %zu", path, (size_t)(a - buf));
            return -1;
        }
        if (id >= 2) {
            json_error_t je;
            json_t *arr = json_loadb(a, (size_t)(b - a + 1), 0, &je);
            if (arr == NULL || json_array_size(arr) < BEEX_GLOVE_DIM) {
                snprintf(err, errlen, "%s: bad vector for '%.*s' at byte %zu", path,
                         (int)(klen < 64 ? klen : 64), p + 1, (size_t)(a - buf));
                json_decref(arr);
                return -1;
            }
            for (int i = 0; i < BEEX_GLOVE_DIM; i++)
                out[(size_t)id * BEEX_GLOVE_DIM + (size_t)i] =
                    (float)json_number_value(json_array_get(arr, (size_t)i));
            json_decref(arr);
            filled++;
        }
        p = b + 1;
    }
    *found = filled;
    return 0;
}

/* Maps the whole file read-only; *len receives its size. */
static void *map_file(const char *json_path, size_t *len, char *err, size_t errlen)
{
    int fd = open(json_path, O_RDONLY);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s (run datasets/glove.sh)", json_path,
                 strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size == 0) {
        snprintf(err, errlen, "%s: empty or unreadable", json_path);
        close(fd);
        return NULL;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        snprintf(err, errlen, "%s: mmap: %s", json_path, strerror(errno));
        return NULL;
    }
    madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
    *len = (size_t)st.st_size;
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
    int got = 0;
    while (got < n) {
        p = skip_separators(p, end);
        if (p < end && *p == ']')
            break;
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
        p = q + 1;
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
