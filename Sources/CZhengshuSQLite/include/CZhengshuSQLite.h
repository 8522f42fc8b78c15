#ifndef CZHENGSHU_SQLITE_H
#define CZHENGSHU_SQLITE_H

/// Process-wide SQLite settings that Swift cannot make itself (sqlite3_config is variadic). Must run before the
/// first connection opens; returns the SQLite result code (SQLITE_MISUSE when SQLite is already initialised).
int zhengshu_sqlite_configure(void);

typedef struct sqlite3 sqlite3;
struct zhengshu_sandbox_guard;

/// Confines a connection to a sandbox: only SELECT, reading the `count` granted tables (never the `other_count` other
/// tables of the file, nor SQLite's own), calling the listed functions; statements stopped once `timeout_ms` have
/// passed. Returns the guard to remove (NULL when out of memory).
struct zhengshu_sandbox_guard *zhengshu_sandbox_install(sqlite3 *db, const char *const *tables, int count, const char *const *others,
                                                        int other_count, int timeout_ms);

/// Lifts the guard and frees it. Returns 1 when a statement was stopped for its deadline.
int zhengshu_sandbox_remove(sqlite3 *db, struct zhengshu_sandbox_guard *g);

#endif
