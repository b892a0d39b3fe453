/* The table of exit rules, built from exit_rule_list.h, and what every caller needs from it:
 * look-up by kind or name, the "NAME=X" form of the command line, the names for messages. */
#include "harness/model/exit_rules.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BEEX_EXIT_RULE(ID, sym) extern const beex_exit_rule_info beex_exit_rule_##sym;
#include "harness/model/exit_rule_list.h"
#undef BEEX_EXIT_RULE

const beex_exit_rule_info *const beex_exit_rules[BEEX_EXIT_RULE_COUNT] = {
#define BEEX_EXIT_RULE(ID, sym) [BEEX_EXIT_##ID] = &beex_exit_rule_##sym,
#include "harness/model/exit_rule_list.h"
#undef BEEX_EXIT_RULE
};

const beex_exit_rule_info *beex_exit_rule_info_of(int kind)
{
    return kind >= 0 && kind < BEEX_EXIT_RULE_COUNT ? beex_exit_rules[kind] : NULL;
}

int beex_exit_rule_parse(const char *name)
{
    for (int k = 0; name != NULL && k < BEEX_EXIT_RULE_COUNT; k++)
        if (strcmp(name, beex_exit_rules[k]->name) == 0)
            return k;
    return -1;
}

const char *beex_exit_rule_names_joined(char *buf, size_t len, const char *sep)
{
    size_t at = 0;
    if (len == 0)
        return buf;
    buf[0] = '\0';
    for (int k = 0; k < BEEX_EXIT_RULE_COUNT && at < len; k++) {
        int w = snprintf(buf + at, len - at, "%s%s", k ? sep : "", beex_exit_rules[k]->name);
        if (w < 0)
            break;
        at += (size_t)w;
    }
    return buf;
}

int beex_exit_rule_from_string(const char *s, beex_exit_rule *out, char *err, size_t errlen)
{
    const char *eq = s != NULL ? strchr(s, '=') : NULL;
    char name[64], names[256];
    if (eq == NULL || eq == s || (size_t)(eq - s) >= sizeof name) {
        snprintf(err, errlen, "a rule needs NAME=VALUE (e.g. maxprob=0.9), got '%s'",
                 s != NULL ? s : "");
        return -1;
    }
    memcpy(name, s, (size_t)(eq - s));
    name[eq - s] = '\0';
    int k = beex_exit_rule_parse(name);
    if (k < 0) {
        snprintf(err, errlen, "unknown exit rule '%s' (%s)", name,
                 beex_exit_rule_names_joined(names, sizeof names, ", "));
        return -1;
    }
    char *end;
    errno = 0;
    double v = strtod(eq + 1, &end);
    if (errno != 0 || end == eq + 1 || *end != '\0' || isnan(v)) {
        snprintf(err, errlen, "rule %s needs a number after '=', got '%s'", name, eq + 1);
        return -1;
    }
    out->kind = (beex_exit_kind)k;
    out->param = v;
    return 0;
}

int beex_exit_param_int(double param)
{
    if (isnan(param) || param >= (double)INT_MAX)
        return INT_MAX;
    if (param <= (double)INT_MIN)
        return INT_MIN;
    return (int)param;
}
