/* A generic safetensors reader and writer (8-byte little-endian header length, JSON header,
 * raw little-endian data), knowing nothing of the model. The reader validates everything a
 * corrupt or hostile file can get wrong before a caller touches a byte of tensor data. */
#ifndef BEEX_MODEL_SAFETENSORS_H
#define BEEX_MODEL_SAFETENSORS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { BEEX_ST_F32 = 0, BEEX_ST_U8, BEEX_ST_I8 } beex_st_dtype;

#define BEEX_ST_MAX_DIMS 8
/* The reference implementation's limit; a header past it is treated as corrupt. */
#define BEEX_ST_MAX_HEADER ((uint64_t)100 * 1000 * 1000)

const char *beex_st_dtype_name(beex_st_dtype t);
size_t beex_st_dtype_size(beex_st_dtype t);

typedef struct {
    const char *name; /* owned by the header JSON of the file */
    beex_st_dtype dtype;
    int ndim;
    int64_t shape[BEEX_ST_MAX_DIMS];
    size_t begin, end;   /* byte offsets inside the data section */
    const uint8_t *data; /* begin of the tensor's bytes; may be unaligned: memcpy it */
} beex_st_tensor;

typedef struct {
    uint8_t *owned;      /* the whole file when read by beex_st_read, else NULL */
    const uint8_t *data; /* the data section */
    size_t data_len;
    json_t *header;   /* the parsed header object */
    json_t *metadata; /* the __metadata__ object (string -> string), or NULL */
    json_t *index;    /* tensor name -> index into tensors */
    beex_st_tensor *tensors;
    size_t count;
} beex_st_file;

/* Parses and validates a file held in memory; buf must outlive the result. Checks: header
 * length inside the buffer, JSON object without duplicate keys, metadata a string map, each
 * tensor's dtype (F32, U8 or I8), shape and data_offsets, byte size = dtype x shape, and the
 * offsets covering the data section exactly once (no overlap, no hole, nothing trailing).
 * Returns 0, or -1 with a sentence in err naming the problem and the tensor. */
int beex_st_parse(const uint8_t *buf, size_t len, beex_st_file *out, char *err, size_t errlen);
/* Reads the whole file, then beex_st_parse. */
int beex_st_read(const char *path, beex_st_file *out, char *err, size_t errlen);
void beex_st_close(beex_st_file *f);

const beex_st_tensor *beex_st_find(const beex_st_file *f, const char *name);
/* Metadata value for key, or NULL when absent. */
const char *beex_st_meta(const beex_st_file *f, const char *key);

/* One tensor to write: data holds exactly dtype size x prod(shape) bytes. */
typedef struct {
    const char *name;
    beex_st_dtype dtype;
    int ndim;
    int64_t shape[BEEX_ST_MAX_DIMS];
    const void *data;
} beex_st_entry;

/* Writes the tensors in the given order (header padded with spaces to a multiple of 8 so
 * data stays aligned) through an atomic file: the target appears whole or not at all.
 * metadata: object of string values, or NULL. Returns 0, or -1 with err set. */
int beex_st_write(const char *path, const beex_st_entry *entries, size_t n, const json_t *metadata,
                  char *err, size_t errlen);
/* The byte size beex_st_write would produce for the same arguments. */
int beex_st_size(const beex_st_entry *entries, size_t n, const json_t *metadata, uint64_t *bytes,
                 char *err, size_t errlen);

#endif
