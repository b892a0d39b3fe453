/* Opening what the user names as an input. Every reader goes through here so that a FIFO, a
 * device, a socket or a directory given where a file is expected is refused before the first
 * read (a FIFO would block in open() and /dev/zero would never end), and so that no input
 * can be larger than what its reader is meant to hold. */
#ifndef BEEX_BASE_INPUT_FILE_H
#define BEEX_BASE_INPUT_FILE_H

#include <jansson.h>
#include <stdio.h>
#include <sys/types.h>

/* Ceilings per kind of input, each far above what the suite's own files reach (the largest
 * data set, IMDB's train.tsv, is 33 MB; the largest trace CSV of the main job 60 MB; GloVe's
 * JSON 1.1 GB) and far below what would exhaust memory on a small machine. */
#define BEEX_INPUT_MAX_SMALL ((off_t)16 << 20) /* labels.txt, --recipe, small JSON */
#define BEEX_INPUT_MAX_JSON ((off_t)1 << 30)   /* results, sweeps, bench files */
#define BEEX_INPUT_MAX_DATA ((off_t)4 << 30)   /* TSVs, traces, raw packages */
#define BEEX_INPUT_MAX_GLOVE ((off_t)16 << 30) /* the GloVe JSON (mapped, not copied) */

/* A read-only descriptor on path when it is a regular file of at most max_bytes; its size in
 * *size (may be NULL). -1 with err naming the file and the cause otherwise, and errno kept
 * from the failing call (ENOENT stays testable for optional files). */
int beex_input_open(const char *path, off_t max_bytes, off_t *size, char *err, size_t errlen);

/* The same check, as a stdio stream opened for reading in binary mode. */
FILE *beex_input_fopen(const char *path, off_t max_bytes, char *err, size_t errlen);

/* A JSON document from a regular file of at most max_bytes, or NULL with err naming the file
 * with the line and the parser's message. */
json_t *beex_input_json(const char *path, off_t max_bytes, char *err, size_t errlen);

#endif
