#include "harness/text/split.h"

#include <string.h>
#include <zlib.h>

int beex_split_fold(const char *bytes, size_t n)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    /* zlib takes uInt lengths; feed long inputs in pieces so any size is hashed whole. */
    while (n > 0) {
        uInt chunk = n > 0x40000000u ? 0x40000000u : (uInt)n;
        crc = crc32(crc, (const Bytef *)bytes, chunk);
        bytes += chunk, n -= chunk;
    }
    return (int)(crc % 10);
}

beex_split_id beex_split_of_fold(int fold)
{
    return fold == 0 ? BEEX_SPLIT_TEST : fold == 1 ? BEEX_SPLIT_DEV : BEEX_SPLIT_TRAIN;
}

beex_split_id beex_split_of(const char *key)
{
    return beex_split_of_fold(beex_split_fold(key, strlen(key)));
}

const char *beex_split_name(beex_split_id s)
{
    return s == BEEX_SPLIT_TEST ? "test" : s == BEEX_SPLIT_DEV ? "dev" : "train";
}
