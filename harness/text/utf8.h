/* UTF-8 helpers for the text room: strict decoding (no overlongs, surrogates or code points
 * past U+10FFFF), validation with the offset of the first bad byte, and encoding. Everything
 * that reads text from disk validates it here before the tokenizer sees it. */
#ifndef BEEX_TEXT_UTF8_H
#define BEEX_TEXT_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes one code point from s[0..n). Returns its length in bytes (1-4), or 0 if the bytes
 * there are not valid UTF-8 (n == 0 also returns 0). */
int beex_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Offset of the first invalid byte of s[0..n), or n when all of it is valid UTF-8. */
size_t beex_utf8_invalid_offset(const char *s, size_t n);

/* Writes cp (must be <= U+10FFFF and not a surrogate) to out; returns 1-4 bytes written. */
int beex_utf8_encode(uint32_t cp, char out[4]);

#endif
