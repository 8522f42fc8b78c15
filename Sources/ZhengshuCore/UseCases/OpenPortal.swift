import Foundation

/// An open dataset as the portal publishes it: the catalog entry, its publisher, and when its data last changed.
package struct OpenDataset: Sendable {
    package var resource: Resource
    package var publisher: Department?
    package var dataUpdatedAt: Date?

    /// A name CKAN clients accept (lower-case ASCII letters, digits, `-` and `_`): the resource code, lower-cased,
    /// with `.` as `_`.
    package var name: String { Self.name(of: resource.code) }

    package static func name(of code: ResourceCode) -> String {
        String(code.rawValue.lowercased().map { $0 == "." ? "_" : $0 })
    }

    /// Words a search matches: title, abstract, item labels and names, category, service items, publisher.
    package func matches(_ terms: [String]) -> Bool {
        let haystack =
            ([resource.name, resource.abstract, resource.category, resource.code.rawValue, publisher?.name ?? ""]
            + resource.items.flatMap { [$0.name, $0.label] } + resource.serviceItems).joined(separator: " ")
            .lowercased()
        return terms.allSatisfy { haystack.contains($0) }
    }
}

/// The open-data portal (数据开放): what the public may find. Records go through ``DataAccess/openRecords(_:_:by:)``.
package struct OpenPortal: Sendable {
    let updates: any IngestStore
    let departments: any DepartmentStore
    let data: DataAccess

    package init(updates: any IngestStore, departments: any DepartmentStore, data: DataAccess) {
        self.updates = updates
        self.departments = departments
        self.data = data
    }

    /// Every published dataset of the open types asked for, in code order, in one read: open to everyone (the default,
    /// what CKAN and DCAT publish) or open on condition (its metadata is public; its data needs a member's approved
    /// application). Resources not open (`none`) are never among them.
    package func datasets(open types: Set<OpenType> = [.unconditional]) async throws -> [OpenDataset] {
        let types = types.subtracting([.none])
        guard !types.isEmpty else { return [] }
        let byCode = Dictionary(try await departments.departments(parent: nil, level: nil).map { ($0.code, $0) }) {
            a, _ in a
        }
        return try await updates.updateTimes(department: nil)
            .filter { types.contains($0.resource.openType) && $0.resource.status == .published }
            .map {
                OpenDataset(
                    resource: $0.resource, publisher: byCode[$0.resource.department], dataUpdatedAt: $0.lastUpdatedAt)
            }
            .sorted { $0.resource.code.rawValue < $1.resource.code.rawValue }
    }

    /// One open dataset by its resource code or its CKAN name.
    /// - Throws: `notFound` for anything that is not open data.
    package func dataset(_ idOrName: String, open types: Set<OpenType> = [.unconditional]) async throws -> OpenDataset {
        let wanted = idOrName.trimmingCharacters(in: .whitespaces)
        guard
            let d = try await datasets(open: types).first(where: {
                $0.resource.code.rawValue == wanted || $0.name == wanted.lowercased()
            })
        else {
            throw ZhengshuError(.notFound, "open dataset \(wanted.prefix(64)) does not exist")
        }
        return d
    }

    /// Datasets whose text holds every word of `text` (case-insensitive; Chinese matched as written).
    package func search(_ text: String?) async throws -> [OpenDataset] {
        Self.matching(text, in: try await datasets())
    }

    /// Those of `datasets` whose text holds every word of `text`.
    package static func matching(_ text: String?, in datasets: [OpenDataset]) -> [OpenDataset] {
        let terms = (text ?? "").lowercased().split(whereSeparator: { $0.isWhitespace }).map(String.init).filter {
            $0 != "*:*"
        }
        return terms.isEmpty ? datasets : datasets.filter { $0.matches(terms) }
    }

    /// Records of an open dataset, masked, for `caller` (the public).
    package func records(_ idOrName: String, _ query: OpenQuery, by caller: Caller) async throws -> OpenPage {
        try await data.openRecords(try await dataset(idOrName).resource.code.rawValue, query, by: caller)
    }

    package func download(
        _ idOrName: String, format: ExportFormat, by caller: Caller,
        sink: ([UInt8]) async throws -> Void
    ) async throws -> Int {
        try await data.openDownload(
            try await dataset(idOrName).resource.code.rawValue, format: format, by: caller, sink: sink)
    }
}
