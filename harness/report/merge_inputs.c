/* Loading the JSON inputs of `beex merge` and `beex machine report` (merge_inputs.h). */
#include "harness/report/merge_inputs.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/base/input_file.h"

static int add_file(const char *who, const char *path, beex_merge_input **in, int *n)
{
    char err[4600];
    json_t *doc = beex_input_json(path, BEEX_INPUT_MAX_JSON, err, sizeof err);
    if (doc == NULL) {
        fprintf(stderr, "%s: %s\n", who, err);
        return -1;
    }
    beex_merge_input *p = realloc(*in, (size_t)(*n + 1) * sizeof *p);
    if (p == NULL) {
        fprintf(stderr, "%s: %s: out of memory\n", who, path);
        json_decref(doc);
        return -1;
    }
    *in = p;
    const char *slash = strrchr(path, '/');
    p[*n].path = strdup(path);
    p[*n].dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
    p[*n].doc = doc;
    (*n)++;
    if (p[*n - 1].path == NULL || p[*n - 1].dir == NULL) {
        fprintf(stderr, "%s: %s: out of memory\n", who, path);
        return -1;
    }
    return 0;
}

int beex_merge_inputs_add(const char *who, const char *path, beex_merge_input **in, int *n)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "%s: %s: no such file or directory\n", who, path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return add_file(who, path, in, n);
    struct dirent **names;
    int k = scandir(path, &names, NULL, alphasort);
    if (k < 0) {
        fprintf(stderr, "%s: %s: cannot list\n", who, path);
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < k; i++) {
        size_t len = strlen(names[i]->d_name);
        if (rc == 0 && len > 5 && strcmp(names[i]->d_name + len - 5, ".json") == 0) {
            char p[4200];
            snprintf(p, sizeof p, "%s/%s", path, names[i]->d_name);
            rc = add_file(who, p, in, n);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

void beex_merge_inputs_free(beex_merge_input *in, int n)
{
    for (int i = 0; i < n; i++) {
        free(in[i].path);
        free(in[i].dir);
        json_decref(in[i].doc);
    }
    free(in);
}
