import GRDB

extension GRDBStore {
    /// Versioned migrations: SQL that never changes once shipped and never references app types.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-foundation") { db in
            try db.execute(
                sql: """
                    CREATE TABLE department (
                        code TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        level TEXT NOT NULL CHECK (level IN ('province', 'city', 'county')),
                        parent TEXT REFERENCES department(code),
                        creditCode TEXT,
                        createdAt INTEGER NOT NULL,
                        updatedAt INTEGER NOT NULL
                    );
                    CREATE INDEX department_parent ON department(parent);

                    CREATE TABLE user (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        name TEXT NOT NULL UNIQUE,
                        displayName TEXT NOT NULL,
                        roles TEXT NOT NULL,
                        department TEXT REFERENCES department(code),
                        passwordHash TEXT,
                        disabled INTEGER NOT NULL DEFAULT 0,
                        createdAt INTEGER NOT NULL,
                        updatedAt INTEGER NOT NULL
                    );
                    CREATE INDEX user_department ON user(department);

                    CREATE TABLE apiToken (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        userId INTEGER NOT NULL REFERENCES user(id),
                        label TEXT NOT NULL,
                        prefix TEXT NOT NULL,
                        hash TEXT NOT NULL UNIQUE,
                        createdAt INTEGER NOT NULL,
                        lastUsedAt INTEGER,
                        expiresAt INTEGER,
                        revokedAt INTEGER
                    );
                    CREATE INDEX apiToken_user ON apiToken(userId);

                    CREATE TABLE resource (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        code TEXT NOT NULL UNIQUE,
                        department TEXT NOT NULL REFERENCES department(code),
                        category TEXT NOT NULL,
                        shareType TEXT NOT NULL,
                        gradeLevel TEXT NOT NULL,
                        status TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        recordCount INTEGER NOT NULL DEFAULT 0,
                        document TEXT NOT NULL,
                        createdAt INTEGER NOT NULL,
                        updatedAt INTEGER NOT NULL
                    );
                    CREATE INDEX resource_department ON resource(department);

                    CREATE TABLE resourceVersion (
                        resourceId INTEGER NOT NULL REFERENCES resource(id),
                        version INTEGER NOT NULL,
                        action TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        document TEXT NOT NULL,
                        PRIMARY KEY (resourceId, version)
                    );

                    -- Overlapping CJK bigrams and single characters, space-separated (see SearchTerms).
                    CREATE VIRTUAL TABLE resourceSearch USING fts5(terms, tokenize = 'unicode61');

                    CREATE TABLE auditEntry (
                        sequence INTEGER PRIMARY KEY,
                        actor TEXT NOT NULL,
                        actorDepartment TEXT,
                        action TEXT NOT NULL,
                        target TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        requestId TEXT NOT NULL,
                        detail TEXT,
                        previousHash TEXT NOT NULL,
                        hash TEXT NOT NULL
                    );
                    CREATE INDEX auditEntry_target ON auditEntry(target);
                    CREATE INDEX auditEntry_action ON auditEntry(action);
                    """)
        }
        m.registerMigration("v2-ingestion") { db in
            try db.execute(
                sql: """
                    CREATE TABLE ingestJob (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        resource TEXT NOT NULL,
                        department TEXT NOT NULL,
                        mode TEXT NOT NULL,
                        format TEXT NOT NULL,
                        encoding TEXT NOT NULL,
                        source TEXT NOT NULL,
                        header TEXT,
                        status TEXT NOT NULL,
                        bytesTotal INTEGER,
                        bytesRead INTEGER NOT NULL DEFAULT 0,
                        rowsRead INTEGER NOT NULL DEFAULT 0,
                        rowsAccepted INTEGER NOT NULL DEFAULT 0,
                        rowsRejected INTEGER NOT NULL DEFAULT 0,
                        maxErrors INTEGER,
                        unknownColumns TEXT NOT NULL DEFAULT '[]',
                        error TEXT,
                        createdBy TEXT NOT NULL,
                        createdAt INTEGER NOT NULL,
                        startedAt INTEGER,
                        finishedAt INTEGER
                    );
                    CREATE INDEX ingestJob_resource ON ingestJob(resource, id);
                    CREATE INDEX ingestJob_department ON ingestJob(department, id);

                    CREATE TABLE ingestReject (
                        jobId INTEGER NOT NULL REFERENCES ingestJob(id),
                        row INTEGER NOT NULL,
                        field TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        original TEXT NOT NULL
                    );
                    CREATE INDEX ingestReject_job ON ingestReject(jobId, row);

                    ALTER TABLE resource ADD COLUMN lastUpdatedAt INTEGER;
                    """)
        }
        m.registerMigration("v3-idempotency") { db in
            try db.execute(
                sql: """
                    CREATE TABLE idempotencyKey (
                        actor TEXT NOT NULL,
                        key TEXT NOT NULL,
                        resource TEXT NOT NULL,
                        fingerprint TEXT NOT NULL,
                        inserted INTEGER NOT NULL,
                        createdAt INTEGER NOT NULL,
                        PRIMARY KEY (actor, key)
                    );
                    CREATE INDEX idempotencyKey_createdAt ON idempotencyKey(createdAt);
                    """)
        }
        m.registerMigration("v4-pull-sources") { db in
            try db.execute(
                sql: """
                    CREATE TABLE pullSource (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        resource TEXT NOT NULL,
                        department TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        location TEXT NOT NULL,
                        query TEXT,
                        format TEXT NOT NULL,
                        mode TEXT NOT NULL,
                        intervalSeconds INTEGER NOT NULL,
                        watermarkColumn TEXT,
                        lastWatermark TEXT,
                        nextRunAt INTEGER NOT NULL,
                        lastJob INTEGER,
                        lastError TEXT,
                        enabled INTEGER NOT NULL DEFAULT 1,
                        createdBy TEXT NOT NULL,
                        createdAt INTEGER NOT NULL
                    );
                    CREATE INDEX pullSource_due ON pullSource(enabled, nextRunAt);
                    """)
        }
        m.registerMigration("v5-live-sources") { db in
            try db.execute(sql: "ALTER TABLE pullSource ADD COLUMN live INTEGER NOT NULL DEFAULT 0")
        }
        m.registerMigration("v6-job-nodes") { db in
            try db.execute(
                sql: """
                    ALTER TABLE ingestJob ADD COLUMN node TEXT NOT NULL DEFAULT 'local';
                    ALTER TABLE ingestJob ADD COLUMN heartbeatAt INTEGER;
                    ALTER TABLE ingestJob ADD COLUMN cancelRequested INTEGER NOT NULL DEFAULT 0;
                    CREATE INDEX ingestJob_status ON ingestJob(status);
                    """)
        }
        m.registerMigration("v7-quality") { db in
            try db.execute(
                sql: """
                    CREATE TABLE qualityRule (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        resource TEXT NOT NULL,
                        position INTEGER NOT NULL,
                        document TEXT NOT NULL
                    );
                    CREATE INDEX qualityRule_resource ON qualityRule(resource, position);
                    CREATE TABLE qualityRun (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        resource TEXT NOT NULL,
                        department TEXT NOT NULL,
                        trigger TEXT NOT NULL,
                        startedAt INTEGER NOT NULL,
                        finishedAt INTEGER NOT NULL,
                        rowsChecked INTEGER NOT NULL,
                        score REAL NOT NULL,
                        results TEXT NOT NULL
                    );
                    CREATE INDEX qualityRun_resource ON qualityRun(resource, id);
                    CREATE INDEX qualityRun_department ON qualityRun(department, id);
                    """)
        }
        m.registerMigration("v8-problems") { db in
            try db.execute(
                sql: """
                    CREATE TABLE problem (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        resource TEXT NOT NULL,
                        department TEXT NOT NULL,
                        source TEXT NOT NULL,
                        rowKey TEXT NOT NULL,
                        field TEXT NOT NULL,
                        rule TEXT NOT NULL,
                        value TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        status TEXT NOT NULL,
                        firstSeenAt INTEGER NOT NULL,
                        lastSeenAt INTEGER NOT NULL,
                        closedAt INTEGER,
                        raisedBy TEXT,
                        note TEXT
                    );
                    CREATE UNIQUE INDEX problem_sighting ON problem(resource, source, rowKey, field, rule) WHERE source = 'quality';
                    CREATE INDEX problem_department ON problem(department, status, id);
                    CREATE INDEX problem_resource ON problem(resource, status);
                    """)
        }
        m.registerMigration("v9-lineage") { db in
            try db.execute(
                sql: """
                    CREATE TABLE lineageEvent (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        runId TEXT NOT NULL,
                        eventType TEXT NOT NULL,
                        eventTime INTEGER NOT NULL,
                        jobNamespace TEXT NOT NULL,
                        jobName TEXT NOT NULL,
                        document TEXT NOT NULL
                    );
                    CREATE INDEX lineageEvent_run ON lineageEvent(runId);
                    CREATE TABLE lineageEdge (
                        jobNamespace TEXT NOT NULL,
                        jobName TEXT NOT NULL,
                        role TEXT NOT NULL,
                        datasetNamespace TEXT NOT NULL,
                        datasetName TEXT NOT NULL,
                        PRIMARY KEY (jobNamespace, jobName, role, datasetNamespace, datasetName)
                    );
                    CREATE INDEX lineageEdge_dataset ON lineageEdge(datasetNamespace, datasetName);
                    CREATE TABLE lineageColumn (
                        jobNamespace TEXT NOT NULL,
                        jobName TEXT NOT NULL,
                        fromNamespace TEXT NOT NULL,
                        fromName TEXT NOT NULL,
                        fromField TEXT NOT NULL,
                        toNamespace TEXT NOT NULL,
                        toName TEXT NOT NULL,
                        toField TEXT NOT NULL,
                        PRIMARY KEY (jobNamespace, jobName, fromNamespace, fromName, fromField, toNamespace, toName, toField)
                    );
                    """)
        }
        m.registerMigration("v10-data-elements") { db in
            try db.execute(
                sql: """
                    CREATE TABLE dataElement (
                        id TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        document TEXT NOT NULL,
                        PRIMARY KEY (id, version)
                    );
                    """)
        }
        m.registerMigration("v11-quality-schedule") { db in
            try db.execute(
                sql: "CREATE TABLE qualitySchedule (resource TEXT PRIMARY KEY NOT NULL, claimedUntil INTEGER NOT NULL)")
        }
        m.registerMigration("v12-sharing") { db in
            try db.execute(
                sql: """
                    CREATE TABLE shareApplication (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        resource TEXT NOT NULL,
                        provider TEXT NOT NULL,
                        consumer TEXT NOT NULL,
                        status TEXT NOT NULL,
                        dueAt INTEGER,
                        updatedAt INTEGER NOT NULL,
                        document TEXT NOT NULL
                    );
                    CREATE INDEX shareApplication_consumer ON shareApplication(consumer, id);
                    CREATE INDEX shareApplication_provider ON shareApplication(provider, id);
                    CREATE INDEX shareApplication_due ON shareApplication(status, dueAt);
                    CREATE TABLE shareGrant (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        application INTEGER NOT NULL,
                        resource TEXT NOT NULL,
                        provider TEXT NOT NULL,
                        consumer TEXT NOT NULL,
                        status TEXT NOT NULL,
                        document TEXT NOT NULL
                    );
                    CREATE INDEX shareGrant_consumer ON shareGrant(consumer, resource);
                    CREATE INDEX shareGrant_provider ON shareGrant(provider);
                    CREATE TABLE shareUsage (
                        grantId INTEGER NOT NULL,
                        day TEXT NOT NULL,
                        resource TEXT NOT NULL,
                        provider TEXT NOT NULL,
                        consumer TEXT NOT NULL,
                        calls INTEGER NOT NULL,
                        rowCount INTEGER NOT NULL,
                        PRIMARY KEY (grantId, day)
                    );
                    CREATE INDEX shareUsage_day ON shareUsage(day);
                    CREATE TABLE systemAccount (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        department TEXT NOT NULL,
                        name TEXT NOT NULL,
                        keyHash TEXT NOT NULL UNIQUE,
                        lastUsedAt INTEGER,
                        document TEXT NOT NULL,
                        UNIQUE (department, name)
                    );
                    CREATE TABLE calendarDay (day TEXT PRIMARY KEY NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL);
                    """)
            try db.execute(sql: calendarSeed)
        }
        m.registerMigration("v13-audit-checkpoints") { db in
            try db.execute(
                sql: """
                    CREATE TABLE auditCheckpoint (
                        sequence INTEGER PRIMARY KEY NOT NULL,
                        hash TEXT NOT NULL,
                        signature TEXT NOT NULL,
                        publicKey TEXT NOT NULL,
                        at INTEGER NOT NULL
                    );
                    CREATE INDEX auditEntry_actor ON auditEntry(actor, sequence);
                    CREATE INDEX auditEntry_department ON auditEntry(actorDepartment, sequence);
                    CREATE INDEX auditEntry_at ON auditEntry(at);
                    """)
        }
        m.registerMigration("v14-share-exports") { db in
            try db.execute(
                sql: """
                    CREATE TABLE shareExport (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        consumer TEXT NOT NULL,
                        status TEXT NOT NULL,
                        createdAt INTEGER NOT NULL,
                        document TEXT NOT NULL
                    );
                    CREATE INDEX shareExport_consumer ON shareExport(consumer, id);
                    """)
        }
        m.registerMigration("v15-change-feed") { db in
            // Every records table gets the revision column and its index; the rows stored so far are generation 0's base.
            try db.execute(
                sql: """
                    ALTER TABLE resource ADD COLUMN dataGeneration INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE resource ADD COLUMN dataRevision INTEGER NOT NULL DEFAULT 0;
                    """)
            for id in try Int64.fetchAll(db, sql: "SELECT id FROM resource WHERE status <> 'draft'") {
                guard try db.tableExists("rec_\(id)") else { continue }
                try db.execute(
                    sql: """
                        ALTER TABLE "rec_\(id)" ADD COLUMN "_rev" INTEGER;
                        CREATE INDEX "rec_\(id)_rev" ON "rec_\(id)" ("_rev", "_id") WHERE "_rev" IS NOT NULL;
                        """)
            }
        }
        m.registerMigration("v16-webhooks") { db in
            try db.execute(
                sql: """
                    CREATE TABLE webhook (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        department TEXT NOT NULL,
                        resource TEXT NOT NULL,
                        url TEXT NOT NULL,
                        secret TEXT NOT NULL,
                        lastVersion INTEGER NOT NULL,
                        nextAttemptAt INTEGER,
                        claimedUntil INTEGER,
                        document TEXT NOT NULL
                    );
                    CREATE INDEX webhook_resource ON webhook(resource);
                    CREATE INDEX webhook_department ON webhook(department);
                    CREATE TABLE webhookDelivery (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        webhook INTEGER NOT NULL,
                        version INTEGER NOT NULL,
                        at INTEGER NOT NULL,
                        document TEXT NOT NULL
                    );
                    CREATE INDEX webhookDelivery_webhook ON webhookDelivery(webhook, id);
                    """)
        }
        m.registerMigration("v17-privacy") { db in
            try db.execute(
                sql: """
                    CREATE TABLE maskingPolicy (name TEXT PRIMARY KEY, document TEXT NOT NULL);
                    CREATE TABLE gradeProposal (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        resource TEXT NOT NULL,
                        department TEXT NOT NULL,
                        status TEXT NOT NULL,
                        document TEXT NOT NULL
                    );
                    CREATE INDEX gradeProposal_resource ON gradeProposal(resource, status);
                    CREATE INDEX gradeProposal_status ON gradeProposal(status, department);
                    CREATE TABLE riskAlert (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        dedupeKey TEXT NOT NULL UNIQUE,
                        rule TEXT NOT NULL,
                        state TEXT NOT NULL,
                        document TEXT NOT NULL
                    );
                    CREATE INDEX riskAlert_state ON riskAlert(state, id);
                    CREATE TABLE monitorCursor (name TEXT PRIMARY KEY, sequence INTEGER NOT NULL);
                    CREATE TABLE installationSetting (name TEXT PRIMARY KEY, value TEXT NOT NULL);
                    ALTER TABLE auditCheckpoint ADD COLUMN algorithm TEXT;
                    CREATE TABLE dataKey (resource TEXT NOT NULL, version INTEGER NOT NULL, wrapped TEXT NOT NULL, previous TEXT, createdAt INTEGER NOT NULL,
                                          PRIMARY KEY (resource, version));
                    """)
        }
        m.registerMigration("v18-management") { db in
            try db.execute(
                sql: """
                    CREATE TABLE departmentServiceItem (
                        department TEXT NOT NULL REFERENCES department(code), item TEXT NOT NULL, position INTEGER NOT NULL,
                        PRIMARY KEY (department, item));
                    """)
        }
        m.registerMigration("v19-members") { db in
            try db.execute(
                sql: """
                    CREATE TABLE member (
                        userId INTEGER PRIMARY KEY NOT NULL REFERENCES user(id), identifierDigest TEXT NOT NULL UNIQUE, document TEXT NOT NULL);
                    """)
        }
        m.registerMigration("v20-topics") { db in
            try db.execute(
                sql: """
                    CREATE TABLE topic (code TEXT PRIMARY KEY NOT NULL REFERENCES resource(code), document TEXT NOT NULL, nextRunAt INTEGER);
                    CREATE INDEX topic_due ON topic (nextRunAt) WHERE nextRunAt IS NOT NULL;
                    """)
        }
        m.registerMigration("v21-sandbox") { db in
            // The records; each workspace's data is a file of its own (see `GRDBStore+Sandbox`).
            try db.execute(
                sql: """
                    CREATE TABLE sandboxWorkspace (id INTEGER PRIMARY KEY AUTOINCREMENT, consumer TEXT NOT NULL, document TEXT NOT NULL);
                    CREATE TABLE sandboxQuery (id INTEGER PRIMARY KEY AUTOINCREMENT, workspace INTEGER NOT NULL REFERENCES sandboxWorkspace(id),
                                               document TEXT NOT NULL);
                    CREATE INDEX sandboxQuery_workspace ON sandboxQuery (workspace, id);
                    CREATE TABLE sandboxRelease (id INTEGER PRIMARY KEY AUTOINCREMENT, workspace INTEGER NOT NULL REFERENCES sandboxWorkspace(id),
                                                 document TEXT NOT NULL);
                    """)
        }
        m.registerMigration("v22-backup-runs") { db in
            try db.execute(sql: "CREATE TABLE backupRun (id INTEGER PRIMARY KEY AUTOINCREMENT, document TEXT NOT NULL)")
        }
        m.registerMigration("v23-verification-limits") { db in
            // Tuples verified per grant and minute (since 1970), and digests of what each tuple's other items were
            // verified with (``VerificationGuard``): kept for a day and for the window.
            try db.execute(
                sql: """
                    CREATE TABLE verifyUse (grantId INTEGER NOT NULL, minute INTEGER NOT NULL, tuples INTEGER NOT NULL,
                                            PRIMARY KEY (grantId, minute));
                    CREATE TABLE verifyVariant (grantId INTEGER NOT NULL, kind INTEGER NOT NULL, signature INTEGER NOT NULL,
                                                value INTEGER NOT NULL, minute INTEGER NOT NULL,
                                                PRIMARY KEY (grantId, kind, signature, value));
                    CREATE INDEX verifyVariant_minute ON verifyVariant (grantId, minute);
                    """)
        }
        m.registerMigration("v24-break-glass") { db in
            try db.execute(
                sql: """
                    CREATE TABLE breakGlass (id INTEGER PRIMARY KEY AUTOINCREMENT, requestedBy TEXT NOT NULL, resource TEXT NOT NULL,
                                             document TEXT NOT NULL);
                    CREATE INDEX breakGlass_requester ON breakGlass (requestedBy, resource);
                    """)
        }
        // PostgreSQL's audit head under the chain's lock in one call (SQLite's writer is serial and needs nothing);
        // a workspace's releases by workspace.
        m.registerMigration("v25-audit-head") { db in
            try db.execute(sql: "CREATE INDEX sandboxRelease_workspace ON sandboxRelease (workspace, id)")
        }
        return m
    }

    /// The State Council's holiday schedules for 2025 and 2026, the starting calendar of a new installation: the rows
    /// `WorkingCalendar.chinaDefaults` lists, written out because a shipped migration never changes with the code (the
    /// PostgreSQL engine has the same text; `SharingStoreTests` checks both against it). The rules are Core's alone.
    static let calendarSeed = """
        INSERT INTO calendarDay (day, kind, name) VALUES
        ('2025-01-01','holiday','元旦'), ('2025-01-28','holiday','春节'), ('2025-01-29','holiday','春节'), ('2025-01-30','holiday','春节'),
        ('2025-01-31','holiday','春节'), ('2025-02-01','holiday','春节'), ('2025-02-02','holiday','春节'), ('2025-02-03','holiday','春节'),
        ('2025-02-04','holiday','春节'), ('2025-01-26','workday','春节调休'), ('2025-02-08','workday','春节调休'), ('2025-04-04','holiday','清明节'),
        ('2025-04-05','holiday','清明节'), ('2025-04-06','holiday','清明节'), ('2025-05-01','holiday','劳动节'), ('2025-05-02','holiday','劳动节'),
        ('2025-05-03','holiday','劳动节'), ('2025-05-04','holiday','劳动节'), ('2025-05-05','holiday','劳动节'), ('2025-04-27','workday','劳动节调休'),
        ('2025-05-31','holiday','端午节'), ('2025-06-01','holiday','端午节'), ('2025-06-02','holiday','端午节'), ('2025-10-01','holiday','国庆节、中秋节'),
        ('2025-10-02','holiday','国庆节、中秋节'), ('2025-10-03','holiday','国庆节、中秋节'), ('2025-10-04','holiday','国庆节、中秋节'), ('2025-10-05','holiday','国庆节、中秋节'),
        ('2025-10-06','holiday','国庆节、中秋节'), ('2025-10-07','holiday','国庆节、中秋节'), ('2025-10-08','holiday','国庆节、中秋节'), ('2025-09-28','workday','国庆节调休'),
        ('2025-10-11','workday','国庆节调休'), ('2026-01-01','holiday','元旦'), ('2026-01-02','holiday','元旦'), ('2026-01-03','holiday','元旦'),
        ('2026-01-04','workday','元旦调休'), ('2026-02-15','holiday','春节'), ('2026-02-16','holiday','春节'), ('2026-02-17','holiday','春节'),
        ('2026-02-18','holiday','春节'), ('2026-02-19','holiday','春节'), ('2026-02-20','holiday','春节'), ('2026-02-21','holiday','春节'),
        ('2026-02-22','holiday','春节'), ('2026-02-23','holiday','春节'), ('2026-02-14','workday','春节调休'), ('2026-02-28','workday','春节调休'),
        ('2026-04-04','holiday','清明节'), ('2026-04-05','holiday','清明节'), ('2026-04-06','holiday','清明节'), ('2026-05-01','holiday','劳动节'),
        ('2026-05-02','holiday','劳动节'), ('2026-05-03','holiday','劳动节'), ('2026-05-04','holiday','劳动节'), ('2026-05-05','holiday','劳动节'),
        ('2026-05-09','workday','劳动节调休'), ('2026-06-19','holiday','端午节'), ('2026-06-20','holiday','端午节'), ('2026-06-21','holiday','端午节'),
        ('2026-09-25','holiday','中秋节'), ('2026-09-26','holiday','中秋节'), ('2026-09-27','holiday','中秋节'), ('2026-10-01','holiday','国庆节'),
        ('2026-10-02','holiday','国庆节'), ('2026-10-03','holiday','国庆节'), ('2026-10-04','holiday','国庆节'), ('2026-10-05','holiday','国庆节'),
        ('2026-10-06','holiday','国庆节'), ('2026-10-07','holiday','国庆节'), ('2026-09-20','workday','国庆节调休'), ('2026-10-10','workday','国庆节调休')
        """
}
