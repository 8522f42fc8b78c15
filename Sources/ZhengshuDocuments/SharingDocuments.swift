import Foundation
import ZhengshuCore

extension ShareApplication: Stored { package typealias Document = ShareApplicationDocument }

package struct ShareApplicationDocument: StoredDocument {
    var id: ApplicationID
    var channel: ApplicationChannel?
    var resource: ResourceCode
    var provider: DepartmentCode
    var consumer: DepartmentCode
    var applicant: String
    var items: [String]
    var services: [ShareService]
    var purpose: String
    var legalBasis: String
    var serviceItem: String?
    var validFrom: CivilDate
    var validUntil: CivilDate
    var expectedRowsPerDay: Int?
    var status: ApplicationStatus
    var dueAt: Date?
    var escalatedAt: Date?
    var needsBureauApproval: Bool
    var terms: Terms
    var grant: GrantID?
    var history: [Event]
    var createdAt: Date
    var updatedAt: Date

    package init(_ a: ShareApplication) {
        id = a.id
        channel = a.channel
        resource = a.resource
        provider = a.provider
        consumer = a.consumer
        applicant = a.applicant
        items = a.items
        services = a.services
        purpose = a.purpose
        legalBasis = a.legalBasis
        serviceItem = a.serviceItem
        validFrom = a.validFrom
        validUntil = a.validUntil
        expectedRowsPerDay = a.expectedRowsPerDay
        status = a.status
        dueAt = a.dueAt
        escalatedAt = a.escalatedAt
        needsBureauApproval = a.needsBureauApproval
        terms = Terms(a.terms)
        grant = a.grant
        history = a.history.map(Event.init)
        createdAt = a.createdAt
        updatedAt = a.updatedAt
    }

    package func value() -> ShareApplication {
        var a = ShareApplication(
            id: id, resource: resource, provider: provider, consumer: consumer, applicant: applicant, items: items,
            services: services, purpose: purpose, legalBasis: legalBasis, serviceItem: serviceItem,
            validFrom: validFrom, validUntil: validUntil, expectedRowsPerDay: expectedRowsPerDay, status: status,
            dueAt: dueAt, escalatedAt: escalatedAt, needsBureauApproval: needsBureauApproval, terms: terms.value,
            grant: grant, history: history.map(\.value), createdAt: createdAt, updatedAt: updatedAt)
        a.channel = channel
        return a
    }

    struct Terms: Codable {
        var clearItems: [String]?
        var callsPerDay: Int?
        var rowsPerDay: Int?
        var services: [ShareService]?
        var clearOnPurpose: [String]?
        var verifyTuplesPerMinute: Int?
        var verifyTuplesPerDay: Int?
        var verifyRequires: [String]?

        init(_ t: GrantTerms) {
            verifyTuplesPerMinute = t.verifyTuplesPerMinute
            verifyTuplesPerDay = t.verifyTuplesPerDay
            verifyRequires = t.verifyRequires
            clearItems = t.clearItems
            callsPerDay = t.callsPerDay
            rowsPerDay = t.rowsPerDay
            services = t.services
            clearOnPurpose = t.clearOnPurpose
        }

        var value: GrantTerms {
            GrantTerms(
                clearItems: clearItems, callsPerDay: callsPerDay, rowsPerDay: rowsPerDay, services: services,
                clearOnPurpose: clearOnPurpose, verifyTuplesPerMinute: verifyTuplesPerMinute,
                verifyTuplesPerDay: verifyTuplesPerDay, verifyRequires: verifyRequires)
        }
    }

    struct Event: Codable {
        var at: Date
        var actor: String
        var department: String?
        var action: String
        var status: ApplicationStatus
        var reason: String?

        init(_ e: ApplicationEvent) {
            at = e.at
            actor = e.actor
            department = e.department
            action = e.action
            status = e.status
            reason = e.reason
        }

        var value: ApplicationEvent {
            ApplicationEvent(
                at: at, actor: actor, department: department, action: action, status: status, reason: reason)
        }
    }
}

extension Grant: Stored { package typealias Document = GrantDocument }

package struct GrantDocument: StoredDocument {
    var id: GrantID
    var application: ApplicationID
    var resource: ResourceCode
    var provider: DepartmentCode
    var consumer: DepartmentCode
    var items: [String]
    var clearItems: [String]
    var services: [ShareService]
    var purpose: String
    var validFrom: CivilDate
    var validUntil: CivilDate
    var callsPerDay: Int
    var rowsPerDay: Int
    /// Absent: the defaults (grants stored before verification had limits, and grants at the defaults).
    var verifyTuplesPerMinute: Int?
    var verifyTuplesPerDay: Int?
    var verifyRequires: [String]?
    var status: GrantStatus
    var statusReason: String?
    var createdAt: Date
    var updatedAt: Date

    package init(_ g: Grant) {
        // The defaults are not written: a grant's document keeps the bytes it had before the limits existed.
        let v = g.verification
        verifyTuplesPerMinute = v.tuplesPerMinute == VerificationLimits.defaultPerMinute ? nil : v.tuplesPerMinute
        verifyTuplesPerDay = v.tuplesPerDay == VerificationLimits.defaultPerDay ? nil : v.tuplesPerDay
        verifyRequires = v.requiredItems
        id = g.id
        application = g.application
        resource = g.resource
        provider = g.provider
        consumer = g.consumer
        items = g.items
        clearItems = g.clearItems
        services = g.services
        purpose = g.purpose
        validFrom = g.validFrom
        validUntil = g.validUntil
        callsPerDay = g.callsPerDay
        rowsPerDay = g.rowsPerDay
        status = g.status
        statusReason = g.statusReason
        createdAt = g.createdAt
        updatedAt = g.updatedAt
    }

    package func value() -> Grant {
        Grant(
            id: id, application: application, resource: resource, provider: provider, consumer: consumer,
            items: items, clearItems: clearItems, services: services, purpose: purpose, validFrom: validFrom,
            validUntil: validUntil, callsPerDay: callsPerDay, rowsPerDay: rowsPerDay,
            verification: VerificationLimits(
                tuplesPerMinute: verifyTuplesPerMinute ?? VerificationLimits.defaultPerMinute,
                tuplesPerDay: verifyTuplesPerDay ?? VerificationLimits.defaultPerDay, requiredItems: verifyRequires),
            status: status, statusReason: statusReason, createdAt: createdAt, updatedAt: updatedAt)
    }
}

extension ExportJob: Stored { package typealias Document = ExportJobDocument }

/// An export job. Its manifest is stored as the manifest file it was written with (`ExportManifest` is that file's
/// format, which consumers verify).
package struct ExportJobDocument: StoredDocument {
    var id: ExportID
    var grant: GrantID
    var resource: ResourceCode
    var consumer: DepartmentCode
    var requestedBy: String
    var format: ExportFormat
    var fields: [String]
    var filters: [String]
    var status: ExportJob.Status
    var rows: Int
    var error: String?
    var node: String
    var createdAt: Date
    var finishedAt: Date?
    var manifest: ExportManifest?

    package init(_ j: ExportJob) {
        id = j.id
        grant = j.grant
        resource = j.resource
        consumer = j.consumer
        requestedBy = j.requestedBy
        format = j.format
        fields = j.fields
        filters = j.filters
        status = j.status
        rows = j.rows
        error = j.error
        node = j.node
        createdAt = j.createdAt
        finishedAt = j.finishedAt
        manifest = j.manifest
    }

    package func value() -> ExportJob {
        ExportJob(
            id: id, grant: grant, resource: resource, consumer: consumer, requestedBy: requestedBy, format: format,
            fields: fields, filters: filters, status: status, rows: rows, error: error, node: node,
            createdAt: createdAt, finishedAt: finishedAt, manifest: manifest)
    }
}

extension SystemAccount: Stored { package typealias Document = SystemAccountDocument }

package struct SystemAccountDocument: StoredDocument {
    var id: SystemAccountID
    var department: DepartmentCode
    var name: String
    var description: String?
    var keyPrefix: String
    var networks: [String]
    var createdBy: String
    var createdAt: Date
    var rotatedAt: Date?
    var revokedAt: Date?
    var lastUsedAt: Date?
    var seenNetworks: [String]?

    package init(_ a: SystemAccount) {
        id = a.id
        department = a.department
        name = a.name
        description = a.description
        keyPrefix = a.keyPrefix
        networks = a.networks
        createdBy = a.createdBy
        createdAt = a.createdAt
        rotatedAt = a.rotatedAt
        revokedAt = a.revokedAt
        lastUsedAt = a.lastUsedAt
        seenNetworks = a.seenNetworks
    }

    package func value() -> SystemAccount {
        var a = SystemAccount(
            id: id, department: department, name: name, description: description, keyPrefix: keyPrefix,
            networks: networks, createdBy: createdBy, createdAt: createdAt, rotatedAt: rotatedAt,
            revokedAt: revokedAt, lastUsedAt: lastUsedAt)
        a.seenNetworks = seenNetworks
        return a
    }
}

extension WebhookSubscription: Stored { package typealias Document = WebhookSubscriptionDocument }

package struct WebhookSubscriptionDocument: StoredDocument {
    var id: WebhookID
    var department: DepartmentCode
    var resource: ResourceCode
    var url: String
    var createdBy: String
    var createdAt: Date
    var lastVersion: Int
    var attempts: Int
    var nextAttemptAt: Date?
    var lastError: String?
    var lastDeliveredAt: Date?

    package init(_ w: WebhookSubscription) {
        id = w.id
        department = w.department
        resource = w.resource
        url = w.url
        createdBy = w.createdBy
        createdAt = w.createdAt
        lastVersion = w.lastVersion
        attempts = w.attempts
        nextAttemptAt = w.nextAttemptAt
        lastError = w.lastError
        lastDeliveredAt = w.lastDeliveredAt
    }

    package func value() -> WebhookSubscription {
        WebhookSubscription(
            id: id, department: department, resource: resource, url: url, createdBy: createdBy, createdAt: createdAt,
            lastVersion: lastVersion, attempts: attempts, nextAttemptAt: nextAttemptAt, lastError: lastError,
            lastDeliveredAt: lastDeliveredAt)
    }
}

extension WebhookDelivery: Stored { package typealias Document = WebhookDeliveryDocument }

package struct WebhookDeliveryDocument: StoredDocument {
    var webhook: WebhookID
    var version: Int
    var attempt: Int
    var outcome: WebhookDelivery.Outcome
    var httpStatus: Int?
    var error: String?
    var at: Date
    var milliseconds: Int

    package init(_ d: WebhookDelivery) {
        webhook = d.webhook
        version = d.version
        attempt = d.attempt
        outcome = d.outcome
        httpStatus = d.httpStatus
        error = d.error
        at = d.at
        milliseconds = d.milliseconds
    }

    package func value() -> WebhookDelivery {
        WebhookDelivery(
            webhook: webhook, version: version, attempt: attempt, outcome: outcome, httpStatus: httpStatus,
            error: error, at: at, milliseconds: milliseconds)
    }
}
