#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "CZhengshuSQLite.h"

// What a sandbox connection may do: SELECT, reading its own tables in `main`, and calling the functions listed.
// Everything else (ATTACH, PRAGMA, writes, schema changes, transactions, load_extension and any function not listed)
// is denied at prepare time by the authorizer; the progress handler interrupts a statement past its deadline.
struct zhengshu_sandbox_guard {
    char **tables;
    int count;
    char **others;
    int other_count;
    long long deadline_ms;
    int timed_out;
};

static const char *const allowed_functions[] = {
    "abs", "avg", "count", "sum", "total", "min", "max", "round", "length", "lower", "upper", "substr", "substring",
    "trim", "ltrim", "rtrim", "replace", "instr", "coalesce", "ifnull", "nullif", "iif", "typeof", "date", "time",
    "datetime", "julianday", "strftime", "unixepoch", "like", "glob", "printf", "format", "hex", "quote", "char",
    "unicode", "sign", "ceil", "ceiling", "floor", "trunc", "mod", "pow", "power", "sqrt", "exp", "ln", "log", "log2",
    "log10", "group_concat", "string_agg", "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile",
    "lag", "lead", "first_value", "last_value", "nth_value", "concat", "concat_ws", "octet_length", "likely", "unlikely",
    NULL,
};

static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int authorize(void *context, int action, const char *a, const char *b, const char *database, const char *trigger) {
    struct zhengshu_sandbox_guard *g = context;
    (void)trigger;
    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_RECURSIVE:
        return SQLITE_OK;
    case SQLITE_READ:
        // A granted table; never another table of the file or SQLite's own; a name without a database is a common
        // table expression or a subquery's result (and count(*) of a granted table).
        if (a == NULL) return SQLITE_DENY;
        for (int i = 0; i < g->count; i++) {
            if (sqlite3_stricmp(a, g->tables[i]) == 0) return database == NULL || strcmp(database, "main") == 0 ? SQLITE_OK : SQLITE_DENY;
        }
        if (sqlite3_strnicmp(a, "sqlite_", 7) == 0) return SQLITE_DENY;
        for (int i = 0; i < g->other_count; i++) {
            if (sqlite3_stricmp(a, g->others[i]) == 0) return SQLITE_DENY;
        }
        return database == NULL ? SQLITE_OK : SQLITE_DENY;
    case SQLITE_FUNCTION:
        if (b == NULL) return SQLITE_DENY;
        for (int i = 0; allowed_functions[i] != NULL; i++) {
            if (sqlite3_stricmp(b, allowed_functions[i]) == 0) return SQLITE_OK;
        }
        return SQLITE_DENY;
    default:
        return SQLITE_DENY;
    }
}

static int progress(void *context) {
    struct zhengshu_sandbox_guard *g = context;
    if (g->deadline_ms > 0 && now_ms() > g->deadline_ms) {
        g->timed_out = 1;
        return 1;
    }
    return 0;
}

static char **copy(const char *const *names, int count) {
    char **out = calloc((size_t)(count > 0 ? count : 1), sizeof(char *));
    if (out == NULL) return NULL;
    for (int i = 0; i < count; i++) out[i] = strdup(names[i]);
    return out;
}

static void release(char **names, int count) {
    if (names == NULL) return;
    for (int i = 0; i < count; i++) free(names[i]);
    free(names);
}

struct zhengshu_sandbox_guard *zhengshu_sandbox_install(sqlite3 *db, const char *const *tables, int count, const char *const *others,
                                                        int other_count, int timeout_ms) {
    struct zhengshu_sandbox_guard *g = calloc(1, sizeof *g);
    if (g == NULL) return NULL;
    g->tables = copy(tables, count);
    g->others = copy(others, other_count);
    if (g->tables == NULL || g->others == NULL) { release(g->tables, count); release(g->others, other_count); free(g); return NULL; }
    g->count = count;
    g->other_count = other_count;
    g->deadline_ms = now_ms() + timeout_ms;
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)0);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)0);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)0);
    sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 10 * 1000 * 1000);
    sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 100 * 1000);
    sqlite3_set_authorizer(db, authorize, g);
    sqlite3_progress_handler(db, 1000, progress, g);
    return g;
}

int zhengshu_sandbox_remove(sqlite3 *db, struct zhengshu_sandbox_guard *g) {
    sqlite3_set_authorizer(db, NULL, NULL);
    sqlite3_progress_handler(db, 0, NULL, NULL);
    if (g == NULL) return 0;
    int timed_out = g->timed_out;
    release(g->tables, g->count);
    release(g->others, g->other_count);
    free(g);
    return timed_out;
}
