/* The stable split rule for data sets without an official split (docs/datasets.md): the fold of
 * a text is zlib's crc32 of its bytes modulo 10; fold 0 is test, 1 is dev, 2-9 are train.
 * Identical texts therefore always land in the same split. */
#ifndef BEEX_TEXT_SPLIT_H
#define BEEX_TEXT_SPLIT_H

#include <stddef.h>

typedef enum { BEEX_SPLIT_TRAIN = 0, BEEX_SPLIT_DEV = 1, BEEX_SPLIT_TEST = 2 } beex_split_id;

/* crc32(bytes) % 10. */
int beex_split_fold(const char *bytes, size_t n);
/* The split of a fold: 0 -> test, 1 -> dev, 2..9 -> train. */
beex_split_id beex_split_of_fold(int fold);
/* Both steps for a NUL-terminated string (text, or a Brown file name). */
beex_split_id beex_split_of(const char *key);
/* "train", "dev" or "test". */
const char *beex_split_name(beex_split_id s);

#endif
