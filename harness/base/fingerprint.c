#include "harness/base/fingerprint.h"

#include <stdio.h>

int beex_file_fingerprint(const char *path, char out_hex[17])
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    unsigned long long h = 1469598103934665603ULL;
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t i = 0; i < n; i++) {
            h ^= buf[i];
            h *= 1099511628211ULL;
        }
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return -1;
    snprintf(out_hex, 17, "%016llx", h);
    return 0;
}
