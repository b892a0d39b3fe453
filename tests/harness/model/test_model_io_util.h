/* Helpers shared by the model-file tests: a tiny model whose widths are not multiples of 8
 * (so packed rows have padding bits), temporary paths and whole-file reads. */
#ifndef BEEX_TEST_MODEL_IO_UTIL_H
#define BEEX_TEST_MODEL_IO_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/model/model.h"

static inline beex_config tiny_config(void)
{
    beex_config c = beex_config_default();
    c.vocab = 13;
    c.d = 12;
    c.heads = 3;
    c.dff = 20;
    c.blocks = 2;
    c.max_len = 5;
    c.classes = 3;
    return c;
}

static inline beex_model *tiny_model(uint64_t seed)
{
    beex_config c = tiny_config();
    beex_model *m = NULL;
    char err[256];
    if (beex_model_alloc(&c, &m, err, sizeof err) != 0) {
        fprintf(stderr, "alloc: %s\n", err);
        abort();
    }
    beex_model_init_random(m, seed);
    return m;
}

/* A path in the temporary directory unique to this process. */
static inline void temp_path(char *buf, size_t n, const char *tag)
{
    const char *dir = getenv("TMPDIR");
    snprintf(buf, n, "%s/beex_test_%ld_%s.safetensors", dir && *dir ? dir : "/tmp", (long)getpid(),
             tag);
}

static inline uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

#endif
