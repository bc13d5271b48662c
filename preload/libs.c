/*
 * libs.c: libunwind and SQLite, opened on demand (libs.h).
 */
#include <dlfcn.h>
#include <stdio.h>

#include "config.h"
#include "libs.h"

struct la_unwind la_unw;
struct la_sqlite la_sql;

static char libs_err[200];

/* One symbol of H into *SLOT; 0, or -1 with the reason in libs_err. */
static int libs_sym(void *h, const char *lib, const char *name, void *slot)
{
    void *p = dlsym(h, name);

    if (!p) {
        snprintf(libs_err, sizeof libs_err, "%s has no %s", lib, name);
        return -1;
    }
    /* POSIX: a function pointer and dlsym's void * have one representation. */
    *(void **)slot = p;
    return 0;
}

static void *libs_open(const char *lib)
{
    void *h = dlopen(lib, RTLD_LAZY | RTLD_LOCAL);

    if (!h)
        snprintf(libs_err, sizeof libs_err, "cannot load %s: %s", lib, dlerror());
    return h;
}

#define LIBS_SYM(h, lib, table, field, name) \
    if (libs_sym(h, lib, name, &table.field) != 0) \
        return -1

static int libs_unwind(void)
{
    void *h = libs_open(LA_LIBUNWIND_SONAME);

    if (!h)
        return -1;
    /* libunwind.h's names for the local-only unwinder on this machine
     * (UNW_LOCAL_ONLY): _UL<arch>_step, and so on. */
#define UNW_SYM(field, fn) LIBS_SYM(h, LA_LIBUNWIND_SONAME, la_unw, field, LA_STR(fn))
    UNW_SYM(getcontext, unw_tdep_getcontext);
    UNW_SYM(init_local, unw_init_local);
    UNW_SYM(step, unw_step);
    UNW_SYM(get_reg, unw_get_reg);
    UNW_SYM(set_caching_policy, unw_set_caching_policy);
    UNW_SYM(backtrace, unw_backtrace);
    UNW_SYM(local_addr_space, unw_local_addr_space);
#undef UNW_SYM
    return 0;
}

static int libs_sqlite(void)
{
    void *h = libs_open(LA_SQLITE3_SONAME);

    if (!h)
        return -1;
#define SQL_SYM(field) LIBS_SYM(h, LA_SQLITE3_SONAME, la_sql, field, "sqlite3_" #field);
    LA_SQLITE_FNS(SQL_SYM)
#undef SQL_SYM
    return 0;
}

/* Per library: 0 not tried, 1 loaded, -1 failed (its reason kept). */
static struct {
    int (*load)(void);
    int state;
    char err[200];
} libs[] = { { libs_unwind, 0, "" }, { libs_sqlite, 0, "" } };

int libs_load(int which, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof libs / sizeof *libs; i++) {
        if (!(which >> i & 1))
            continue;
        if (libs[i].state == 0) {
            libs[i].state = libs[i].load() == 0 ? 1 : -1;
            snprintf(libs[i].err, sizeof libs[i].err, "%s", libs_err);
        }
        if (libs[i].state < 0) {
            snprintf(err, errlen, "%s", libs[i].err);
            return -1;
        }
    }
    return 0;
}

int libs_loaded(int which)
{
    for (size_t i = 0; i < sizeof libs / sizeof *libs; i++)
        if (which >> i & 1 && libs[i].state <= 0)
            return 0;
    return 1;
}
