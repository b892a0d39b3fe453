/* Reading a whole (text) file into memory: shared by the TSV reader and the raw-package
 * parsers. */
#ifndef BEEX_TEXT_READ_FILE_H
#define BEEX_TEXT_READ_FILE_H

#include <stddef.h>

/* The whole file, NUL-terminated, its size in *len; or NULL with err naming the file and
 * the cause (cannot open, not a regular file, larger than BEEX_INPUT_MAX_DATA, out of memory,
 * read error). */
char *beex_read_file(const char *path, size_t *len, char *err, size_t errlen);

#endif
