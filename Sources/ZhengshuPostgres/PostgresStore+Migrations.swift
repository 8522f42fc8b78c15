extension PostgresStore {
    /// The same migrations as the SQLite engine (same ids, same tables and columns), in PostgreSQL's dialect:
    /// `bigserial` ids, `boolean` flags, a `tsvector` with a GIN index for catalog search. Unquoted names fold to
    /// lower case; `"user"` is quoted because it is a reserved word. Instants are milliseconds (`bigint`), as in SQLite.
    static let migrations: [(id: String, statements: [String])] = [
        ("v1-foundation", [
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
        ]),
        ("v2-ingestion", [
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
        ]),
        ("v3-idempotency", [
            """
            CREATE TABLE idempotencyKey (
                actor text NOT NULL, key text NOT NULL, resource text NOT NULL, fingerprint text NOT NULL,
                inserted bigint NOT NULL, createdAt bigint NOT NULL, PRIMARY KEY (actor, key))
            """,
            "CREATE INDEX idempotencyKey_createdAt ON idempotencyKey(createdAt)",
        ]),
        ("v4-pull-sources", [
            """
            CREATE TABLE pullSource (
                id bigserial PRIMARY KEY, resource text NOT NULL, department text NOT NULL, kind text NOT NULL,
                location text NOT NULL, query text, format text NOT NULL, mode text NOT NULL, intervalSeconds bigint NOT NULL,
                watermarkColumn text, lastWatermark text, nextRunAt bigint NOT NULL, lastJob bigint, lastError text,
                enabled boolean NOT NULL DEFAULT true, createdBy text NOT NULL, createdAt bigint NOT NULL)
            """,
            "CREATE INDEX pullSource_due ON pullSource(enabled, nextRunAt)",
        ]),
        ("v5-live-sources", [
            "ALTER TABLE pullSource ADD COLUMN live boolean NOT NULL DEFAULT false",
        ]),
        ("v6-job-nodes", [
            "ALTER TABLE ingestJob ADD COLUMN node text NOT NULL DEFAULT 'local'",
            "ALTER TABLE ingestJob ADD COLUMN heartbeatAt bigint",
            "ALTER TABLE ingestJob ADD COLUMN cancelRequested boolean NOT NULL DEFAULT false",
            "CREATE INDEX ingestJob_status ON ingestJob(status)",
        ]),
        ("v7-quality", [
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
        ]),
        ("v8-problems", [
            """
            CREATE TABLE problem (
                id bigserial PRIMARY KEY, resource text NOT NULL, department text NOT NULL, source text NOT NULL, rowKey text NOT NULL,
                field text NOT NULL, rule text NOT NULL, value text NOT NULL, reason text NOT NULL, status text NOT NULL,
                firstSeenAt bigint NOT NULL, lastSeenAt bigint NOT NULL, closedAt bigint, raisedBy text, note text)
            """,
            "CREATE UNIQUE INDEX problem_sighting ON problem(resource, source, rowKey, field, rule) WHERE source = 'quality'",
            "CREATE INDEX problem_department ON problem(department, status, id)",
            "CREATE INDEX problem_resource ON problem(resource, status)",
        ]),
        ("v9-lineage", [
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
        ]),
        ("v10-data-elements", [
            "CREATE TABLE dataElement (id text NOT NULL, version integer NOT NULL, document text NOT NULL, PRIMARY KEY (id, version))",
        ]),
        ("v11-quality-schedule", [
            "CREATE TABLE qualitySchedule (resource text PRIMARY KEY, claimedUntil bigint NOT NULL)",
        ]),
    ]
}
