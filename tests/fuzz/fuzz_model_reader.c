/* libFuzzer target for the model-file reader: any byte string must either load into a
 * model that passes its own invariants or be rejected with a message, never crash, hang,
 * leak or read out of bounds. Build: -DBEEX_FUZZ=ON with CC=clang; run: scripts/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/model/model.h"
#include "harness/model/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    err[0] = '\0';
    /* The generic layer on its own: every tensor it accepts lies inside the input. */
    beex_st_file f;
    if (beex_st_parse(data, size, &f, err, sizeof err) == 0) {
        for (size_t i = 0; i < f.count; i++)
            if (f.tensors[i].data < data ||
                f.tensors[i].data + (f.tensors[i].end - f.tensors[i].begin) > data + size)
                abort();
        beex_st_close(&f);
    } else if (err[0] == '\0') {
        abort(); /* a rejection must say why */
    }
    beex_model *m = NULL;
    err[0] = '\0';
    if (beex_model_load_buffer(data, size, &m, err, sizeof err) != 0) {
        if (m != NULL || err[0] == '\0')
            abort();
        return 0;
    }
    /* Touch what the forward pass reads, so a short buffer shows up under ASan. */
    volatile float sink = 0.0f;
    const beex_config *c = &m->cfg;
    sink += m->pos_embed[(size_t)c->max_len * (size_t)c->d - 1];
    /* A w8a8 deployment holds int8 rows and no bits; every other file has bits. */
    int int8 = m->tok_bits == NULL;
    if (int8 && (m->tok_q8 == NULL || m->tok_qscale == NULL))
        abort();
    sink += int8 ? m->tok_qscale[c->vocab - 1] + m->tok_q8[(size_t)c->vocab * c->d - 1]
                 : m->tok_gamma[c->vocab - 1];
    for (int i = 0; i < c->blocks; i++) {
        const beex_block *b = &m->blocks[i];
        sink += b->exit_bias[c->classes - 1];
        if (int8) {
            sink += b->w2.qscale[b->w2.rows - 1] + b->w2.act_scale;
            sink += (float)b->w4.q8[(size_t)b->w4.rows * (size_t)b->w4.cols - 1];
        } else {
            sink += b->w2.alpha[b->w2.rows - 1];
            sink += (float)b->w4.bits[(size_t)b->w4.rows * (((size_t)b->w4.cols + 7) / 8) - 1];
        }
    }
    (void)sink;
    beex_model_free(m);
    return 0;
}
