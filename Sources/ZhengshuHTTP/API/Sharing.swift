import Foundation
import OpenAPIRuntime
import ZhengshuCore
import ZhengshuOpenAPI

/// Sharing and exchange (共享交换): applications and their decisions, grants, usage, system accounts, webhooks, the
/// working-day calendar, and the data services (`/share/{code}/…`) that enforce the grants. The shared query itself
/// is ``SharingRoutes``: it writes its page directly.
extension APIHandler {
    // MARK: Applications

    func applyForResource(_ input: Operations.ApplyForResource.Input) async throws -> Operations.ApplyForResource.Output
    {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let application = try await platform.sharing.apply(
            try ApplicationDraft(body), by: try AppRequestContext.caller())
        return .created(.init(body: .json(try .init(application))))
    }

    func listApplications(_ input: Operations.ListApplications.Input) async throws -> Operations.ListApplications.Output
    {
        let q = input.query
        func department(_ raw: String?) throws -> DepartmentCode? {
            try raw.map { raw throws(ZhengshuError) in try DepartmentCode(validating: raw) }
        }
        let filter = ApplicationFilter(
            consumer: try department(q.consumer), provider: try department(q.provider),
            resource: try q.resource.map { raw throws(ZhengshuError) in try ResourceCode(validating: raw) },
            status: try q.status?.core(), overdueAt: q.overdue == ._true ? platform.clock.current() : nil,
            before: q.before.map(Int64.init), limit: q.limit ?? 100)
        let list = try await platform.sharing.applications(filter, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(items: try list.map(Components.Schemas.Application.init)))))
    }

    func getApplication(_ input: Operations.GetApplication.Input) async throws -> Operations.GetApplication.Output {
        let application = try await platform.sharing.application(input.path.id, by: try AppRequestContext.caller())
        var body = try Components.Schemas.Application(application)
        body.inference = try await platform.sharing.inference(of: application).map {
            .init(
                item: $0.item, identifier: try .wire($0.identifier.rawValue), strengthened: $0.strengthened,
                clearItems: $0.clearItems, candidates: $0.candidates, restoredByClearItems: $0.restoredByClearItems)
        }
        return .ok(.init(body: .json(body)))
    }

    func decideApplication(
        _ input: Operations.DecideApplication.Input
    ) async throws -> Operations.DecideApplication.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let decision = ApplicationDecision(
            approve: body.approve, reason: body.reason, terms: try body.terms.map(GrantTerms.init))
        let (application, grant) = try await platform.sharing.decide(
            input.path.id, decision, by: try AppRequestContext.caller())
        return .ok(
            .init(body: .json(.init(application: try .init(application), grant: try grant.map { try .init($0) }))))
    }

    func withdrawApplication(
        _ input: Operations.WithdrawApplication.Input
    ) async throws -> Operations.WithdrawApplication.Output {
        let reason: String? =
            switch input.body {
            case .json(let b): b.reason
            case nil: nil
            }
        let application = try await platform.sharing.withdraw(
            input.path.id, reason: reason, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(application))))
    }

    func disputeApplication(
        _ input: Operations.DisputeApplication.Input
    ) async throws -> Operations.DisputeApplication.Output {
        let reason =
            switch input.body {
            case .json(let b): b.reason
            }
        let application = try await platform.sharing.dispute(
            input.path.id, reason: reason, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(application))))
    }

    func resubmitApplication(
        _ input: Operations.ResubmitApplication.Input
    ) async throws -> Operations.ResubmitApplication.Output {
        var draft = ApplicationDraft()
        if case .json(let b) = input.body {
            (draft.items, draft.purpose, draft.legalBasis) = (b.items, b.purpose, b.legalBasis)
            (draft.services, draft.serviceItem) = (try b.services?.map { try $0.core() }, b.serviceItem)
            (draft.validFrom, draft.validUntil) = (
                try CivilDate(b.validFrom, "validFrom"), try CivilDate(b.validUntil, "validUntil")
            )
            draft.expectedRowsPerDay = b.expectedRowsPerDay
        }
        let application = try await platform.sharing.resubmit(input.path.id, draft, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(application))))
    }

    // MARK: Grants and usage

    func listGrants(_ input: Operations.ListGrants.Input) async throws -> Operations.ListGrants.Output {
        let q = input.query
        let grants = try await platform.sharing.grants(
            consumer: q.consumer, provider: q.provider, resource: q.resource, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(items: try grants.map(Components.Schemas.Grant.init)))))
    }

    func getGrant(_ input: Operations.GetGrant.Input) async throws -> Operations.GetGrant.Output {
        let grant = try await platform.sharing.grant(input.path.id, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(grant))))
    }

    func changeGrant(_ input: Operations.ChangeGrant.Input) async throws -> Operations.ChangeGrant.Output {
        let reason: String? =
            switch input.body {
            case .json(let b): b.reason
            case nil: nil
            }
        let grant = try await platform.sharing.change(
            grant: input.path.id, try input.path.action.core(), reason: reason,
            by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(grant))))
    }

    func listShareUsage(_ input: Operations.ListShareUsage.Input) async throws -> Operations.ListShareUsage.Output {
        let q = input.query
        let usage = try await platform.sharing.usage(
            from: q.from, to: q.to, department: q.department, by: try AppRequestContext.caller())
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: usage.map {
                            .init(
                                grant: $0.grant.rawValue, day: $0.day.description, resource: $0.resource.rawValue,
                                provider: $0.provider.rawValue, consumer: $0.consumer.rawValue, calls: $0.calls,
                                rows: $0.rows)
                        }))))
    }

    func listShareTotals(_ input: Operations.ListShareTotals.Input) async throws -> Operations.ListShareTotals.Output {
        let q = input.query
        let usage = try await platform.sharing.usage(
            from: q.from, to: q.to, department: q.department, by: try AppRequestContext.caller())
        let totals = ShareTotal.totals(usage, by: try q.by?.core() ?? .resource)
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: totals.map {
                            .init(key: $0.key, day: $0.day.description, calls: $0.calls, rows: $0.rows)
                        }
                    ))))
    }

    // MARK: System accounts

    func createSystemAccount(
        _ input: Operations.CreateSystemAccount.Input
    ) async throws -> Operations.CreateSystemAccount.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        var draft = SystemAccountDraft()
        (draft.department, draft.name, draft.description, draft.networks) = (
            body.department, body.name, body.description, body.networks
        )
        let (account, key) = try await platform.sharing.createSystemAccount(draft, by: try AppRequestContext.caller())
        return .created(.init(body: .json(.init(account: .init(account), key: key))))
    }

    func listSystemAccounts(
        _ input: Operations.ListSystemAccounts.Input
    ) async throws -> Operations.ListSystemAccounts.Output {
        let accounts = try await platform.sharing.systemAccounts(
            department: input.query.department, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(items: accounts.map(Components.Schemas.SystemAccount.init)))))
    }

    func getSystemAccount(_ input: Operations.GetSystemAccount.Input) async throws -> Operations.GetSystemAccount.Output
    {
        let account = try await platform.sharing.systemAccount(input.path.id, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(account))))
    }

    func rotateSystemAccount(
        _ input: Operations.RotateSystemAccount.Input
    ) async throws -> Operations.RotateSystemAccount.Output {
        let (account, key) = try await platform.sharing.rotateSystemAccount(
            input.path.id, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(account: .init(account), key: key))))
    }

    func revokeSystemAccount(
        _ input: Operations.RevokeSystemAccount.Input
    ) async throws -> Operations.RevokeSystemAccount.Output {
        let account = try await platform.sharing.revokeSystemAccount(input.path.id, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(account))))
    }

    // MARK: Catalog change notifications

    func createWebhook(_ input: Operations.CreateWebhook.Input) async throws -> Operations.CreateWebhook.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let (webhook, secret) = try await platform.webhooks.create(
            resource: body.resource, url: body.url, by: try AppRequestContext.caller())
        return .created(.init(body: .json(.init(webhook: .init(webhook), secret: secret))))
    }

    func listWebhooks(_ input: Operations.ListWebhooks.Input) async throws -> Operations.ListWebhooks.Output {
        let hooks = try await platform.webhooks.list(by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(items: hooks.map(Components.Schemas.Webhook.init)))))
    }

    func deleteWebhook(_ input: Operations.DeleteWebhook.Input) async throws -> Operations.DeleteWebhook.Output {
        try await platform.webhooks.delete(input.path.id, by: try AppRequestContext.caller())
        return .noContent(.init())
    }

    func listWebhookDeliveries(
        _ input: Operations.ListWebhookDeliveries.Input
    ) async throws -> Operations.ListWebhookDeliveries.Output {
        let deliveries = try await platform.webhooks.deliveries(input.path.id, by: try AppRequestContext.caller())
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: try deliveries.map {
                            .init(
                                webhook: $0.webhook.rawValue, version: $0.version, attempt: $0.attempt,
                                outcome: try .wire($0.outcome.rawValue), httpStatus: $0.httpStatus, error: $0.error,
                                at: $0.at, milliseconds: $0.milliseconds)
                        }))))
    }

    // MARK: Working-day calendar

    func listCalendar(_ input: Operations.ListCalendar.Input) async throws -> Operations.ListCalendar.Output {
        _ = try AppRequestContext.caller()
        let days = try await platform.sharing.calendar(year: input.query.year)
        return .ok(.init(body: .json(.init(items: try days.map(Components.Schemas.CalendarDay.init)))))
    }

    func setCalendarDay(_ input: Operations.SetCalendarDay.Input) async throws -> Operations.SetCalendarDay.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        guard let date = CivilDate(iso: input.path.date) else {
            throw ZhengshuError(.invalidInput, "'\(input.path.date.prefix(20))' is not a date YYYY-MM-DD")
        }
        let day = CalendarDay(date: date, kind: try body.kind.core(), name: body.name)
        try await platform.sharing.setCalendarDay(day, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(day))))
    }

    func removeCalendarDay(
        _ input: Operations.RemoveCalendarDay.Input
    ) async throws -> Operations.RemoveCalendarDay.Output {
        try await platform.sharing.removeCalendarDay(input.path.date, by: try AppRequestContext.caller())
        return .noContent(.init())
    }

    // MARK: Data services (数据服务)

    func sharedChanges(_ input: Operations.SharedChanges.Input) async throws -> Operations.SharedChanges.Output {
        let q = input.query
        let (page, receipt) = try await platform.data.sharedChanges(
            input.path.code, fields: q.fields, cursor: q.cursor, limit: q.limit.map(String.init),
            grant: q.grant.map(String.init), requestHash: APITransport.requestHash(), by: try AppRequestContext.caller()
        )
        let names = page.fields.map(\.name)
        let records = page.rows.map { Dictionary(uniqueKeysWithValues: zip(names, $0.lazy.map(RecordCell.init))) }
        return .ok(
            .init(
                headers: .init(xAuditEntry: Int(receipt.auditEntry), xRequestHash: receipt.requestHash),
                body: .json(
                    ChangesPageBody(
                        fields: names, records: records, cursor: page.next.token, reset: page.reset, more: page.more,
                        receipt: .init(receipt)))))
    }

    func sharedVerify(_ input: Operations.SharedVerify.Input) async throws -> Operations.SharedVerify.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let (results, receipt) = try await platform.data.sharedVerify(
            input.path.code, tuples: body.tuples.map { $0.additionalProperties.mapValues(JSONValue.init) },
            explain: body.explain ?? false, grant: input.query.grant.map(String.init),
            requestHash: APITransport.requestHash(), by: try AppRequestContext.caller())
        return .ok(
            .init(
                headers: .init(xAuditEntry: Int(receipt.auditEntry), xRequestHash: receipt.requestHash),
                body: .json(
                    .init(
                        results: results.map { .init(match: $0.match, found: $0.found, differs: $0.differs) },
                        receipt: .init(receipt)))))
    }

    // MARK: Exports

    func startExport(_ input: Operations.StartExport.Input) async throws -> Operations.StartExport.Output {
        let q = input.query
        let parameters = RecordQueryParameters(fields: q.fields, filters: q.filter ?? [], sort: q.sort)
        let prepared = try await platform.data.startExport(
            input.path.code, parameters, format: try q.format?.core() ?? .csv, grant: q.grant.map(String.init),
            requestHash: APITransport.requestHash(), node: files.node, by: try AppRequestContext.caller())
        try await files.startExport(prepared)
        let job = prepared.job
        return .accepted(.init(headers: .init(location: "/api/v1/exports/\(job.id)"), body: .json(try .init(job))))
    }

    func listExports(_ input: Operations.ListExports.Input) async throws -> Operations.ListExports.Output {
        let jobs = try await platform.data.exports(by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(items: try jobs.map { try .init(Self.summary($0)) }))))
    }

    func getExport(_ input: Operations.GetExport.Input) async throws -> Operations.GetExport.Output {
        let job = try await platform.data.export(input.path.id, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(Self.summary(job)))))
    }

    func getExportManifest(
        _ input: Operations.GetExportManifest.Input
    ) async throws -> Operations.GetExportManifest.Output {
        let job = try await platform.data.export(input.path.id, by: try AppRequestContext.caller())
        guard let manifest = job.manifest else {
            throw ZhengshuError(.conflict, "export \(job.id) is \(job.status.rawValue); it has no manifest yet")
        }
        return .ok(
            .init(
                headers: .init(contentDisposition: "attachment; filename=\"export-\(job.id).manifest.json\""),
                body: .json(try .init(manifest))))
    }

    func downloadExport(_ input: Operations.DownloadExport.Input) async throws -> Operations.DownloadExport.Output {
        let job = try await platform.data.downloadExport(input.path.id, by: try AppRequestContext.caller())
        guard let chunks = files.exportFile(job) else {
            throw ZhengshuError(
                .notFound,
                "the file of export \(job.id) is not on this node (\(job.node)); ask that node, or export again")
        }
        let body = Self.body(streaming: chunks)
        let disposition = "attachment; filename=\"export-\(job.id).\(job.format.rawValue)\""
        return .ok(
            .init(
                headers: .init(contentDisposition: disposition),
                body: job.format == .csv ? .csv(body) : .applicationXNdjson(body)))
    }

    static func body<Chunks: AsyncSequence<[UInt8], any Error> & Sendable>(streaming chunks: Chunks) -> HTTPBody {
        HTTPBody(chunks.map { @Sendable in ArraySlice($0) }, length: .unknown, iterationBehavior: .single)
    }

    /// A job as listed: the manifest's row digests are for the manifest download, not for every listing.
    static func summary(_ job: ExportJob) -> ExportJob {
        var j = job
        j.manifest?.rowDigests = ""
        return j
    }
}

// MARK: - Wire ↔ Core

extension ApplicationDraft {
    init(_ b: Components.Schemas.ApplicationInput) throws {
        self.init()
        (resource, items, purpose, legalBasis, serviceItem) = (
            b.resource, b.items, b.purpose, b.legalBasis, b.serviceItem
        )
        services = try b.services?.map { try $0.core() }
        (validFrom, validUntil) = (try CivilDate(b.validFrom, "validFrom"), try CivilDate(b.validUntil, "validUntil"))
        expectedRowsPerDay = b.expectedRowsPerDay
    }
}

extension CivilDate {
    /// A date field of a body, when given. - Throws: `validation` naming the field when it is not `YYYY-MM-DD`.
    init?(_ raw: String?, _ field: String) throws {
        guard let raw else { return nil }
        guard let date = CivilDate(iso: raw) else {
            throw ZhengshuError.validation([.init(field: field, reason: "must be a date YYYY-MM-DD")])
        }
        self = date
    }
}

extension Components.Schemas.Application {
    init(_ a: ShareApplication) throws {
        self.init(
            id: a.id.rawValue, channel: try a.channel.map { try .wire($0.rawValue) }, resource: a.resource.rawValue,
            provider: a.provider.rawValue, consumer: a.consumer.rawValue, applicant: a.applicant, items: a.items,
            services: try a.services.map { try .wire($0.rawValue) }, purpose: a.purpose, legalBasis: a.legalBasis,
            serviceItem: a.serviceItem, validFrom: a.validFrom.description, validUntil: a.validUntil.description,
            expectedRowsPerDay: a.expectedRowsPerDay, status: try .wire(a.status.rawValue), dueAt: a.dueAt,
            escalatedAt: a.escalatedAt, needsBureauApproval: a.needsBureauApproval, terms: try .init(a.terms),
            grant: a.grant?.rawValue,
            history: try a.history.map {
                .init(
                    at: $0.at, actor: $0.actor, department: $0.department, action: $0.action,
                    status: try .wire($0.status.rawValue), reason: $0.reason)
            }, createdAt: a.createdAt, updatedAt: a.updatedAt)
    }
}

extension Components.Schemas.GrantTerms {
    init(_ t: GrantTerms) throws {
        self.init(
            clearItems: t.clearItems, callsPerDay: t.callsPerDay, rowsPerDay: t.rowsPerDay,
            services: try t.services?.map { try .wire($0.rawValue) }, clearOnPurpose: t.clearOnPurpose,
            verifyTuplesPerMinute: t.verifyTuplesPerMinute, verifyTuplesPerDay: t.verifyTuplesPerDay,
            verifyRequires: t.verifyRequires, additionalProperties: .init())
    }
}

extension GrantTerms {
    init(_ t: Components.Schemas.GrantTerms) throws {
        self.init(
            clearItems: t.clearItems, callsPerDay: t.callsPerDay, rowsPerDay: t.rowsPerDay,
            services: try t.services?.map { try $0.core() }, clearOnPurpose: t.clearOnPurpose,
            verifyTuplesPerMinute: t.verifyTuplesPerMinute, verifyTuplesPerDay: t.verifyTuplesPerDay,
            verifyRequires: t.verifyRequires)
    }
}

extension Components.Schemas.Grant {
    init(_ g: Grant) throws {
        self.init(
            id: g.id.rawValue, application: g.application.rawValue, resource: g.resource.rawValue,
            provider: g.provider.rawValue, consumer: g.consumer.rawValue, items: g.items, clearItems: g.clearItems,
            services: try g.services.map { try .wire($0.rawValue) }, purpose: g.purpose,
            validFrom: g.validFrom.description, validUntil: g.validUntil.description, callsPerDay: g.callsPerDay,
            rowsPerDay: g.rowsPerDay,
            verification: .init(
                tuplesPerMinute: g.verification.tuplesPerMinute, tuplesPerDay: g.verification.tuplesPerDay,
                requiredItems: g.verification.requiredItems),
            status: try .wire(g.status.rawValue), statusReason: g.statusReason,
            createdAt: g.createdAt, updatedAt: g.updatedAt)
    }
}

extension Components.Schemas.SystemAccount {
    init(_ a: SystemAccount) {
        self.init(
            id: a.id.rawValue, department: a.department.rawValue, name: a.name, description: a.description,
            keyPrefix: a.keyPrefix, networks: a.networks, createdBy: a.createdBy, createdAt: a.createdAt,
            rotatedAt: a.rotatedAt, revokedAt: a.revokedAt, lastUsedAt: a.lastUsedAt)
    }
}

extension Components.Schemas.Webhook {
    init(_ w: WebhookSubscription) {
        self.init(
            id: w.id.rawValue, department: w.department.rawValue, resource: w.resource.rawValue, url: w.url,
            createdBy: w.createdBy, createdAt: w.createdAt, lastVersion: w.lastVersion, attempts: w.attempts,
            nextAttemptAt: w.nextAttemptAt, lastError: w.lastError, lastDeliveredAt: w.lastDeliveredAt)
    }
}

extension Components.Schemas.CalendarDay {
    init(_ d: CalendarDay) throws {
        self.init(date: d.date.description, kind: try .wire(d.kind.rawValue), name: d.name)
    }
}

extension Components.Schemas.Receipt {
    init(_ r: ServiceReceipt) {
        self.init(auditEntry: r.auditEntry, requestHash: r.requestHash, grant: r.grant.rawValue)
    }
}

extension Components.Schemas.Export {
    init(_ j: ExportJob) throws {
        self.init(
            id: j.id.rawValue, grant: j.grant.rawValue, resource: j.resource.rawValue, consumer: j.consumer.rawValue,
            requestedBy: j.requestedBy, format: try .wire(j.format.rawValue), fields: j.fields, filters: j.filters,
            status: try .wire(j.status.rawValue), rows: j.rows, error: j.error, node: j.node, createdAt: j.createdAt,
            finishedAt: j.finishedAt, manifest: try j.manifest.map(Components.Schemas.ExportManifest.init))
    }
}

extension Components.Schemas.ExportManifest {
    init(_ m: ExportManifest) throws {
        self.init(
            export: m.export.rawValue, grant: m.grant.rawValue, resource: m.resource.rawValue,
            provider: m.provider.rawValue, consumer: m.consumer.rawValue, purpose: m.purpose,
            format: try .wire(m.format.rawValue), rowCount: m.rowCount, bytes: m.bytes, sha256: m.sha256,
            columns: m.columns.map { .init(name: $0.name, sha256: $0.sha256) }, rowDigests: m.rowDigests,
            createdAt: m.createdAt, auditEntry: m.auditEntry, requestHash: m.requestHash,
            signature: try m.signature.map {
                .init(algorithm: try .wire($0.algorithm), publicKey: $0.publicKey, value: $0.value)
            }, digestAlgorithm: try m.digestAlgorithm.map { try .wire($0.rawValue) })
    }
}
