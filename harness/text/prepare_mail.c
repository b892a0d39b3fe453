/* SpamAssassin public corpus: one raw RFC-822 mail per file. The text of an example is the
 * decoded Subject plus the text parts of the body; every other header is dropped because
 * routing and X-Spam-* lines give the label away. MIME: multipart parts are walked
 * (multipart/alternative: the text/plain part, else the last part), message/rfc822 is read as
 * a mail, text/plain and text/html are kept (HTML tags, scripts, styles and comments
 * removed, entities decoded), attachments and other types skipped. Quoted-printable, base64
 * and RFC 2047 encoded words are decoded; bytes that are not UTF-8 become Windows-1252 later,
 * in beex_clean_text. */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness/text/prepare.h"
#include "harness/text/utf8.h"

typedef struct {
    char *b;
    size_t n, cap;
    int oom;
} text_buf;

static void put(text_buf *t, const char *s, size_t n)
{
    if (t->oom)
        return;
    if (t->n + n + 2 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->n + n + 2)
            cap *= 2;
        char *nb = realloc(t->b, cap);
        if (nb == NULL) {
            t->oom = 1;
            return;
        }
        t->b = nb, t->cap = cap;
    }
    memcpy(t->b + t->n, s, n);
    t->n += n;
    t->b[t->n] = '\0';
}

static void put_c(text_buf *t, char c)
{
    put(t, &c, 1);
}

/* Header value (unfolded, continuation lines joined with a space) of `name` in the header
 * block h[0..n), or 0 if absent. Only the first occurrence counts. */
static int header(const char *h, size_t n, const char *name, text_buf *out)
{
    size_t nl = strlen(name);
    out->n = 0;
    for (size_t i = 0; i < n;) {
        size_t eol = i;
        while (eol < n && h[eol] != '\n')
            eol++;
        if (eol - i > nl && strncasecmp(h + i, name, nl) == 0 && h[i + nl] == ':') {
            put(out, h + i + nl + 1, eol - i - nl - 1);
            for (i = eol + 1; i < n && (h[i] == ' ' || h[i] == '\t');) {
                for (eol = i; eol < n && h[eol] != '\n';)
                    eol++;
                put_c(out, ' ');
                put(out, h + i, eol - i);
                i = eol + 1;
            }
            if (out->n == 0)
                put(out, "", 0);
            return !out->oom;
        }
        i = eol + 1;
    }
    return 0;
}

/* A parameter such as boundary= or charset= of a Content-Type value, quotes removed. */
static int param(const char *v, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    for (const char *p = v; *p; p++) {
        if ((p == v || p[-1] == ';' || p[-1] == ' ' || p[-1] == '\t') &&
            strncasecmp(p, name, nl) == 0 && p[nl] == '=') {
            p += nl + 1;
            int quoted = *p == '"';
            p += quoted;
            size_t o = 0;
            while (*p && o + 1 < outlen && (quoted ? *p != '"' : *p != ';' && *p != ' '))
                out[o++] = *p++;
            out[o] = '\0';
            return o > 0;
        }
    }
    return 0;
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static void decode_base64(const char *s, size_t n, text_buf *out)
{
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n && s[i] != '='; i++) {
        int v = b64_value(s[i]);
        if (v < 0)
            continue; /* line breaks and junk */
        acc = (acc << 6) | (uint32_t)v, bits += 6;
        if (bits >= 8) {
            bits -= 8;
            put_c(out, (char)((acc >> bits) & 0xFF));
        }
    }
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Quoted-printable; in_header also maps '_' to space (RFC 2047 "Q" encoding). */
static void decode_qp(const char *s, size_t n, int in_header, text_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=' && i + 1 < n && s[i + 1] == '\n') {
            i++; /* soft line break */
        } else if (s[i] == '=' && i + 2 < n && hex_value(s[i + 1]) >= 0 &&
                   hex_value(s[i + 2]) >= 0) {
            put_c(out, (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
            i += 2;
        } else {
            put_c(out, in_header && s[i] == '_' ? ' ' : s[i]);
        }
    }
}

/* RFC 2047 encoded words =?charset?B|Q?text?= in a header value. */
static void decode_header_words(const char *s, size_t n, text_buf *out)
{
    for (size_t i = 0; i < n;) {
        if (s[i] == '=' && i + 1 < n && s[i + 1] == '?') {
            const char *q1 = memchr(s + i + 2, '?', n - i - 2);
            if (q1 != NULL && (size_t)(q1 - s) + 3 < n && q1[2] == '?') {
                char enc = q1[1];
                const char *data = q1 + 3;
                const char *stop = data;
                while ((size_t)(stop - s) + 1 < n && !(stop[0] == '?' && stop[1] == '='))
                    stop++;
                if ((size_t)(stop - s) + 1 < n &&
                    (enc == 'B' || enc == 'b' || enc == 'Q' || enc == 'q')) {
                    if (enc == 'B' || enc == 'b')
                        decode_base64(data, (size_t)(stop - data), out);
                    else
                        decode_qp(data, (size_t)(stop - data), 1, out);
                    i = (size_t)(stop - s) + 2;
                    continue;
                }
            }
        }
        put_c(out, s[i++]);
    }
}

static int starts_ci(const char *s, size_t n, const char *word)
{
    size_t wl = strlen(word);
    return n >= wl && strncasecmp(s, word, wl) == 0;
}

/* Visible text of HTML: tags become spaces; script, style and comments vanish. */
static void strip_html(const char *s, size_t n, text_buf *out)
{
    for (size_t i = 0; i < n;) {
        if (s[i] == '<') {
            const char *close = NULL;
            if (starts_ci(s + i, n - i, "<!--"))
                close = "-->";
            else if (starts_ci(s + i, n - i, "<script"))
                close = "</script>";
            else if (starts_ci(s + i, n - i, "<style"))
                close = "</style>";
            if (close != NULL) {
                size_t cl = strlen(close), j = i + 1;
                while (j < n && !starts_ci(s + j, n - j, close))
                    j++;
                i = j < n ? j + cl : n;
                put_c(out, ' ');
                continue;
            }
            if (i + 1 < n && (s[i + 1] == '/' || s[i + 1] == '!' ||
                              ((s[i + 1] | 0x20) >= 'a' && (s[i + 1] | 0x20) <= 'z'))) {
                while (i < n && s[i] != '>')
                    i++;
                i++;
                put_c(out, ' ');
                continue;
            }
        }
        if (s[i] == '&') {
            static const struct {
                const char *name;
                uint32_t cp;
            } named[] = {{"&nbsp;", ' '}, {"&amp;", '&'},  {"&lt;", '<'},
                         {"&gt;", '>'},   {"&quot;", '"'}, {"&apos;", '\''}};
            int done = 0;
            for (size_t k = 0; k < sizeof named / sizeof named[0] && !done; k++)
                if (starts_ci(s + i, n - i, named[k].name)) {
                    put_c(out, (char)named[k].cp);
                    i += strlen(named[k].name), done = 1;
                }
            if (!done && i + 2 < n && s[i + 1] == '#') {
                int hex = s[i + 2] == 'x' || s[i + 2] == 'X';
                char *end;
                long v = strtol(s + i + 2 + hex, &end, hex ? 16 : 10);
                if (end > s + i + 2 + hex && (size_t)(end - s) < n && *end == ';') {
                    char e[4];
                    int ok = v > 0 && v <= 0x10FFFF && !(v >= 0xD800 && v <= 0xDFFF);
                    put(out, e, ok ? (size_t)beex_utf8_encode((uint32_t)v, e) : 0);
                    i = (size_t)(end - s) + 1, done = 1;
                }
            }
            if (done)
                continue;
        }
        put_c(out, s[i++]);
    }
}

static void entity(const char *s, size_t n, int depth, text_buf *out);

/* A mail (top level or message/rfc822): its decoded Subject, then its body. */
static void message(const char *s, size_t n, int depth, text_buf *out)
{
    size_t hend = 0;
    while (hend < n && !(s[hend] == '\n' && (hend == 0 || s[hend - 1] == '\n')))
        hend++;
    text_buf v = {0};
    if (header(s, hend, "Subject", &v)) {
        decode_header_words(v.b, v.n, out);
        put_c(out, '\n');
    }
    free(v.b);
    entity(s, n, depth, out);
}

static void part_type(const char *s, size_t n, text_buf *ctype)
{
    size_t hend = 0;
    while (hend < n && !(s[hend] == '\n' && (hend == 0 || s[hend - 1] == '\n')))
        hend++;
    if (!header(s, hend, "Content-Type", ctype)) {
        ctype->n = 0;
        put(ctype, "text/plain", 10);
    }
}

static void entity(const char *s, size_t n, int depth, text_buf *out)
{
    if (depth > 16)
        return;      /* hostile nesting */
    size_t hend = 0; /* the blank line ending the headers (a body may start right away) */
    while (hend < n && !(s[hend] == '\n' && (hend == 0 || s[hend - 1] == '\n')))
        hend++;
    const char *body = hend < n ? s + hend + 1 : s + n;
    size_t blen = (size_t)(s + n - body);
    text_buf ct = {0}, cte = {0}, dec = {0};
    if (!header(s, hend, "Content-Type", &ct))
        put(&ct, "text/plain", 10);
    const char *t = ct.b;
    while (*t == ' ' || *t == '\t')
        t++;
    char boundary[256];
    if (starts_ci(t, strlen(t), "multipart/") && param(t, "boundary", boundary, sizeof boundary)) {
        /* Parts lie between lines "--boundary"; "--boundary--" ends the last. */
        const char *parts[64];
        size_t lens[64], np = 0, bl = strlen(boundary);
        const char *start = NULL;
        for (size_t i = 0; i < blen;) {
            size_t eol = i;
            while (eol < blen && body[eol] != '\n')
                eol++;
            if (eol - i >= bl + 2 && body[i] == '-' && body[i + 1] == '-' &&
                memcmp(body + i + 2, boundary, bl) == 0) {
                if (start != NULL && np < 64)
                    parts[np] = start, lens[np++] = (size_t)(body + i - start);
                int last = eol - i >= bl + 4 && body[i + 2 + bl] == '-' && body[i + 3 + bl] == '-';
                start = last ? NULL : body + eol + (eol < blen);
                if (last)
                    break;
            }
            i = eol + 1;
        }
        if (start != NULL && np < 64)
            parts[np] = start, lens[np++] = (size_t)(body + blen - start);
        size_t only = (size_t)-1;
        if (starts_ci(t, strlen(t), "multipart/alternative") && np > 0) {
            only = np - 1;
            text_buf pt = {0};
            for (size_t k = np; k-- > 0;) {
                part_type(parts[k], lens[k], &pt);
                const char *pp = pt.b;
                while (*pp == ' ' || *pp == '\t')
                    pp++;
                if (starts_ci(pp, strlen(pp), "text/plain"))
                    only = k;
            }
            free(pt.b);
        }
        for (size_t k = 0; k < np; k++)
            if (only == (size_t)-1 || only == k)
                entity(parts[k], lens[k], depth + 1, out);
    } else if (starts_ci(t, strlen(t), "message/rfc822")) {
        message(body, blen, depth + 1, out);
    } else if (starts_ci(t, strlen(t), "text/plain") || starts_ci(t, strlen(t), "text/html") ||
               starts_ci(t, strlen(t), "multipart/") || t[0] == '\0') {
        /* (a multipart without a boundary is read as plain text) */
        header(s, hend, "Content-Transfer-Encoding", &cte);
        const char *e = cte.b != NULL ? cte.b : "";
        while (*e == ' ' || *e == '\t')
            e++;
        if (starts_ci(e, strlen(e), "base64"))
            decode_base64(body, blen, &dec);
        else if (starts_ci(e, strlen(e), "quoted-printable"))
            decode_qp(body, blen, 0, &dec);
        else
            put(&dec, body, blen);
        const char *d = dec.b != NULL ? dec.b : "";
        size_t look = dec.n < 4096 ? dec.n : 4096;
        int html = starts_ci(t, strlen(t), "text/html");
        /* Many spams send HTML labelled text/plain: a few telltale tags mark it. */
        static const char *const tags[] = {"<html", "<body",  "<br",  "<p>",
                                           "<font", "<table", "<div", "<a href"};
        for (size_t i = 0; !html && i + 5 <= look; i++)
            for (size_t k = 0; k < sizeof tags / sizeof tags[0] && !html; k++)
                html = d[i] == '<' && starts_ci(d + i, look - i, tags[k]);
        if (html)
            strip_html(d, dec.n, out);
        else
            put(out, d, dec.n);
        put_c(out, '\n');
    }
    if (ct.oom || cte.oom || dec.oom)
        out->oom = 1;
    free(ct.b);
    free(cte.b);
    free(dec.b);
}

/* The cleaned text of one raw mail file (CRLF already folded to LF by the caller). */
static int mail_text(char *raw, size_t n, text_buf *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        if (!(raw[i] == '\r' && i + 1 < n && raw[i + 1] == '\n'))
            raw[o++] = raw[i];
    out->n = 0;
    message(raw, o, 0, out);
    return out->oom ? -1 : 0;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int one_group(const char *data_dir, const char *group, const char *label, beex_prep *p,
                     char *err, size_t errlen)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", data_dir, group);
    DIR *d = opendir(dir);
    if (d == NULL) {
        snprintf(err, errlen, "%s: cannot open directory", dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    int rc = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".txt") != 0)
            continue;
        char **nn = realloc(names, (n + 1) * sizeof *nn);
        if (nn == NULL || (nn[n] = strdup(e->d_name)) == NULL) {
            names = nn != NULL ? nn : names;
            rc = -1;
            snprintf(err, errlen, "out of memory");
            break;
        }
        names = nn, n++;
    }
    closedir(d);
    if (rc == 0 && n == 0) {
        snprintf(err, errlen, "%s: no *.txt mails", dir);
        rc = -1;
    }
    if (rc == 0)
        qsort(names, n, sizeof *names, by_string);
    text_buf text = {0};
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        size_t len;
        char *raw = beex_read_file(path, &len, err, errlen);
        if (raw == NULL) {
            rc = -1;
            break;
        }
        if (mail_text(raw, len, &text) != 0) {
            snprintf(err, errlen, "%s: out of memory", path);
            rc = -1;
        } else {
            rc = beex_prep_add(p, label, text.b != NULL ? text.b : "", text.n, NULL,
                               BEEX_PREP_BY_RULE, err, errlen);
        }
        free(raw);
    }
    free(text.b);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int beex_prepare_spam(const char *data_dir, beex_prep *p, char *err, size_t errlen)
{
    static const char *const groups[][2] = {{"easy-ham-1", "ham"},
                                            {"easy-ham-2", "ham"},
                                            {"hard-ham-1", "ham"},
                                            {"spam-1", "spam"},
                                            {"spam-2", "spam"}};
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        if (one_group(data_dir, groups[g][0], groups[g][1], p, err, errlen) != 0)
            return -1;
    return 0;
}
