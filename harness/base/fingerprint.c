#include "harness/base/fingerprint.h"

#include <openssl/evp.h>
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

int beex_file_sha256(const char *path, char out_hex[65])
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    unsigned char buf[65536];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0)
        ok = EVP_DigestUpdate(ctx, buf, n) == 1;
    ok = ok && !ferror(f);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    ok = ok && EVP_DigestFinal_ex(ctx, md, &len) == 1 && len == 32;
    EVP_MD_CTX_free(ctx);
    fclose(f);
    if (!ok)
        return -1;
    for (unsigned i = 0; i < 32; i++)
        snprintf(out_hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}
