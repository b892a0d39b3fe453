/* safetensors: parse and validate, then write. See safetensors.h for what is checked. */
#include "harness/model/safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/base/atomic_file.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the safetensors reader copies little-endian data as is: port it to big-endian first"
#endif

static const char *const dtype_names[] = {"F32", "U8", "I8"};
static const size_t dtype_sizes[] = {4, 1, 1};

const char *beex_st_dtype_name(beex_st_dtype t)
{
    return (int)t >= 0 && (int)t <= BEEX_ST_I8 ? dtype_names[t] : "?";
}

size_t beex_st_dtype_size(beex_st_dtype t)
{
    return (int)t >= 0 && (int)t <= BEEX_ST_I8 ? dtype_sizes[t] : 0;
}

void beex_st_close(beex_st_file *f)
{
    if (f == NULL)
        return;
    json_decref(f->header);
    json_decref(f->index);
    free(f->tensors);
    free(f->owned);
    memset(f, 0, sizeof *f);
}

/* Every dtype of the safetensors format; a known one beex cannot hold gets a clearer message
 * than a typo. */
static int is_safetensors_dtype(const char *s)
{
    static const char *const all[] = {"BOOL", "U8",  "I8",  "F8_E5M2", "F8_E4M3",
                                      "I16",  "U16", "F16", "BF16",    "I32",
                                      "U32",  "F32", "F64", "I64",     "U64"};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(s, all[i]) == 0)
            return 1;
    return 0;
}

static int parse_dtype(const char *name, json_t *v, beex_st_dtype *out, char *err, size_t errlen)
{
    const char *s = json_string_value(v);
    if (s == NULL) {
        snprintf(err, errlen, "tensor '%s': dtype missing or not a string", name);
        return -1;
    }
    for (int i = 0; i <= BEEX_ST_I8; i++)
        if (strcmp(s, dtype_names[i]) == 0) {
            *out = (beex_st_dtype)i;
            return 0;
        }
    if (is_safetensors_dtype(s))
        snprintf(err, errlen, "tensor '%s': unsupported dtype '%s' (beex reads F32, U8 and I8)",
                 name, s);
    else
        snprintf(err, errlen, "tensor '%s': unknown dtype '%.32s'", name, s);
    return -1;
}

/* A non-negative JSON integer that fits in size_t and int64. */
static int get_count(json_t *v, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int parse_tensor(const char *name, json_t *v, size_t data_len, beex_st_tensor *t, char *err,
                        size_t errlen)
{
    if (!json_is_object(v)) {
        snprintf(err, errlen, "tensor '%s': header entry is not a JSON object", name);
        return -1;
    }
    t->name = name;
    if (parse_dtype(name, json_object_get(v, "dtype"), &t->dtype, err, errlen) != 0)
        return -1;
    json_t *shape = json_object_get(v, "shape");
    if (!json_is_array(shape) || json_array_size(shape) > BEEX_ST_MAX_DIMS) {
        snprintf(err, errlen, "tensor '%s': shape missing, not an array or over %d dimensions",
                 name, BEEX_ST_MAX_DIMS);
        return -1;
    }
    t->ndim = (int)json_array_size(shape);
    /* Multiply with a bound: any product past the data section cannot match its bytes. */
    uint64_t elems = 1, limit = (uint64_t)data_len + 1;
    for (int i = 0; i < t->ndim; i++) {
        uint64_t dim;
        if (get_count(json_array_get(shape, (size_t)i), &dim) != 0) {
            snprintf(err, errlen, "tensor '%s': shape entry %d is not a non-negative integer", name,
                     i);
            return -1;
        }
        t->shape[i] = (int64_t)dim;
        if (elems != 0)
            elems = dim > limit || elems > limit / (dim ? dim : 1) ? limit : elems * dim;
        if (dim == 0)
            elems = 0;
    }
    uint64_t need = elems >= limit ? limit : elems * beex_st_dtype_size(t->dtype);
    json_t *offs = json_object_get(v, "data_offsets");
    uint64_t b, e;
    if (!json_is_array(offs) || json_array_size(offs) != 2 ||
        get_count(json_array_get(offs, 0), &b) != 0 ||
        get_count(json_array_get(offs, 1), &e) != 0) {
        snprintf(err, errlen, "tensor '%s': data_offsets must be two non-negative integers", name);
        return -1;
    }
    if (b > e || e > data_len) {
        snprintf(err, errlen,
                 "tensor '%s': data_offsets [%llu, %llu] lie outside the data section of %zu "
                 "bytes",
                 name, (unsigned long long)b, (unsigned long long)e, data_len);
        return -1;
    }
    if (e - b != need) {
        snprintf(err, errlen,
                 "tensor '%s': size mismatch: data_offsets hold %llu bytes, dtype %s x shape "
                 "needs %s%llu",
                 name, (unsigned long long)(e - b), dtype_names[t->dtype],
                 need >= limit ? "more than " : "",
                 (unsigned long long)(need >= limit ? data_len : need));
        return -1;
    }
    t->begin = (size_t)b;
    t->end = (size_t)e;
    return 0;
}

static int check_metadata(json_t *md, char *err, size_t errlen)
{
    if (!json_is_object(md)) {
        snprintf(err, errlen, "bad metadata: __metadata__ is not a JSON object");
        return -1;
    }
    const char *key;
    json_t *val;
    json_object_foreach(md, key, val)
    {
        if (!json_is_string(val)) {
            snprintf(err, errlen, "bad metadata: __metadata__ value of '%.64s' is not a string",
                     key);
            return -1;
        }
    }
    return 0;
}

static int by_offset(const void *a, const void *b)
{
    const beex_st_tensor *x = *(const beex_st_tensor *const *)a;
    const beex_st_tensor *y = *(const beex_st_tensor *const *)b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* The offsets must tile the data section: sorted by begin, each starts where the previous
 * one ended and the last ends at the end of the file. */
static int check_tiling(beex_st_file *f, char *err, size_t errlen)
{
    const beex_st_tensor **order = malloc((f->count ? f->count : 1) * sizeof *order);
    if (order == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < f->count; i++)
        order[i] = &f->tensors[i];
    qsort(order, f->count, sizeof *order, by_offset);
    size_t pos = 0;
    int rc = 0;
    for (size_t i = 0; i < f->count && rc == 0; i++) {
        const beex_st_tensor *t = order[i];
        if (t->begin < pos) {
            snprintf(err, errlen, "tensor '%s': data_offsets [%zu, %zu] overlap tensor '%s'",
                     t->name, t->begin, t->end, order[i - 1]->name);
            rc = -1;
        } else if (t->begin > pos) {
            snprintf(err, errlen,
                     "tensor '%s': data_offsets begin at %zu, leaving a hole after byte %zu",
                     t->name, t->begin, pos);
            rc = -1;
        }
        pos = t->end;
    }
    if (rc == 0 && pos != f->data_len) {
        snprintf(err, errlen, "data section has %zu bytes but the tensors cover only %zu",
                 f->data_len, pos);
        rc = -1;
    }
    free(order);
    return rc;
}

/* The 8-byte little-endian header length of a file of len bytes (first8 holds its first
 * bytes, NULL when len < 8), checked against the file and the limit. Returns 0 or -1. */
static int header_length(const uint8_t *first8, size_t len, uint64_t *hlen, char *err,
                         size_t errlen)
{
    if (len < 8 || first8 == NULL) {
        snprintf(err, errlen, "truncated file: %zu bytes, fewer than the 8-byte header length",
                 len);
        return -1;
    }
    *hlen = 0;
    for (int i = 7; i >= 0; i--)
        *hlen = *hlen << 8 | first8[i];
    if (*hlen > len - 8) {
        snprintf(err, errlen, "header length %llu runs past the end of the file (%zu bytes)",
                 (unsigned long long)*hlen, len);
        return -1;
    }
    if (*hlen > BEEX_ST_MAX_HEADER) {
        snprintf(err, errlen, "header length %llu exceeds the limit of %llu bytes",
                 (unsigned long long)*hlen, (unsigned long long)BEEX_ST_MAX_HEADER);
        return -1;
    }
    return 0;
}

int beex_st_parse(const uint8_t *buf, size_t len, beex_st_file *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    uint64_t hlen;
    if (header_length(len >= 8 ? buf : NULL, len, &hlen, err, errlen) != 0)
        return -1;
    if (hlen < 2 || buf[8] != '{') {
        snprintf(err, errlen, "malformed JSON header: it must start with '{'");
        return -1;
    }
    json_error_t je;
    out->header = json_loadb((const char *)buf + 8, (size_t)hlen, JSON_REJECT_DUPLICATES, &je);
    if (out->header == NULL || !json_is_object(out->header)) {
        if (out->header == NULL)
            snprintf(err, errlen, "malformed JSON header at byte %d: %s", je.position, je.text);
        else
            snprintf(err, errlen, "malformed JSON header: not an object");
        beex_st_close(out);
        return -1;
    }
    out->data = buf + 8 + hlen;
    out->data_len = len - 8 - (size_t)hlen;
    out->metadata = json_object_get(out->header, "__metadata__");
    if (out->metadata != NULL && check_metadata(out->metadata, err, errlen) != 0)
        goto fail;
    size_t n = json_object_size(out->header) - (out->metadata != NULL);
    out->tensors = calloc(n ? n : 1, sizeof *out->tensors);
    out->index = json_object();
    if (out->tensors == NULL || out->index == NULL) {
        snprintf(err, errlen, "out of memory reading the header");
        goto fail;
    }
    const char *key;
    json_t *val;
    json_object_foreach(out->header, key, val)
    {
        if (strcmp(key, "__metadata__") == 0)
            continue;
        beex_st_tensor *t = &out->tensors[out->count];
        if (parse_tensor(key, val, out->data_len, t, err, errlen) != 0)
            goto fail;
        t->data = out->data + t->begin;
        if (json_object_set_new(out->index, key, json_integer((json_int_t)out->count)) != 0) {
            snprintf(err, errlen, "out of memory reading the header");
            goto fail;
        }
        out->count++;
    }
    if (check_tiling(out, err, errlen) != 0)
        goto fail;
    return 0;
fail:
    beex_st_close(out);
    return -1;
}

/* Reads and checks the 8-byte length and the JSON header before the body: a huge file whose
 * header is wrong is refused without reading gigabytes. The full check is beex_st_parse. */
static int header_precheck(FILE *fp, size_t len, char *err, size_t errlen)
{
    uint8_t lenbuf[8];
    uint64_t hlen;
    int got8 = len >= 8 && fread(lenbuf, 1, 8, fp) == 8;
    if (header_length(got8 ? lenbuf : NULL, len, &hlen, err, errlen) != 0)
        return -1;
    if (hlen < 2) {
        snprintf(err, errlen, "malformed JSON header: %llu bytes", (unsigned long long)hlen);
        return -1;
    }
    char *h = malloc((size_t)hlen);
    json_t *j = NULL;
    int rc = -1;
    if (h == NULL || fread(h, 1, (size_t)hlen, fp) != (size_t)hlen) {
        snprintf(err, errlen, "cannot read the %llu-byte header", (unsigned long long)hlen);
        goto out;
    }
    json_error_t je;
    if ((j = json_loadb(h, (size_t)hlen, 0, &je)) == NULL || !json_is_object(j)) {
        snprintf(err, errlen, "header is not a JSON object: %s", j ? "wrong type" : je.text);
        goto out;
    }
    /* The tensors must tile the body exactly: the largest end offset is the body's size. */
    uint64_t body = len - 8 - hlen, end = 0;
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        json_t *off = json_object_get(v, "data_offsets");
        json_t *e = json_array_get(off, 1);
        if (strcmp(key, "__metadata__") != 0 && json_is_integer(e) &&
            (uint64_t)json_integer_value(e) > end)
            end = (uint64_t)json_integer_value(e);
    }
    if (end != body) {
        snprintf(err, errlen, "the tensors span %llu bytes, the body holds %llu",
                 (unsigned long long)end, (unsigned long long)body);
        goto out;
    }
    rc = 0;
out:
    json_decref(j);
    free(h);
    return rc;
}

int beex_st_read(const char *path, beex_st_file *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    /* O_NONBLOCK: opening a FIFO with no writer must not hang; it is refused below. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return -1;
    }
    FILE *fp = fdopen(fd, "rb");
    if (fp == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    size_t len = (size_t)st.st_size;
    char why[384];
    if (header_precheck(fp, len, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        fclose(fp);
        return -1;
    }
    rewind(fp);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf == NULL) {
        snprintf(err, errlen, "%s: out of memory reading %zu bytes", path, len);
        fclose(fp);
        return -1;
    }
    size_t got = fread(buf, 1, len, fp);
    int rerr = ferror(fp);
    fclose(fp);
    if (got != len || rerr) {
        snprintf(err, errlen, "%s: read failed after %zu of %zu bytes", path, got, len);
        free(buf);
        return -1;
    }
    char inner[384];
    if (beex_st_parse(buf, len, out, inner, sizeof inner) != 0) {
        snprintf(err, errlen, "%s: %s", path, inner);
        free(buf);
        return -1;
    }
    out->owned = buf;
    return 0;
}

const beex_st_tensor *beex_st_find(const beex_st_file *f, const char *name)
{
    json_t *i = json_object_get(f->index, name);
    return i != NULL ? &f->tensors[json_integer_value(i)] : NULL;
}

const char *beex_st_meta(const beex_st_file *f, const char *key)
{
    return f->metadata != NULL ? json_string_value(json_object_get(f->metadata, key)) : NULL;
}

/* ---- writer ---------------------------------------------------------------------------- */

static size_t entry_bytes(const beex_st_entry *e)
{
    size_t n = beex_st_dtype_size(e->dtype);
    for (int i = 0; i < e->ndim; i++)
        n *= (size_t)e->shape[i];
    return n;
}

static json_t *build_header(const beex_st_entry *entries, size_t n, const json_t *metadata,
                            char *err, size_t errlen)
{
    json_t *h = json_object();
    if (h == NULL)
        goto oom;
    if (metadata != NULL) {
        json_t *md = json_deep_copy(metadata);
        if (md == NULL || check_metadata(md, err, errlen) != 0) {
            json_decref(md);
            json_decref(h);
            if (md == NULL)
                goto oom;
            return NULL;
        }
        if (json_object_set_new(h, "__metadata__", md) != 0)
            goto oom;
    }
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        const beex_st_entry *e = &entries[i];
        if (json_object_get(h, e->name) != NULL || strcmp(e->name, "__metadata__") == 0) {
            snprintf(err, errlen, "tensor '%s': duplicate name", e->name);
            json_decref(h);
            return NULL;
        }
        json_t *shape = json_array();
        for (int d = 0; shape != NULL && d < e->ndim; d++)
            if (json_array_append_new(shape, json_integer(e->shape[d])) != 0) {
                json_decref(shape);
                shape = NULL;
            }
        size_t nb = entry_bytes(e);
        if (shape == NULL)
            goto oom;
        json_t *t =
            json_pack("{s:s, s:o, s:[I, I]}", "dtype", beex_st_dtype_name(e->dtype), "shape", shape,
                      "data_offsets", (json_int_t)off, (json_int_t)(off + nb));
        if (t == NULL || json_object_set_new(h, e->name, t) != 0)
            goto oom;
        off += nb;
    }
    return h;
oom:
    json_decref(h);
    snprintf(err, errlen, "out of memory building the header");
    return NULL;
}

static char *header_text(const beex_st_entry *entries, size_t n, const json_t *metadata, char *err,
                         size_t errlen)
{
    json_t *h = build_header(entries, n, metadata, err, errlen);
    if (h == NULL)
        return NULL;
    char *text = json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(h);
    if (text == NULL)
        snprintf(err, errlen, "out of memory serialising the header");
    return text;
}

int beex_st_size(const beex_st_entry *entries, size_t n, const json_t *metadata, uint64_t *bytes,
                 char *err, size_t errlen)
{
    char *text = header_text(entries, n, metadata, err, errlen);
    if (text == NULL)
        return -1;
    uint64_t total = 8 + (strlen(text) + 7) / 8 * 8;
    free(text);
    for (size_t i = 0; i < n; i++)
        total += entry_bytes(&entries[i]);
    *bytes = total;
    return 0;
}

int beex_st_write(const char *path, const beex_st_entry *entries, size_t n, const json_t *metadata,
                  char *err, size_t errlen)
{
    char *text = header_text(entries, n, metadata, err, errlen);
    if (text == NULL)
        return -1;
    size_t tlen = strlen(text), hlen = (tlen + 7) / 8 * 8; /* 8-aligned data, space padding */
    uint8_t lenbytes[8];
    for (int i = 0; i < 8; i++)
        lenbytes[i] = (uint8_t)((uint64_t)hlen >> (8 * i));
    beex_atomic_file af;
    if (beex_atomic_open(&af, path, err, errlen) != 0) {
        free(text);
        return -1;
    }
    int bad = fwrite(lenbytes, 1, 8, af.f) != 8 || fwrite(text, 1, tlen, af.f) != tlen;
    for (size_t i = tlen; i < hlen && !bad; i++)
        bad = fputc(' ', af.f) == EOF;
    free(text);
    for (size_t i = 0; i < n && !bad; i++) {
        size_t nb = entry_bytes(&entries[i]);
        bad = nb != 0 && fwrite(entries[i].data, 1, nb, af.f) != nb;
    }
    if (bad) {
        snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
        beex_atomic_abort(&af);
        return -1;
    }
    return beex_atomic_commit(&af, err, errlen);
}
