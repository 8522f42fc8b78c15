#include <sqlite3.h>
#include "CZhengshuSQLite.h"

int zhengshu_sqlite_configure(void) {
    // Memory statistics take a global mutex on every allocation SQLite makes; Zhengshu never reads them, and a
    // bulk import makes millions of allocations.
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
