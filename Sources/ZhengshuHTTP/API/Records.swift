import Crypto
import Foundation
import Hummingbird
import ZhengshuCore
import ZhengshuOpenAPI

extension APIHandler {
    func queryRecords(_ input: Operations.QueryRecords.Input) async throws -> Operations.QueryRecords.Output {
        let q = input.query
        let parameters = RecordQueryParameters(
            fields: q.fields, filters: q.filter ?? [], sort: q.sort, limit: q.limit.map(String.init), cursor: q.cursor)
        let page = try await platform.data.query(input.path.code, parameters, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(RecordPageBody(page))))
    }

    func insertRecords(_ input: Operations.InsertRecords.Input) async throws -> Operations.InsertRecords.Output {
        let caller = try AppRequestContext.caller()
        let rows =
            switch input.body {
            case .json(let rows): rows.map { $0.additionalProperties.mapValues(JSONValue.init) }
            }
        let key = input.headers.idempotencyKey.map {
            (key: $0, fingerprint: SHA256.hash(data: APITransport.rawBody.readableBytesView).hex)
        }
        let outcome = try await platform.data.insert(rows, into: input.path.code, idempotencyKey: key, by: caller)
        return .created(
            .init(
                headers: .init(idempotentReplayed: outcome.replayed ? "true" : nil),
                body: .json(.init(inserted: outcome.inserted))))
    }

    func personProfile(_ input: Operations.PersonProfile.Input) async throws -> Operations.PersonProfile.Output {
        let profile = try await platform.profiles.profile(.person, input.path.id, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(profile))))
    }

    func enterpriseProfile(
        _ input: Operations.EnterpriseProfile.Input
    ) async throws -> Operations.EnterpriseProfile.Output {
        let profile = try await platform.profiles.profile(
            .enterprise, input.path.code, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(profile))))
    }
}

extension RecordPageBody {
    init(_ page: RecordPage) {
        let names = page.fields.map(\.name)
        self.init(
            fields: names,
            records: page.rows.map { row in
                Dictionary(uniqueKeysWithValues: zip(names, row.lazy.map(RecordCell.init)))
            },
            nextCursor: page.next?.token)
    }
}

extension RecordCell {
    /// A stored value as JSON: a decimal as a number (as text when it has no double), dates as ISO text.
    init(_ value: RecordValue) {
        switch value {
        case .null: self = .null
        case .string(let s): self = .string(s)
        case .integer(let i): self = .integer(i)
        case .decimal(let d): self = Double(d).map(RecordCell.number) ?? .string(d)
        case .date(let d): self = .string(d.description)
        case .datetime(let t): self = .string(RecordValue.formatDatetime(t))
        case .boolean(let b): self = .bool(b)
        }
    }
}

extension Components.Schemas.Profile {
    init(_ p: Profile) throws {
        self.init(
            kind: try .wire(p.kind.rawValue), subject: p.subject,
            attributes: try p.attributes.map {
                .init(
                    concept: try $0.concept.map { try .wire($0) }, item: $0.item, label: $0.label, value: $0.value,
                    masked: $0.masked, department: $0.department.rawValue, resource: $0.resource.rawValue,
                    resourceName: $0.resourceName, updatedAt: $0.updatedAt)
            },
            conflicts: p.conflicts.map {
                .init(
                    concept: $0.concept,
                    claims: $0.claims.map {
                        .init(
                            department: $0.department.rawValue, resource: $0.resource.rawValue, item: $0.item,
                            value: $0.value)
                    })
            },
            sources: p.sources.map {
                .init(
                    resource: $0.resource.rawValue, name: $0.name, department: $0.department.rawValue, item: $0.item,
                    records: $0.records, updatedAt: $0.updatedAt, grant: $0.grant?.rawValue)
            })
    }
}
