/*
 * libs.c: libunwind and SQLite, opened on demand (libs.h).
 */
#include <dlfcn.h>
#include <stdio.h>

#include "config.h"
#include "libs.h"

struct la_unwind la_unw;
struct la_sqlite la_sql;

static int libs_state; /* 0: not tried, 1: loaded, -1: failed */
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
#define SQL_SYM(field) LIBS_SYM(h, LA_SQLITE3_SONAME, la_sql, field, "sqlite3_" #field)
    SQL_SYM(open_v2);
    SQL_SYM(close);
    SQL_SYM(exec);
    SQL_SYM(prepare_v2);
    SQL_SYM(step);
    SQL_SYM(reset);
    SQL_SYM(clear_bindings);
    SQL_SYM(finalize);
    SQL_SYM(bind_int);
    SQL_SYM(bind_int64);
    SQL_SYM(bind_double);
    SQL_SYM(bind_text);
    SQL_SYM(bind_null);
    SQL_SYM(column_int);
    SQL_SYM(last_insert_rowid);
    SQL_SYM(errmsg);
    SQL_SYM(busy_handler);
    SQL_SYM(db_config);
    SQL_SYM(extended_errcode);
#undef SQL_SYM
    return 0;
}

int libs_load(char *err, size_t errlen)
{
    if (libs_state == 0)
        libs_state = libs_unwind() == 0 && libs_sqlite() == 0 ? 1 : -1;
    if (libs_state < 0)
        snprintf(err, errlen, "%s", libs_err);
    return libs_state > 0 ? 0 : -1;
}

int libs_loaded(void)
{
    return libs_state > 0;
}
