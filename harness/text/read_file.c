/* Whole files into memory, for the data set reader and the package parsers alike. */
#include "harness/text/read_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *beex_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    for (;;) {
        if (b == NULL)
            break;
        if (n + 1 >= cap) {
            char *nb = realloc(b, cap * 2);
            if (nb == NULL) {
                free(b);
                b = NULL;
                break;
            }
            b = nb, cap *= 2;
        }
        size_t got = fread(b + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int saved = errno;
    int bad = b == NULL || ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "%s: %s%s", path,
                 b == NULL ? "out of memory" : "read error: ", b == NULL ? "" : strerror(saved));
        free(b);
        return NULL;
    }
    b[n] = '\0';
    *len = n;
    return b;
}
