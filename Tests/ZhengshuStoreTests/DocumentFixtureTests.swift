import Foundation
import Testing
import ZhengshuCore
import ZhengshuDocuments

/// Stored documents keep their bytes: `Fixtures/documents.tsv` holds documents as the engines wrote them when Core
/// values were their own stored form (captured from a run of the whole suite, one line per document:
/// `type<TAB>json`). Each must read through its record type and write back byte for byte, on either engine, which
/// write and read documents only through `Documents`.
@Suite struct DocumentFixtureTests {
    static let fixtures: [(type: String, text: String)] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/documents.tsv")
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let tab = line.firstIndex(of: "\t") else { return nil }
            return (String(line[..<tab]), String(line[line.index(after: tab)...]))
        }
    }()

    static func roundTrip<T: Stored>(_ type: T.Type) -> @Sendable (String) throws -> String {
        { try Documents.text(try Documents.value(T.self, $0)) }
    }

    static let kinds: [String: @Sendable (String) throws -> String] = [
        "Resource": roundTrip(Resource.self),
        "Topic": roundTrip(Topic.self),
        "CustomDataElement": roundTrip(CustomDataElement.self),
        "ShareApplication": roundTrip(ShareApplication.self),
        "Grant": roundTrip(Grant.self),
        "ExportJob": roundTrip(ExportJob.self),
        "SystemAccount": roundTrip(SystemAccount.self),
        "WebhookSubscription": roundTrip(WebhookSubscription.self),
        "WebhookDelivery": roundTrip(WebhookDelivery.self),
        "QualityRule": roundTrip(QualityRule.self),
        "RuleResults": { try Documents.text(try Documents.values([QualityRun.RuleResult].self, $0)) },
        "MaskingPolicy": roundTrip(MaskingPolicy.self),
        "GradeProposal": roundTrip(GradeProposal.self),
        "RiskAlert": roundTrip(RiskAlert.self),
        "Workspace": roundTrip(Workspace.self),
        "SandboxQueryRecord": roundTrip(SandboxQueryRecord.self),
        "SandboxRelease": roundTrip(SandboxRelease.self),
        "MemberProfile": roundTrip(MemberProfile.self),
        "BackupRun": roundTrip(BackupRun.self),
        "BreakGlass": roundTrip(BreakGlass.self),
    ]

    @Test func everyStoredDocumentReadsAndWritesBackByteForByte() throws {
        #expect(Set(Self.fixtures.map(\.type)) == Set(Self.kinds.keys), "every kind of document has fixtures")
        for (type, text) in Self.fixtures {
            let kind = try #require(Self.kinds[type], "no record type for \(type)")
            #expect(try kind(text) == text, "\(type) changed its stored bytes")
        }
    }

    /// Fields later versions always write but older documents may lack read as they always did.
    @Test func documentsWithoutTheFieldsWrittenLaterReadWithTheirDefaults() throws {
        let rule = try Documents.value(QualityRule.self, #"{"kind":"required","item":"name"}"#)
        #expect(rule == QualityRule(id: 0, check: .required(item: "name"), severity: .flag, weight: 1, enabled: true))
        let topic = try Documents.value(
            Topic.self,
            #"{"code":"T-1","createdAt":0,"createdBy":"admin","updatedAt":0,"query":{"from":"A","columns":[{"name":"n","from":"a.n"}]}}"#
        )
        #expect(topic.query.joins.isEmpty && topic.query.filters.isEmpty)
        let broken = #expect(throws: DecodingError.self) {
            try Documents.value(QualityRule.self, #"{"kind":"pattern","item":"name"}"#)
        }
        #expect("\(String(describing: broken))".contains("a pattern rule has no regex"))
    }
}
