/* Content fingerprints of files (models, data sets), so that results, traces and resumed
 * training runs can say what they were computed from and refuse a mix-up. */
#ifndef BEEX_BASE_FINGERPRINT_H
#define BEEX_BASE_FINGERPRINT_H

/* FNV-1a 64 over the file's bytes, as 16 hex digits. Returns 0, or -1 when unreadable. */
int beex_file_fingerprint(const char *path, char out_hex[17]);

/* SHA-256 of the file's bytes (OpenSSL's libcrypto), as 64 hex digits: the checksum a reader
 * can verify with sha256sum. Returns 0, or -1 when unreadable. */
int beex_file_sha256(const char *path, char out_hex[65]);
/* Both at once, in one read of the file. */
int beex_file_digests(const char *path, char fnv_hex[17], char sha_hex[65]);

#endif
