/* Word-level tokenizer and vocabulary (issue 4). Text is lowercased and split into tokens;
 * the vocabulary keeps the `vocab` most frequent training tokens (ties by byte order) after
 * the reserved ids 0 = [PAD], 1 = [UNK]. The exact rules are in tokenizer.c's header
 * comment and the README. */
#ifndef BEEX_TEXT_TOKENIZER_H
#define BEEX_TEXT_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#define BEEX_PAD_ID 0
#define BEEX_UNK_ID 1

typedef struct beex_vocab beex_vocab;

/* Calls fn once per token of text (token bytes are NUL-terminated, valid until the next call). */
void beex_tokenize_each(const char *text, void (*fn)(const char *tok, void *ctx), void *ctx);

/* Builds a vocabulary of at most `size` entries (including [PAD], [UNK]) from texts. */
beex_vocab *beex_vocab_build(const char *const *texts, size_t n, int size);
/* From a token list (id = index), e.g. the one stored in a model file. */
beex_vocab *beex_vocab_from_tokens(char *const *tokens, int n);
void beex_vocab_free(beex_vocab *v);
int beex_vocab_size(const beex_vocab *v);
const char *beex_vocab_token(const beex_vocab *v, int id);
int beex_vocab_lookup(const beex_vocab *v, const char *tok); /* BEEX_UNK_ID if absent */

/* Encodes text into at most max_len ids (truncating); returns the count written, >= 1:
 * an empty text encodes as one [UNK] so every example has T >= 1. If n_tokens is not NULL it
 * receives the untruncated token count. */
int beex_encode(const beex_vocab *v, const char *text, int32_t *ids, int max_len, int *n_tokens);

#endif
