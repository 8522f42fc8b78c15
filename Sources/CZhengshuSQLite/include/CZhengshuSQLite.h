#ifndef CZHENGSHU_SQLITE_H
#define CZHENGSHU_SQLITE_H

/// Process-wide SQLite settings that Swift cannot make itself (sqlite3_config is variadic). Must run before the
/// first connection opens; returns the SQLite result code (SQLITE_MISUSE when SQLite is already initialised).
int zhengshu_sqlite_configure(void);

#endif
