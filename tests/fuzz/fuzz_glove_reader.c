/* libFuzzer target for the GloVe JSON reader (harness/text/glove.c): its byte scanner walks
 * the top-level object, the "words" list and the "vectors" object itself, so every offset it
 * computes is checked here under ASan. The input is written to a file; both readers run on it
 * against a small vocabulary. A lookup that succeeds must fill only rows of vocabulary words
 * (never [PAD] or [UNK]) with finite values, at most `found` of them; the first words must be
 * valid UTF-8 without NUL bytes. A refusal must name the file.
 * Build: -DBEEX_FUZZ=ON with CC=clang; run: scripts/fuzz.sh. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "harness/text/glove.h"
#include "harness/text/tokenizer.h"
#include "harness/text/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The seeds' words, one with an escape in the fixture ("caf\u00e9"), and the two member names
 * as words: a word "vectors" in the list must not be taken for the member. */
static char *tokens[] = {"[PAD]", "[UNK]", "the", "film", "caf\xC3\xA9", "vectors", "words", "a"};
#define N_TOKENS ((int)(sizeof tokens / sizeof tokens[0]))
#define SENTINEL (-7.25f)
#define FIRST_WORDS 4

static void check_lookup(const char *path, const beex_vocab *v)
{
    static float rows[N_TOKENS * BEEX_GLOVE_DIM];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        rows[i] = SENTINEL;
    char err[512] = "";
    int found = -1;
    int rc = beex_glove_lookup(path, v, rows, &found, err, sizeof err);
    fuzz_note("lookup", rc, err);
    if (rc != 0) {
        if (strstr(err, path) == NULL)
            abort();
        return;
    }
    if (found < 0)
        abort();
    int changed = 0;
    for (int id = 0; id < N_TOKENS; id++) {
        const float *r = rows + (size_t)id * BEEX_GLOVE_DIM;
        int touched = 0;
        for (int k = 0; k < BEEX_GLOVE_DIM; k++) {
            if (r[k] != SENTINEL)
                touched = 1;
            if (!isfinite(r[k]))
                abort();
        }
        if (touched && id < 2)
            abort(); /* [PAD] and [UNK] have no GloVe vector */
        changed += touched;
    }
    /* A word listed twice counts twice; a vector may also equal the sentinel everywhere. */
    if (changed > found)
        abort();
}

static void check_first_words(const char *path)
{
    char err[512] = "";
    int count = -1;
    char **w = beex_glove_first_words(path, FIRST_WORDS, &count, err, sizeof err);
    fuzz_note("first words", w != NULL ? 0 : -1, err);
    if (w == NULL) {
        if (count != 0 || (strstr(err, path) == NULL && strstr(err, "out of memory") == NULL))
            abort();
        return;
    }
    if (count < 0 || count > FIRST_WORDS)
        abort();
    for (int i = 0; i < count; i++) {
        if (w[i] == NULL || beex_utf8_invalid_offset(w[i], strlen(w[i])) != strlen(w[i]))
            abort();
        free(w[i]);
    }
    free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static beex_vocab *v;
    if (v == NULL && (v = beex_vocab_from_tokens(tokens, N_TOKENS)) == NULL)
        abort();
    char path[4200];
    fuzz_path(path, sizeof path, fuzz_scratch("glove"), "glove.json");
    fuzz_write(path, data, size);
    check_lookup(path, v);
    check_first_words(path);
    return 0;
}
