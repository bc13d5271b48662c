/*
 * sqlfns.c: the store's SQLite table (common/sqlfns.h) in the report: the
 * library it is linked against.  In a file of its own, so that a program
 * that links the shim's core too (the unit tests) takes the shim's.
 */
#include "sqlfns.h"

struct la_sqlite la_sql = {
#define RP_SQL_FN(name) .name = sqlite3_##name,
    LA_SQLITE_FNS(RP_SQL_FN)
#undef RP_SQL_FN
};
