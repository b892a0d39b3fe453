/* libFuzzer target for the data set reader and the tokenizer. One input is a data set
 * directory: its parts, separated by 0xFF (fuzz_util.h), become train.tsv, dev.tsv, test.tsv
 * and labels.txt in that order; a file with no part is absent, so missing files are covered
 * too. A load must succeed with a consistent data set or fail with a message; on success a
 * vocabulary is built from the train texts and every text of every split is encoded, which
 * must give in-range ids. Build: -DBEEX_FUZZ=ON with CC=clang; run: scripts/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "harness/text/dataset.h"
#include "harness/text/tokenizer.h"
#include "harness/text/utf8.h"

/* Small on purpose: far fewer slots than distinct tokens in most inputs, so the frequency cut
 * and the [UNK] path of the encoder are exercised, not only exact hits. */
#define VOCAB_SIZE 40
/* Shorter than many texts, so truncation and the untruncated count are exercised. */
#define MAX_LEN 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_vocab(const beex_vocab *v)
{
    int n = beex_vocab_size(v);
    if (n < 2 || n > VOCAB_SIZE || strcmp(beex_vocab_token(v, BEEX_PAD_ID), "[PAD]") != 0 ||
        strcmp(beex_vocab_token(v, BEEX_UNK_ID), "[UNK]") != 0 || beex_vocab_token(v, n) != NULL)
        abort();
    /* Tokens come from a counting table, so each is unique and must find its own id. */
    for (int id = 0; id < n; id++)
        if (beex_vocab_lookup(v, beex_vocab_token(v, id)) != id)
            abort();
}

static void encode_split(const beex_vocab *v, const beex_split *sp, int n_labels)
{
    int n = beex_vocab_size(v);
    for (size_t i = 0; i < sp->n; i++) {
        const char *text = sp->ex[i].text;
        if (sp->ex[i].label < 0 || sp->ex[i].label >= n_labels ||
            beex_utf8_invalid_offset(text, strlen(text)) != strlen(text))
            abort();
        int32_t ids[MAX_LEN];
        int total = -1;
        int got = beex_encode(v, text, ids, MAX_LEN, &total);
        if (got < 1 || got > MAX_LEN || total < 0 ||
            (total > 0 && got != (total < MAX_LEN ? total : MAX_LEN)))
            abort();
        /* '[' is punctuation to the tokenizer, so no token can ever be "[PAD]". */
        for (int k = 0; k < got; k++)
            if (ids[k] < 0 || ids[k] >= n || ids[k] == BEEX_PAD_ID)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[4] = {"train.tsv", "dev.tsv", "test.tsv", "labels.txt"};
    const char *dir = fuzz_scratch("dataset");
    /* Rewritten from scratch each run: files of an earlier input must not leak into this one. */
    fuzz_empty_dir(dir);
    fuzz_part parts[4];
    int np = fuzz_split(data, size, parts, 4);
    for (int k = 0; k < np; k++) {
        char path[4200];
        fuzz_path(path, sizeof path, dir, names[k]);
        fuzz_write(path, parts[k].p, parts[k].n);
    }

    beex_dataset ds;
    char err[512];
    err[0] = '\0';
    int rc = beex_dataset_load(dir, &ds, err, sizeof err);
    fuzz_note("dataset", rc, err);
    if (rc != 0) {
        /* A rejection must say why and leave nothing behind to free. */
        if (err[0] == '\0' || ds.dir != NULL || ds.labels != NULL || ds.train.ex != NULL)
            abort();
        return 0;
    }
    if (ds.n_labels < 2 || ds.train.n == 0 || ds.dev.n == 0 || ds.test.n == 0)
        abort();
    for (int i = 0; i < ds.n_labels; i++)
        if (ds.labels[i] == NULL || ds.labels[i][0] == '\0')
            abort();

    const char **texts = malloc(ds.train.n * sizeof *texts);
    if (texts == NULL)
        abort();
    for (size_t i = 0; i < ds.train.n; i++)
        texts[i] = ds.train.ex[i].text;
    beex_vocab *v = beex_vocab_build(texts, ds.train.n, VOCAB_SIZE);
    free(texts);
    if (v == NULL)
        abort(); /* only out of memory may fail, and an input this small cannot cause that */
    check_vocab(v);
    encode_split(v, &ds.train, ds.n_labels);
    encode_split(v, &ds.dev, ds.n_labels);
    encode_split(v, &ds.test, ds.n_labels);
    beex_vocab_free(v);
    beex_dataset_free(&ds);
    return 0;
}
