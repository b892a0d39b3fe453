/* Regular-file checks for every input (input_file.h). */
#include "harness/base/input_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_of(mode_t m)
{
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISSOCK(m))
        return "a socket";
    return "not a regular file";
}

int beex_input_open(const char *path, off_t max_bytes, off_t *size, char *err, size_t errlen)
{
    /* O_NONBLOCK so that opening a FIFO with no writer returns at once instead of waiting;
     * the flag is cleared again for regular files, where it has no effect anyway. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int saved = errno;
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(saved));
        errno = saved;
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int saved = errno;
        snprintf(err, errlen, "%s: cannot stat: %s", path, strerror(saved));
        close(fd);
        errno = saved;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: is %s; a regular file is expected", path, kind_of(st.st_mode));
        close(fd);
        errno = EINVAL;
        return -1;
    }
    if (max_bytes > 0 && st.st_size > max_bytes) {
        snprintf(err, errlen, "%s: %lld bytes, more than the %lld this input may hold", path,
                 (long long)st.st_size, (long long)max_bytes);
        close(fd);
        errno = EFBIG;
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl == -1 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
        int saved = errno;
        snprintf(err, errlen, "%s: fcntl: %s", path, strerror(saved));
        close(fd);
        errno = saved;
        return -1;
    }
    if (size != NULL)
        *size = st.st_size;
    return fd;
}

FILE *beex_input_fopen(const char *path, off_t max_bytes, char *err, size_t errlen)
{
    int fd = beex_input_open(path, max_bytes, NULL, err, errlen);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "rb");
    if (f == NULL) {
        int saved = errno;
        snprintf(err, errlen, "%s: fdopen: %s", path, strerror(saved));
        close(fd);
        errno = saved;
    }
    return f;
}

json_t *beex_input_json(const char *path, off_t max_bytes, char *err, size_t errlen)
{
    FILE *f = beex_input_fopen(path, max_bytes, err, errlen);
    if (f == NULL)
        return NULL;
    json_error_t je;
    json_t *doc = json_loadf(f, 0, &je);
    fclose(f);
    if (doc == NULL)
        snprintf(err, errlen, "%s: line %d: %s", path, je.line, je.text);
    return doc;
}
