import Foundation
import OpenAPIRuntime
import ZhengshuCore
import ZhengshuOpenAPI

extension APIHandler {
    func searchResources(_ input: Operations.SearchResources.Input) async throws -> Operations.SearchResources.Output {
        let q = input.query
        let (limit, offset) = (q.limit ?? 20, q.offset ?? 0)
        let search = CatalogSearch(
            text: q.q,
            department: try q.department.map { raw throws(ZhengshuError) in try DepartmentCode(validating: raw) },
            category: q.category.flatMap { $0.isEmpty ? nil : $0 }, shareType: try q.shareType?.core(),
            gradeLevel: try q.gradeLevel?.core(), status: try q.status?.core(), limit: limit, offset: offset)
        let result = try await platform.catalog.search(search, by: try AppRequestContext.caller())
        return .ok(
            .init(
                body: .json(
                    .init(
                        total: result.total, limit: limit, offset: offset,
                        items: try result.resources.map(Components.Schemas.Resource.init)))))
    }

    func createResource(_ input: Operations.CreateResource.Input) async throws -> Operations.CreateResource.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let created = try await platform.catalog.create(try ResourceDraft(body), by: try AppRequestContext.caller())
        return .created(.init(body: .json(try .init(created))))
    }

    func getResource(_ input: Operations.GetResource.Input) async throws -> Operations.GetResource.Output {
        let resource = try await platform.catalog.get(input.path.code, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(resource))))
    }

    func updateResource(_ input: Operations.UpdateResource.Input) async throws -> Operations.UpdateResource.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let updated = try await platform.catalog.update(
            input.path.code, try ResourceDraft(body), by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(updated))))
    }

    func publishResource(_ input: Operations.PublishResource.Input) async throws -> Operations.PublishResource.Output {
        let resource = try await platform.catalog.publish(input.path.code, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(resource))))
    }

    func retireResource(_ input: Operations.RetireResource.Input) async throws -> Operations.RetireResource.Output {
        let resource = try await platform.catalog.retire(input.path.code, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(resource))))
    }

    func listVersions(_ input: Operations.ListVersions.Input) async throws -> Operations.ListVersions.Output {
        let versions = try await platform.catalog.versions(input.path.code, by: try AppRequestContext.caller())
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: versions.map {
                            .init(version: $0.version, action: $0.action, actor: $0.actor, at: $0.at)
                        }))))
    }

    func getVersion(_ input: Operations.GetVersion.Input) async throws -> Operations.GetVersion.Output {
        let v = try await platform.catalog.version(
            input.path.version, of: input.path.code, by: try AppRequestContext.caller())
        return .ok(
            .init(
                body: .json(
                    .init(
                        code: v.code.rawValue, version: v.version, action: v.action, actor: v.actor, at: v.at,
                        snapshot: try .init(v.snapshot)))))
    }

    func diffVersions(_ input: Operations.DiffVersions.Input) async throws -> Operations.DiffVersions.Output {
        let (from, to) = (input.query.from, input.query.to)
        let changes = try await platform.catalog.diff(
            input.path.code, from: from, to: to, by: try AppRequestContext.caller())
        return .ok(
            .init(
                body: .json(
                    .init(
                        from: from, to: to,
                        changes: changes.map { .init(field: $0.field, before: $0.before, after: $0.after) }))))
    }

    // MARK: Data elements

    func listDataElements(_ input: Operations.ListDataElements.Input) async throws -> Operations.ListDataElements.Output
    {
        _ = try AppRequestContext.caller()
        let builtIn = DataElement.allCases.map {
            Components.Schemas.DataElement(id: $0.rawValue, label: $0.label, standard: $0.standard, builtIn: true)
        }
        let registered = try await platform.standards.list().map(Components.Schemas.DataElement.init)
        return .ok(.init(body: .json(.init(items: builtIn + registered))))
    }

    func saveDataElement(_ input: Operations.SaveDataElement.Input) async throws -> Operations.SaveDataElement.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let element = CustomDataElement(
            id: input.path.id, label: body.label, type: try body._type.core(), length: body.length,
            pattern: body.pattern, min: body.min, max: body.max, codes: body.codes?.additionalProperties,
            description: body.description, updatedAt: Date(), updatedBy: "")
        let saved = try await platform.standards.save(element.id, element, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(saved))))
    }

    func listDataElementVersions(
        _ input: Operations.ListDataElementVersions.Input
    ) async throws -> Operations.ListDataElementVersions.Output {
        _ = try AppRequestContext.caller()
        let versions = try await platform.standards.versions(of: input.path.id)
        return .ok(.init(body: .json(.init(items: try versions.map(Components.Schemas.DataElement.init)))))
    }

    // MARK: Topic databases (主题库)

    func listTopics(_ input: Operations.ListTopics.Input) async throws -> Operations.ListTopics.Output {
        let entries = try await platform.topics.list(by: try AppRequestContext.caller())
        return .ok(.init(body: .json(.init(items: try entries.map(Components.Schemas.Topic.init)))))
    }

    func defineTopic(_ input: Operations.DefineTopic.Input) async throws -> Operations.DefineTopic.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let entry = try await platform.topics.define(try TopicDraft(body), by: try AppRequestContext.caller())
        return .created(.init(body: .json(try .init(entry))))
    }

    func getTopic(_ input: Operations.GetTopic.Input) async throws -> Operations.GetTopic.Output {
        let entry = try await platform.topics.get(input.path.code, by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(entry))))
    }

    func redefineTopic(_ input: Operations.RedefineTopic.Input) async throws -> Operations.RedefineTopic.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let entry = try await platform.topics.redefine(
            input.path.code, try TopicDraft(body), by: try AppRequestContext.caller())
        return .ok(.init(body: .json(try .init(entry))))
    }

    func materialiseTopic(_ input: Operations.MaterialiseTopic.Input) async throws -> Operations.MaterialiseTopic.Output
    {
        let job = try await platform.topics.materialise(input.path.code, by: try AppRequestContext.caller())
        return .created(.init(body: .json(try .init(succeeded: job))))
    }
}

// MARK: - Wire ↔ Core

extension Components.Schemas.Resource {
    init(_ r: Resource) throws {
        self.init(
            code: r.code.rawValue, name: r.name, abstract: r.abstract, department: r.department.rawValue,
            category: r.category, items: try r.items.map(Components.Schemas.DataItem.init),
            shareType: try .wire(r.shareType.rawValue), shareCondition: r.shareCondition,
            openType: try .wire(r.openType.rawValue), updateCycle: try .wire(r.updateCycle.rawValue),
            gradeLevel: try .wire(r.gradeLevel.rawValue), sensitivity: try .wire(r.sensitivity.rawValue),
            serviceItems: r.serviceItems, sourceSystem: r.sourceSystem, format: r.format,
            status: try .wire(r.status.rawValue), version: r.version, publishedAt: r.publishedAt,
            createdAt: r.createdAt, updatedAt: r.updatedAt)
    }
}

extension Components.Schemas.DataItem {
    init(_ i: DataItem) throws {
        self.init(
            name: i.name, label: i.label, _type: try .wire(i.type.rawValue), length: i.length, required: i.required,
            key: i.key, dataElement: try i.dataElement.map { try .wire($0.rawValue) }, element: i.element,
            description: i.description, sensitivity: try i.sensitivity.map { try .wire($0.rawValue) },
            masking: i.masking, additionalProperties: .init())
    }
}

extension DataItem {
    init(_ i: Components.Schemas.DataItem) throws {
        self.init(
            name: i.name, label: i.label, type: try i._type.core(), length: i.length, required: i.required ?? false,
            key: i.key ?? false, dataElement: try i.dataElement?.core(), element: i.element,
            description: i.description, sensitivity: try i.sensitivity?.core(), masking: i.masking)
    }
}

extension ResourceDraft {
    init(_ b: Components.Schemas.ResourceInput) throws {
        self.init()
        (code, name, abstract, department, category) = (b.code, b.name, b.abstract, b.department, b.category)
        items = try b.items?.map(DataItem.init)
        (shareType, shareCondition, openType) = (try b.shareType?.core(), b.shareCondition, try b.openType?.core())
        (updateCycle, gradeLevel, sensitivity) = (
            try b.updateCycle?.core(), try b.gradeLevel?.core(), try b.sensitivity?.core()
        )
        (serviceItems, sourceSystem, format) = (b.serviceItems, b.sourceSystem, b.format)
    }
}

extension Components.Schemas.DataElement {
    init(_ e: CustomDataElement) throws {
        self.init(
            id: e.id, label: e.label, standard: "本平台数据元 v\(e.version)", builtIn: false,
            _type: try .wire(e.type.rawValue),
            length: e.length, pattern: e.pattern, min: e.min, max: e.max,
            codes: e.codes.map { .init(additionalProperties: $0) }, description: e.description, version: e.version,
            updatedAt: e.updatedAt, updatedBy: e.updatedBy)
    }
}

extension Components.Schemas.Topic {
    init(_ e: Topics.Entry) throws {
        let t = e.topic
        self.init(
            code: t.code.rawValue, query: try .init(t.query), intervalSeconds: t.intervalSeconds.map(Int64.init),
            nextRunAt: t.nextRunAt, lastJob: t.lastJob?.rawValue, lastError: t.lastError, createdBy: t.createdBy,
            createdAt: t.createdAt, updatedAt: t.updatedAt, resource: try .init(e.resource))
    }
}

extension Components.Schemas.TopicQuery {
    init(_ q: TopicQuery) throws {
        self.init(
            from: q.from, _as: q.alias,
            joins: try q.joins.map {
                .init(
                    resource: $0.resource, _as: $0.alias, kind: try .wire($0.kind.rawValue),
                    on: $0.on.map { .init(left: $0.left, right: $0.right) })
            },
            _where: try q.filters.map {
                .init(
                    column: $0.column, op: try .wire($0.op.rawValue),
                    value: try $0.value.map(OpenAPIValueContainer.init))
            },
            columns: try q.columns.map {
                .init(
                    name: $0.name, label: $0.label, from: $0.from,
                    aggregate: try $0.aggregate.map { try .wire($0.rawValue) },
                    key: $0.key)
            })
    }
}

extension TopicQuery {
    init(_ q: Components.Schemas.TopicQuery) throws {
        self.init(
            from: q.from, alias: q._as,
            joins: try (q.joins ?? []).map {
                TopicQuery.Join(
                    resource: $0.resource, alias: $0._as, kind: try $0.kind?.core() ?? .inner,
                    on: $0.on.map { TopicQuery.Condition(left: $0.left, right: $0.right) })
            },
            filters: try (q._where ?? []).map {
                TopicQuery.Filter(column: $0.column, op: try $0.op.core(), value: $0.value.map(JSONValue.init))
            },
            columns: try q.columns.map {
                TopicQuery.Column(
                    name: $0.name, label: $0.label, from: $0.from, aggregate: try $0.aggregate?.core(), key: $0.key)
            })
    }
}

extension TopicDraft {
    init(_ b: Components.Schemas.TopicInput) throws {
        // The document lets other fields through (a console form may send more); items alone would be a mistake.
        if b.additionalProperties.value["items"] != nil {
            throw ZhengshuError.validation([
                .init(field: "items", reason: "a topic's items come from its query's columns; leave out items")
            ])
        }
        var resource = ResourceDraft()
        (resource.code, resource.name, resource.abstract, resource.department) = (
            b.code, b.name, b.abstract, b.department
        )
        (resource.category, resource.shareType, resource.shareCondition) = (
            b.category, try b.shareType.core(), b.shareCondition
        )
        (resource.openType, resource.updateCycle) = (try b.openType?.core(), try b.updateCycle?.core())
        (resource.gradeLevel, resource.sensitivity) = (try b.gradeLevel?.core(), try b.sensitivity?.core())
        (resource.serviceItems, resource.sourceSystem, resource.format) = (b.serviceItems, b.sourceSystem, b.format)
        self.init(resource: resource, query: try TopicQuery(b.query), intervalSeconds: b.intervalSeconds)
    }
}

extension Components.Schemas.IngestJob {
    /// A finished job: one that failed is thrown as ``ImportFailed``, whose problem carries the job.
    init(succeeded job: IngestJob) throws {
        guard job.status == .succeeded else { throw ImportFailed(job: job) }
        try self.init(job)
    }

    init(_ j: IngestJob) throws {
        self.init(
            id: j.id.rawValue, resource: j.resource.rawValue, department: j.department.rawValue,
            mode: try .wire(j.mode.rawValue), format: try .wire(j.format.rawValue),
            encoding: try .wire(j.encoding.rawValue), source: j.source, status: try .wire(j.status.rawValue),
            bytesTotal: j.bytesTotal, bytesRead: j.bytesRead,
            percent: j.bytesTotal.flatMap {
                $0 > 0 ? min(100, (Double(j.bytesRead) / Double($0) * 1000).rounded() / 10) : nil
            },
            rowsRead: j.rowsRead, rowsAccepted: j.rowsAccepted, rowsRejected: j.rowsRejected,
            rowsPerSecond: j.throughput(now: Date()).map { $0.rounded() }, maxErrors: j.maxErrors,
            unknownColumns: j.unknownColumns, error: j.error, createdBy: j.createdBy, createdAt: j.createdAt,
            startedAt: j.startedAt, finishedAt: j.finishedAt)
    }
}

/// An import (or a topic's materialisation) that ran and failed: a 422 problem that carries the job, so the caller
/// sees how far it got and where its rejected rows are.
struct ImportFailed: Error {
    var job: IngestJob
}
