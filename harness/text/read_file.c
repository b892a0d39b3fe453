/* Whole files into memory, for the data set reader and the package parsers alike. */
#include "harness/text/read_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/input_file.h"

char *beex_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = beex_input_fopen(path, BEEX_INPUT_MAX_DATA, err, errlen);
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    for (;;) {
        if (b == NULL)
            break;
        /* The size was checked at open; a file that grows past the cap while it is read
         * (a log being appended to) is refused rather than followed. */
        if (n > (size_t)BEEX_INPUT_MAX_DATA) {
            fclose(f);
            free(b);
            snprintf(err, errlen, "%s: grew past %lld bytes while being read", path,
                     (long long)BEEX_INPUT_MAX_DATA);
            return NULL;
        }
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
