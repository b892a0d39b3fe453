/* Pieces the study's tables share (study_table.h). */
#include "harness/app/study/study_table.h"

#include <math.h>
#include <string.h>

static double real_or_nan(const json_t *j)
{
    return json_is_number(j) ? json_number_value(j) : NAN;
}

beex_study_cell beex_study_cell_of(const json_t *s)
{
    const json_t *ci = json_object_get(s, "ci95");
    beex_study_cell c = {(int)json_integer_value(json_object_get(s, "n")),
                         real_or_nan(json_object_get(s, "mean")),
                         real_or_nan(json_object_get(s, "sd")), real_or_nan(json_array_get(ci, 0)),
                         real_or_nan(json_array_get(ci, 1))};
    return c;
}

void beex_study_tex_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (strchr("_&%#$", *s))
            fputc('\\', f);
        fputc(*s, f);
    }
}
