/* Word-level tokenizer and vocabulary. The rules, applied to UTF-8 text one code point at a
 * time (datasets/README.md repeats them for users):
 *
 * 1. Normalise: U+2018 U+2019 U+02BC become the ASCII apostrophe ', U+201C U+201D become ".
 *    Lowercase: ASCII A-Z, Latin-1 U+00C0-U+00DE (not U+00D7), Greek U+0391-U+03A9 and
 *    Cyrillic U+0400-U+042F map to their small letters; other scripts are left as they are.
 * 2. Classify: ASCII letters and digits are word characters, and so is every code point from
 *    U+00C0 up except those listed as spaces or punctuation below. Spaces (separate tokens,
 *    dropped): ASCII whitespace and controls, U+0080-U+00A0, U+2000-U+200F, U+2028-U+202F,
 *    U+205F-U+206F, U+3000, U+FEFF. Punctuation: the other printable ASCII characters,
 *    U+00A1-U+00BF, U+00D7, U+00F7, U+2010-U+2027, U+2030-U+205E, U+2070-U+2BFF,
 *    U+3001-U+303F, U+FE10-U+FE6F, U+FF01-U+FF0F, U+FF1A-U+FF20, U+FF3B-U+FF40,
 *    U+FF5B-U+FF65, U+1F000-U+1FAFF.
 * 3. A word is a maximal run of word characters, also joined across: a hyphen '-' or an
 *    apostrophe with a word character on both sides ("co-writer", "o'neil"), and a '.' or ','
 *    with an ASCII digit on both sides ("5.93", "155,221"). Digits are kept as they are.
 * 4. Clitics are split off a word the way the Penn Treebank does (GloVe's vocabulary has the
 *    stems): a word ending in "n't" with more before it becomes stem + "n't" ("don't" -> "do"
 *    "n't", "can't" -> "ca" "n't"); otherwise a final 's 'm 'd 'll 're 've becomes its own token
 *    ("film's" -> "film" "'s"). Other inner apostrophes stay ("o'neil").
 * 5. Punctuation: a run of one repeated punctuation code point is one token ("...", "--",
 *    "!!!", "''"); an apostrophe not inside a word is punctuation.
 * Invalid UTF-8 bytes (the reader rejects them before this point) count as spaces. */
#include "harness/text/tokenizer.h"

#include <stdlib.h>
#include <string.h>

#include "harness/text/utf8.h"

enum { CLS_SPACE, CLS_WORD, CLS_PUNCT };

static uint32_t normalise(uint32_t cp)
{
    if (cp == 0x2018 || cp == 0x2019 || cp == 0x02BC)
        return '\'';
    if (cp == 0x201C || cp == 0x201D)
        return '"';
    if (cp >= 'A' && cp <= 'Z')
        return cp + 32;
    if (cp < 0x80)
        return cp;
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
        return cp + 32;
    if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) /* U+03A2 is unassigned */
        return cp + 32;
    if (cp >= 0x410 && cp <= 0x42F)
        return cp + 32;
    if (cp >= 0x400 && cp <= 0x40F)
        return cp + 80;
    return cp;
}

static int in(uint32_t cp, uint32_t lo, uint32_t hi)
{
    return cp >= lo && cp <= hi;
}

static int classify(uint32_t cp)
{
    if (cp < 0x80) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'))
            return CLS_WORD;
        if (cp <= ' ' || cp == 0x7F)
            return CLS_SPACE;
        return CLS_PUNCT;
    }
    if (cp <= 0xA0 || in(cp, 0x2000, 0x200F) || in(cp, 0x2028, 0x202F) || in(cp, 0x205F, 0x206F) ||
        cp == 0x3000 || cp == 0xFEFF)
        return CLS_SPACE;
    if (in(cp, 0xA1, 0xBF) || cp == 0xD7 || cp == 0xF7 || in(cp, 0x2010, 0x2027) ||
        in(cp, 0x2030, 0x205E) || in(cp, 0x2070, 0x2BFF) || in(cp, 0x3001, 0x303F) ||
        in(cp, 0xFE10, 0xFE6F) || in(cp, 0xFF01, 0xFF0F) || in(cp, 0xFF1A, 0xFF20) ||
        in(cp, 0xFF3B, 0xFF40) || in(cp, 0xFF5B, 0xFF65) || in(cp, 0x1F000, 0x1FAFF))
        return CLS_PUNCT;
    return CLS_WORD;
}

static int is_digit(uint32_t cp)
{
    return cp >= '0' && cp <= '9';
}

/* A growable byte buffer holding the token being built. */
typedef struct {
    char *b;
    size_t n, cap;
    int oom;
} buf;

static void buf_put(buf *t, const char *s, size_t n)
{
    if (t->oom)
        return;
    if (t->n + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        while (cap < t->n + n + 1)
            cap *= 2;
        char *nb = realloc(t->b, cap);
        if (nb == NULL) {
            t->oom = 1; /* the token is dropped; nothing better to do in a callback API */
            return;
        }
        t->b = nb, t->cap = cap;
    }
    memcpy(t->b + t->n, s, n);
    t->n += n;
    t->b[t->n] = '\0';
}

static void buf_put_cp(buf *t, uint32_t cp)
{
    char e[4];
    buf_put(t, e, (size_t)beex_utf8_encode(cp, e));
}

typedef void (*tok_fn)(const char *tok, void *ctx);

static void emit_part(const char *s, size_t n, tok_fn fn, void *ctx, buf *tmp)
{
    tmp->n = 0;
    buf_put(tmp, s, n);
    if (!tmp->oom && tmp->n > 0)
        fn(tmp->b, ctx);
}

static int is_clitic(const char *s, size_t n)
{
    static const char *const clitics[] = {"'s", "'m", "'d", "'ll", "'re", "'ve"};
    for (size_t i = 0; i < sizeof clitics / sizeof clitics[0]; i++)
        if (strlen(clitics[i]) == n && memcmp(s, clitics[i], n) == 0)
            return 1;
    return 0;
}

static void flush_word(buf *w, tok_fn fn, void *ctx, buf *tmp)
{
    if (w->oom || w->n == 0) {
        w->n = 0, w->oom = 0;
        return;
    }
    const char *s = w->b;
    size_t n = w->n;
    if (memchr(s, '\'', n) != NULL) {
        if (n > 3 && memcmp(s + n - 3, "n't", 3) == 0 && s[n - 4] != '\'') {
            emit_part(s, n - 3, fn, ctx, tmp);
            emit_part(s + n - 3, 3, fn, ctx, tmp);
            w->n = 0;
            return;
        }
        const char *last = s + n;
        while (last > s && last[-1] != '\'')
            last--;
        size_t p = (size_t)(last - 1 - s); /* index of the last apostrophe */
        if (p > 0 && is_clitic(s + p, n - p)) {
            emit_part(s, p, fn, ctx, tmp);
            emit_part(s + p, n - p, fn, ctx, tmp);
            w->n = 0;
            return;
        }
    }
    fn(s, ctx);
    w->n = 0;
}

/* Next code point at text[i..n), normalised, with its byte length (invalid bytes: one space). */
static uint32_t next_cp(const char *text, size_t n, size_t i, int *len)
{
    uint32_t cp;
    *len = beex_utf8_decode(text + i, n - i, &cp);
    if (*len == 0) {
        *len = 1;
        return ' ';
    }
    return normalise(cp);
}

void beex_tokenize_each(const char *text, void (*fn)(const char *tok, void *ctx), void *ctx)
{
    size_t n = strlen(text), i = 0;
    buf word = {0}, tmp = {0}, punct = {0};
    uint32_t prev = 0; /* last code point appended to the current word */
    while (i < n) {
        int len;
        uint32_t cp = next_cp(text, n, i, &len);
        int cls = classify(cp);
        if (cls == CLS_WORD) {
            buf_put_cp(&word, cp);
            prev = cp;
            i += (size_t)len;
            continue;
        }
        if (word.n > 0 && (cp == '-' || cp == '\'' || cp == '.' || cp == ',') &&
            i + (size_t)len < n) {
            int nlen;
            uint32_t next = next_cp(text, n, i + (size_t)len, &nlen);
            int joins = (cp == '-' || cp == '\'') ? classify(next) == CLS_WORD
                                                  : is_digit(prev) && is_digit(next);
            if (joins) {
                buf_put_cp(&word, cp);
                buf_put_cp(&word, next);
                prev = next;
                i += (size_t)len + (size_t)nlen;
                continue;
            }
        }
        flush_word(&word, fn, ctx, &tmp);
        i += (size_t)len;
        if (cls == CLS_SPACE)
            continue;
        punct.n = 0;
        buf_put_cp(&punct, cp);
        while (i < n) {
            uint32_t again = next_cp(text, n, i, &len);
            if (again != cp)
                break;
            buf_put_cp(&punct, cp);
            i += (size_t)len;
        }
        if (!punct.oom)
            fn(punct.b, ctx);
        punct.oom = 0;
    }
    flush_word(&word, fn, ctx, &tmp);
    free(word.b);
    free(tmp.b);
    free(punct.b);
}

/* ---- vocabulary: token strings plus an open-addressing hash index ---------------------- */

struct beex_vocab {
    char **tokens;
    int n;
    int *slots; /* token id or -1; size is a power of two, at most half full */
    size_t mask;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

void beex_vocab_free(beex_vocab *v)
{
    if (v == NULL)
        return;
    for (int i = 0; i < v->n; i++)
        free(v->tokens[i]);
    free(v->tokens);
    free(v->slots);
    free(v);
}

/* Takes ownership of tokens[0..n). Later duplicates of a token are unreachable by lookup. */
static beex_vocab *vocab_index(char **tokens, int n)
{
    beex_vocab *v = calloc(1, sizeof *v);
    if (v == NULL)
        return NULL;
    v->tokens = tokens, v->n = n;
    size_t cap = 16;
    while (cap < (size_t)n * 2)
        cap *= 2;
    v->slots = malloc(cap * sizeof *v->slots);
    if (v->slots == NULL) {
        beex_vocab_free(v);
        return NULL;
    }
    v->mask = cap - 1;
    for (size_t i = 0; i < cap; i++)
        v->slots[i] = -1;
    for (int id = 0; id < n; id++) {
        size_t h = (size_t)hash_str(tokens[id]) & v->mask;
        while (v->slots[h] >= 0 && strcmp(tokens[v->slots[h]], tokens[id]) != 0)
            h = (h + 1) & v->mask;
        if (v->slots[h] < 0)
            v->slots[h] = id;
    }
    return v;
}

beex_vocab *beex_vocab_from_tokens(char *const *tokens, int n)
{
    if (n < 2)
        return NULL;
    char **copy = calloc((size_t)n, sizeof *copy);
    if (copy == NULL)
        return NULL;
    for (int i = 0; i < n; i++) {
        copy[i] = strdup(tokens[i] != NULL ? tokens[i] : "");
        if (copy[i] == NULL) {
            for (int j = 0; j < i; j++)
                free(copy[j]);
            free(copy);
            return NULL;
        }
    }
    return vocab_index(copy, n);
}

int beex_vocab_size(const beex_vocab *v)
{
    return v->n;
}

const char *beex_vocab_token(const beex_vocab *v, int id)
{
    return id >= 0 && id < v->n ? v->tokens[id] : NULL;
}

int beex_vocab_lookup(const beex_vocab *v, const char *tok)
{
    size_t h = (size_t)hash_str(tok) & v->mask;
    while (v->slots[h] >= 0) {
        if (strcmp(v->tokens[v->slots[h]], tok) == 0)
            return v->slots[h];
        h = (h + 1) & v->mask;
    }
    return BEEX_UNK_ID;
}

/* ---- counting tokens of the training texts ---------------------------------------------- */

typedef struct {
    char *tok;
    long count;
} counted;

typedef struct {
    counted *slots; /* tok == NULL: empty */
    size_t cap, used;
    int oom;
} counter;

static int counter_grow(counter *c)
{
    size_t cap = c->cap ? c->cap * 2 : 4096;
    counted *s = calloc(cap, sizeof *s);
    if (s == NULL)
        return -1;
    for (size_t i = 0; i < c->cap; i++) {
        if (c->slots[i].tok == NULL)
            continue;
        size_t h = (size_t)hash_str(c->slots[i].tok) & (cap - 1);
        while (s[h].tok != NULL)
            h = (h + 1) & (cap - 1);
        s[h] = c->slots[i];
    }
    free(c->slots);
    c->slots = s, c->cap = cap;
    return 0;
}

static void count_token(const char *tok, void *ctx)
{
    counter *c = ctx;
    if (c->oom)
        return;
    if ((c->used + 1) * 2 > c->cap && counter_grow(c) != 0) {
        c->oom = 1;
        return;
    }
    size_t h = (size_t)hash_str(tok) & (c->cap - 1);
    while (c->slots[h].tok != NULL && strcmp(c->slots[h].tok, tok) != 0)
        h = (h + 1) & (c->cap - 1);
    if (c->slots[h].tok == NULL) {
        c->slots[h].tok = strdup(tok);
        if (c->slots[h].tok == NULL) {
            c->oom = 1;
            return;
        }
        c->used++;
    }
    c->slots[h].count++;
}

static int by_count_then_bytes(const void *a, const void *b)
{
    const counted *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->tok, y->tok); /* strcmp compares as unsigned char: byte order */
}

beex_vocab *beex_vocab_build(const char *const *texts, size_t n, int size)
{
    if (size < 2)
        return NULL;
    counter c = {0};
    if (counter_grow(&c) != 0)
        return NULL;
    for (size_t i = 0; i < n && !c.oom; i++)
        beex_tokenize_each(texts[i], count_token, &c);
    /* Compact the table in place, then sort: most frequent first, ties by byte order. */
    size_t m = 0;
    for (size_t i = 0; i < c.cap; i++)
        if (c.slots[i].tok != NULL)
            c.slots[m++] = c.slots[i];
    beex_vocab *v = NULL;
    char **tokens = NULL;
    if (!c.oom) {
        qsort(c.slots, m, sizeof *c.slots, by_count_then_bytes);
        size_t keep = m < (size_t)size - 2 ? m : (size_t)size - 2;
        tokens = calloc(keep + 2, sizeof *tokens);
        if (tokens != NULL) {
            tokens[BEEX_PAD_ID] = strdup("[PAD]");
            tokens[BEEX_UNK_ID] = strdup("[UNK]");
            for (size_t i = 0; i < keep; i++) {
                tokens[i + 2] = c.slots[i].tok; /* ownership moves to the vocabulary */
                c.slots[i].tok = NULL;
            }
            if (tokens[0] != NULL && tokens[1] != NULL)
                v = vocab_index(tokens, (int)keep + 2);
            if (v == NULL) {
                for (size_t i = 0; i < keep + 2; i++)
                    free(tokens[i]);
                free(tokens);
            }
        }
    }
    for (size_t i = 0; i < m; i++)
        free(c.slots[i].tok);
    free(c.slots);
    return v;
}

/* ---- encoding ------------------------------------------------------------------------- */

typedef struct {
    const beex_vocab *v;
    int32_t *ids;
    int max_len, written, total;
} encoder;

static void encode_token(const char *tok, void *ctx)
{
    encoder *e = ctx;
    if (e->written < e->max_len)
        e->ids[e->written++] = beex_vocab_lookup(e->v, tok);
    e->total++;
}

int beex_encode(const beex_vocab *v, const char *text, int32_t *ids, int max_len, int *n_tokens)
{
    encoder e = {v, ids, max_len, 0, 0};
    if (max_len < 1)
        return 0;
    beex_tokenize_each(text, encode_token, &e);
    if (n_tokens != NULL)
        *n_tokens = e.total;
    if (e.written == 0)
        ids[e.written++] = BEEX_UNK_ID;
    return e.written;
}
