extension PostgresStore {
    /// The same migrations as the SQLite engine (same ids, same tables and columns), in PostgreSQL's dialect:
    /// `bigserial` ids, `boolean` flags, a `tsvector` with a GIN index for catalog search. Unquoted names fold to
    /// lower case; `"user"` is quoted because it is a reserved word. Instants are milliseconds (`bigint`), as in SQLite.
    static let migrations: [(id: String, statements: [String])] = [
        (
            "v1-foundation",
            [
                """
                CREATE TABLE department (
                    code text PRIMARY KEY, name text NOT NULL,
                    level text NOT NULL CHECK (level IN ('province', 'city', 'county')),
                    parent text REFERENCES department(code), creditCode text, createdAt bigint NOT NULL, updatedAt bigint NOT NULL)
                """,
                "CREATE INDEX department_parent ON department(parent)",
                """
                CREATE TABLE "user" (
                    id bigserial PRIMARY KEY, name text NOT NULL UNIQUE, displayName text NOT NULL, roles text NOT NULL,
                    department text REFERENCES department(code), passwordHash text, disabled boolean NOT NULL DEFAULT false,
                    createdAt bigint NOT NULL, updatedAt bigint NOT NULL)
                """,
                "CREATE INDEX user_department ON \"user\"(department)",
                """
                CREATE TABLE apiToken (
                    id bigserial PRIMARY KEY, userId bigint NOT NULL REFERENCES "user"(id), label text NOT NULL, prefix text NOT NULL,
                    hash text NOT NULL UNIQUE, createdAt bigint NOT NULL, lastUsedAt bigint, expiresAt bigint, revokedAt bigint)
                """,
                "CREATE INDEX apiToken_user ON apiToken(userId)",
                """
                CREATE TABLE resource (
                    id bigserial PRIMARY KEY, code text NOT NULL UNIQUE, department text NOT NULL REFERENCES department(code),
                    category text NOT NULL, shareType text NOT NULL, gradeLevel text NOT NULL, status text NOT NULL,
                    version integer NOT NULL, recordCount bigint NOT NULL DEFAULT 0, document text NOT NULL,
                    createdAt bigint NOT NULL, updatedAt bigint NOT NULL)
                """,
                "CREATE INDEX resource_department ON resource(department)",
                """
                CREATE TABLE resourceVersion (
                    resourceId bigint NOT NULL REFERENCES resource(id), version integer NOT NULL, action text NOT NULL,
                    actor text NOT NULL, at bigint NOT NULL, document text NOT NULL, PRIMARY KEY (resourceId, version))
                """,
                // Overlapping CJK bigrams and single characters (see SearchTerms), as a tsvector of the 'simple' config.
                "CREATE TABLE resourceSearch (resourceId bigint PRIMARY KEY REFERENCES resource(id), terms tsvector NOT NULL)",
                "CREATE INDEX resourceSearch_terms ON resourceSearch USING gin (terms)",
                """
                CREATE TABLE auditEntry (
                    sequence bigint PRIMARY KEY, actor text NOT NULL, actorDepartment text, action text NOT NULL,
                    target text NOT NULL, at bigint NOT NULL, requestId text NOT NULL, detail text,
                    previousHash text NOT NULL, hash text NOT NULL)
                """,
                "CREATE INDEX auditEntry_target ON auditEntry(target)",
                "CREATE INDEX auditEntry_action ON auditEntry(action)",
            ]
        ),
        (
            "v2-ingestion",
            [
                """
                CREATE TABLE ingestJob (
                    id bigserial PRIMARY KEY, resource text NOT NULL, department text NOT NULL, mode text NOT NULL,
                    format text NOT NULL, encoding text NOT NULL, source text NOT NULL, header text, status text NOT NULL,
                    bytesTotal bigint, bytesRead bigint NOT NULL DEFAULT 0, rowsRead bigint NOT NULL DEFAULT 0,
                    rowsAccepted bigint NOT NULL DEFAULT 0, rowsRejected bigint NOT NULL DEFAULT 0, maxErrors bigint,
                    unknownColumns text NOT NULL DEFAULT '[]', error text, createdBy text NOT NULL, createdAt bigint NOT NULL,
                    startedAt bigint, finishedAt bigint)
                """,
                "CREATE INDEX ingestJob_resource ON ingestJob(resource, id)",
                "CREATE INDEX ingestJob_department ON ingestJob(department, id)",
                """
                CREATE TABLE ingestReject (
                    jobId bigint NOT NULL REFERENCES ingestJob(id), row bigint NOT NULL, field text NOT NULL,
                    reason text NOT NULL, original text NOT NULL)
                """,
                "CREATE INDEX ingestReject_job ON ingestReject(jobId, row)",
                "ALTER TABLE resource ADD COLUMN lastUpdatedAt bigint",
            ]
        ),
        (
            "v3-idempotency",
            [
                """
                CREATE TABLE idempotencyKey (
                    actor text NOT NULL, key text NOT NULL, resource text NOT NULL, fingerprint text NOT NULL,
                    inserted bigint NOT NULL, createdAt bigint NOT NULL, PRIMARY KEY (actor, key))
                """,
                "CREATE INDEX idempotencyKey_createdAt ON idempotencyKey(createdAt)",
            ]
        ),
        (
            "v4-pull-sources",
            [
                """
                CREATE TABLE pullSource (
                    id bigserial PRIMARY KEY, resource text NOT NULL, department text NOT NULL, kind text NOT NULL,
                    location text NOT NULL, query text, format text NOT NULL, mode text NOT NULL, intervalSeconds bigint NOT NULL,
                    watermarkColumn text, lastWatermark text, nextRunAt bigint NOT NULL, lastJob bigint, lastError text,
                    enabled boolean NOT NULL DEFAULT true, createdBy text NOT NULL, createdAt bigint NOT NULL)
                """,
                "CREATE INDEX pullSource_due ON pullSource(enabled, nextRunAt)",
            ]
        ),
        (
            "v5-live-sources",
            [
                "ALTER TABLE pullSource ADD COLUMN live boolean NOT NULL DEFAULT false"
            ]
        ),
        (
            "v6-job-nodes",
            [
                "ALTER TABLE ingestJob ADD COLUMN node text NOT NULL DEFAULT 'local'",
                "ALTER TABLE ingestJob ADD COLUMN heartbeatAt bigint",
                "ALTER TABLE ingestJob ADD COLUMN cancelRequested boolean NOT NULL DEFAULT false",
                "CREATE INDEX ingestJob_status ON ingestJob(status)",
            ]
        ),
        (
            "v7-quality",
            [
                "CREATE TABLE qualityRule (id bigserial PRIMARY KEY, resource text NOT NULL, position integer NOT NULL, document text NOT NULL)",
                "CREATE INDEX qualityRule_resource ON qualityRule(resource, position)",
                """
                CREATE TABLE qualityRun (
                    id bigserial PRIMARY KEY, resource text NOT NULL, department text NOT NULL, trigger text NOT NULL,
                    startedAt bigint NOT NULL, finishedAt bigint NOT NULL, rowsChecked bigint NOT NULL, score double precision NOT NULL,
                    results text NOT NULL)
                """,
                "CREATE INDEX qualityRun_resource ON qualityRun(resource, id)",
                "CREATE INDEX qualityRun_department ON qualityRun(department, id)",
            ]
        ),
        (
            "v8-problems",
            [
                """
                CREATE TABLE problem (
                    id bigserial PRIMARY KEY, resource text NOT NULL, department text NOT NULL, source text NOT NULL, rowKey text NOT NULL,
                    field text NOT NULL, rule text NOT NULL, value text NOT NULL, reason text NOT NULL, status text NOT NULL,
                    firstSeenAt bigint NOT NULL, lastSeenAt bigint NOT NULL, closedAt bigint, raisedBy text, note text)
                """,
                "CREATE UNIQUE INDEX problem_sighting ON problem(resource, source, rowKey, field, rule) WHERE source = 'quality'",
                "CREATE INDEX problem_department ON problem(department, status, id)",
                "CREATE INDEX problem_resource ON problem(resource, status)",
            ]
        ),
        (
            "v9-lineage",
            [
                """
                CREATE TABLE lineageEvent (
                    id bigserial PRIMARY KEY, runId text NOT NULL, eventType text NOT NULL, eventTime bigint NOT NULL,
                    jobNamespace text NOT NULL, jobName text NOT NULL, document text NOT NULL)
                """,
                "CREATE INDEX lineageEvent_run ON lineageEvent(runId)",
                """
                CREATE TABLE lineageEdge (
                    jobNamespace text NOT NULL, jobName text NOT NULL, role text NOT NULL, datasetNamespace text NOT NULL, datasetName text NOT NULL,
                    PRIMARY KEY (jobNamespace, jobName, role, datasetNamespace, datasetName))
                """,
                "CREATE INDEX lineageEdge_dataset ON lineageEdge(datasetNamespace, datasetName)",
                """
                CREATE TABLE lineageColumn (
                    jobNamespace text NOT NULL, jobName text NOT NULL, fromNamespace text NOT NULL, fromName text NOT NULL, fromField text NOT NULL,
                    toNamespace text NOT NULL, toName text NOT NULL, toField text NOT NULL,
                    PRIMARY KEY (jobNamespace, jobName, fromNamespace, fromName, fromField, toNamespace, toName, toField))
                """,
            ]
        ),
        (
            "v10-data-elements",
            [
                "CREATE TABLE dataElement (id text NOT NULL, version integer NOT NULL, document text NOT NULL, PRIMARY KEY (id, version))"
            ]
        ),
        (
            "v11-quality-schedule",
            [
                "CREATE TABLE qualitySchedule (resource text PRIMARY KEY, claimedUntil bigint NOT NULL)"
            ]
        ),
        (
            "v12-sharing",
            [
                """
                CREATE TABLE shareApplication (
                    id bigserial PRIMARY KEY, resource text NOT NULL, provider text NOT NULL, consumer text NOT NULL, status text NOT NULL,
                    dueAt bigint, updatedAt bigint NOT NULL, document text NOT NULL)
                """,
                "CREATE INDEX shareApplication_consumer ON shareApplication(consumer, id)",
                "CREATE INDEX shareApplication_provider ON shareApplication(provider, id)",
                "CREATE INDEX shareApplication_due ON shareApplication(status, dueAt)",
                """
                CREATE TABLE shareGrant (
                    id bigserial PRIMARY KEY, application bigint NOT NULL, resource text NOT NULL, provider text NOT NULL,
                    consumer text NOT NULL, status text NOT NULL, document text NOT NULL)
                """,
                "CREATE INDEX shareGrant_consumer ON shareGrant(consumer, resource)",
                "CREATE INDEX shareGrant_provider ON shareGrant(provider)",
                """
                CREATE TABLE shareUsage (
                    grantId bigint NOT NULL, day text NOT NULL, resource text NOT NULL, provider text NOT NULL, consumer text NOT NULL,
                    calls bigint NOT NULL, rowCount bigint NOT NULL, PRIMARY KEY (grantId, day))
                """,
                "CREATE INDEX shareUsage_day ON shareUsage(day)",
                """
                CREATE TABLE systemAccount (
                    id bigserial PRIMARY KEY, department text NOT NULL, name text NOT NULL, keyHash text NOT NULL UNIQUE, lastUsedAt bigint,
                    document text NOT NULL, UNIQUE (department, name))
                """,
                "CREATE TABLE calendarDay (day text PRIMARY KEY, kind text NOT NULL, name text NOT NULL)",
                calendarSeed,
            ]
        ),
        (
            "v13-audit-checkpoints",
            [
                "CREATE TABLE auditCheckpoint (sequence bigint PRIMARY KEY, hash text NOT NULL, signature text NOT NULL, publicKey text NOT NULL, at bigint NOT NULL)",
                "CREATE INDEX auditEntry_actor ON auditEntry(actor, sequence)",
                "CREATE INDEX auditEntry_department ON auditEntry(actorDepartment, sequence)",
                "CREATE INDEX auditEntry_at ON auditEntry(at)",
            ]
        ),
        (
            "v14-share-exports",
            [
                "CREATE TABLE shareExport (id bigserial PRIMARY KEY, consumer text NOT NULL, status text NOT NULL, createdAt bigint NOT NULL, document text NOT NULL)",
                "CREATE INDEX shareExport_consumer ON shareExport(consumer, id)",
            ]
        ),
        (
            "v15-change-feed",
            [
                "ALTER TABLE resource ADD COLUMN dataGeneration bigint NOT NULL DEFAULT 0",
                "ALTER TABLE resource ADD COLUMN dataRevision bigint NOT NULL DEFAULT 0",
                // Every records table gets the revision column and its index; the rows stored so far are generation 0's base.
                """
                DO $$ DECLARE r record; BEGIN
                  FOR r IN SELECT c.relname FROM pg_class c WHERE c.relname ~ '^rec_[0-9]+$' AND c.relkind IN ('r', 'p')
                           AND c.relnamespace = current_schema()::regnamespace LOOP
                    EXECUTE format('ALTER TABLE %I ADD COLUMN "_rev" bigint', r.relname);
                    EXECUTE format('CREATE INDEX %I ON %I ("_rev", "_id") WHERE "_rev" IS NOT NULL', r.relname || '_rev', r.relname);
                  END LOOP;
                END $$
                """,
            ]
        ),
        (
            "v16-webhooks",
            [
                """
                CREATE TABLE webhook (
                    id bigserial PRIMARY KEY, department text NOT NULL, resource text NOT NULL, url text NOT NULL, secret text NOT NULL,
                    lastVersion integer NOT NULL, nextAttemptAt bigint, claimedUntil bigint, document text NOT NULL)
                """,
                "CREATE INDEX webhook_resource ON webhook(resource)",
                "CREATE INDEX webhook_department ON webhook(department)",
                "CREATE TABLE webhookDelivery (id bigserial PRIMARY KEY, webhook bigint NOT NULL, version integer NOT NULL, at bigint NOT NULL, document text NOT NULL)",
                "CREATE INDEX webhookDelivery_webhook ON webhookDelivery(webhook, id)",
            ]
        ),
        (
            "v17-privacy",
            [
                "CREATE TABLE maskingPolicy (name text PRIMARY KEY, document text NOT NULL)",
                "CREATE TABLE gradeProposal (id bigserial PRIMARY KEY, resource text NOT NULL, department text NOT NULL, status text NOT NULL, document text NOT NULL)",
                "CREATE INDEX gradeProposal_resource ON gradeProposal(resource, status)",
                "CREATE INDEX gradeProposal_status ON gradeProposal(status, department)",
                "CREATE TABLE riskAlert (id bigserial PRIMARY KEY, dedupeKey text NOT NULL UNIQUE, rule text NOT NULL, state text NOT NULL, document text NOT NULL)",
                "CREATE INDEX riskAlert_state ON riskAlert(state, id)",
                "CREATE TABLE monitorCursor (name text PRIMARY KEY, sequence bigint NOT NULL)",
                "CREATE TABLE installationSetting (name text PRIMARY KEY, value text NOT NULL)",
                "ALTER TABLE auditCheckpoint ADD COLUMN algorithm text",
                "CREATE TABLE dataKey (resource text NOT NULL, version integer NOT NULL, wrapped text NOT NULL, previous text, createdAt bigint NOT NULL, PRIMARY KEY (resource, version))",
            ]
        ),
        (
            "v18-management",
            [
                "CREATE TABLE departmentServiceItem (department text NOT NULL REFERENCES department(code), item text NOT NULL, position integer NOT NULL, PRIMARY KEY (department, item))"
            ]
        ),
        (
            "v19-members",
            [
                "CREATE TABLE member (userId bigint PRIMARY KEY REFERENCES \"user\"(id), identifierDigest text NOT NULL UNIQUE, document text NOT NULL)"
            ]
        ),
        (
            "v20-topics",
            [
                "CREATE TABLE topic (code text PRIMARY KEY REFERENCES resource(code), document text NOT NULL, nextRunAt bigint)",
                "CREATE INDEX topic_due ON topic (nextRunAt) WHERE nextRunAt IS NOT NULL",
            ]
        ),
        (
            "v21-sandbox",
            [
                // The records; each workspace's data is a schema of its own (see `PostgresStore+Sandbox`).
                "CREATE TABLE sandboxWorkspace (id bigserial PRIMARY KEY, consumer text NOT NULL, document text NOT NULL)",
                "CREATE TABLE sandboxQuery (id bigserial PRIMARY KEY, workspace bigint NOT NULL REFERENCES sandboxWorkspace(id), document text NOT NULL)",
                "CREATE INDEX sandboxQuery_workspace ON sandboxQuery (workspace, id)",
                "CREATE TABLE sandboxRelease (id bigserial PRIMARY KEY, workspace bigint NOT NULL REFERENCES sandboxWorkspace(id), document text NOT NULL)",
            ]
        ),
        ("v22-backup-runs", ["CREATE TABLE backupRun (id bigserial PRIMARY KEY, document text NOT NULL)"]),
        (
            "v23-verification-limits",
            [
                // Tuples verified per grant and minute (since 1970), and digests of what each tuple's other items
                // were verified with (``VerificationGuard``): kept for a day and for the window.
                "CREATE TABLE verifyUse (grantId bigint NOT NULL, minute bigint NOT NULL, tuples integer NOT NULL, PRIMARY KEY (grantId, minute))",
                "CREATE TABLE verifyVariant (grantId bigint NOT NULL, kind smallint NOT NULL, signature bigint NOT NULL, value bigint NOT NULL, minute bigint NOT NULL, PRIMARY KEY (grantId, kind, signature, value))",
                "CREATE INDEX verifyVariant_minute ON verifyVariant (grantId, minute)",
            ]
        ),
        (
            "v24-break-glass",
            [
                "CREATE TABLE breakGlass (id bigserial PRIMARY KEY, requestedBy text NOT NULL, resource text NOT NULL, document text NOT NULL)",
                "CREATE INDEX breakGlass_requester ON breakGlass (requestedBy, resource)",
            ]
        ),
        (
            "v25-audit-head",
            [
                // The chain's lock and its head in one round trip. VOLATILE: the SELECT takes its snapshot after the
                // lock is granted (READ COMMITTED), so it sees the entry the previous holder committed.
                """
                CREATE FUNCTION zhengshu_audit_head(lock_key bigint) RETURNS TABLE (sequence bigint, hash text)
                LANGUAGE plpgsql VOLATILE AS $$
                BEGIN
                  PERFORM pg_advisory_xact_lock(lock_key);
                  RETURN QUERY SELECT a.sequence, a.hash FROM auditEntry a ORDER BY a.sequence DESC LIMIT 1;
                END $$
                """,
                // A workspace's releases, by workspace.
                "CREATE INDEX sandboxRelease_workspace ON sandboxRelease (workspace, id)",
            ]
        ),
    ]

    /// The State Council's holiday schedules for 2025 and 2026, the starting calendar of a new installation: the rows
    /// `WorkingCalendar.chinaDefaults` lists, written out because a shipped migration never changes with the code
    /// (`SharingStoreTests` checks both engines' seeds against it).
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
