#include "harness/base/fingerprint.h"

#include <openssl/evp.h>
#include <stdio.h>

#include "harness/base/input_file.h"

/* One pass over the file for whichever digests are asked for (NULL: not wanted). */
static int digest_file(const char *path, char fnv_hex[17], char sha_hex[65])
{
    char err[4400];
    FILE *f = beex_input_fopen(path, 0, err, sizeof err);
    if (f == NULL)
        return -1;
    unsigned long long h = 1469598103934665603ULL;
    EVP_MD_CTX *ctx = sha_hex != NULL ? EVP_MD_CTX_new() : NULL;
    int ok = sha_hex == NULL || (ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1);
    unsigned char buf[65536];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (fnv_hex != NULL)
            for (size_t i = 0; i < n; i++) {
                h ^= buf[i];
                h *= 1099511628211ULL;
            }
        if (ctx != NULL)
            ok = EVP_DigestUpdate(ctx, buf, n) == 1;
    }
    ok = ok && !ferror(f);
    fclose(f);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (ctx != NULL) {
        ok = ok && EVP_DigestFinal_ex(ctx, md, &len) == 1 && len == 32;
        EVP_MD_CTX_free(ctx);
    }
    if (!ok)
        return -1;
    if (fnv_hex != NULL)
        snprintf(fnv_hex, 17, "%016llx", h);
    for (unsigned i = 0; sha_hex != NULL && i < 32; i++)
        snprintf(sha_hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

int beex_file_fingerprint(const char *path, char out_hex[17])
{
    return digest_file(path, out_hex, NULL);
}

int beex_file_sha256(const char *path, char out_hex[65])
{
    return digest_file(path, NULL, out_hex);
}

int beex_file_digests(const char *path, char fnv_hex[17], char sha_hex[65])
{
    return digest_file(path, fnv_hex, sha_hex);
}
