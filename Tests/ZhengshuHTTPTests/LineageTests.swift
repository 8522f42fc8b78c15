import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import ZhengshuApp
import ZhengshuCore
import ZhengshuOpenAPI
import ZhengshuTestSupport

/// Whether `python3` has the OpenLineage client (CI installs `openlineage-python` from PyPI).
let openLineageClientAvailable: Bool = {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", "import openlineage.client"]
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
}()

/// Lineage from outside tools: the OpenLineage Python client (HTTP transport) posts run events to a running server,
/// the platform adds its own import runs, and the graph comes back upstream and downstream with column edges.
@Suite(.enabled(if: openLineageClientAvailable, "pip install openlineage-python"))
struct LineageTests {
    static let client = #"""
        import sys, uuid, datetime
        from openlineage.client import OpenLineageClient
        from openlineage.client.event_v2 import RunEvent, RunState, Run, Job, InputDataset, OutputDataset
        from openlineage.client.facet_v2 import schema_dataset, column_lineage_dataset as cl
        from openlineage.client.transport.http import HttpConfig, HttpTransport, ApiKeyTokenProvider
        url, token = sys.argv[1], sys.argv[2]
        client = OpenLineageClient(transport=HttpTransport(HttpConfig(url=url, endpoint="api/v1/lineage", timeout=120.0,
                                                                       auth=ApiKeyTokenProvider({"apiKey": token}), retry={"total": 0})))
        now = lambda: datetime.datetime.now(datetime.timezone.utc).isoformat()
        src = ("postgres://ga-db:5432", "public.renkou")
        def column(target_fields):
            return cl.ColumnLineageDatasetFacet(fields={t: cl.Fields(inputFields=[cl.InputField(namespace=src[0], name=src[1], field=s)],
                                                                     transformationType="IDENTITY", transformationDescription="")
                                                        for t, s in target_fields.items()})
        run = Run(runId=str(uuid.uuid4()))
        job = Job(namespace="airflow", name="rk_sync")
        out = OutputDataset(namespace="zhengshu", name="POP-1", facets={
            "schema": schema_dataset.SchemaDatasetFacet(fields=[schema_dataset.SchemaDatasetFacetFields(name="gmsfhm", type="string")]),
            "columnLineage": column({"gmsfhm": "sfzh", "xm": "xm"})})
        client.emit(RunEvent(eventType=RunState.START, eventTime=now(), run=run, job=job, producer="https://airflow.apache.org",
                             inputs=[InputDataset(namespace=src[0], name=src[1])], outputs=[out]))
        client.emit(RunEvent(eventType=RunState.COMPLETE, eventTime=now(), run=run, job=job, producer="https://airflow.apache.org",
                             inputs=[InputDataset(namespace=src[0], name=src[1])], outputs=[out]))
        client.emit(RunEvent(eventType=RunState.COMPLETE, eventTime=now(), run=Run(runId=str(uuid.uuid4())),
                             job=Job(namespace="spark", name="pop_to_dw"), producer="https://spark.apache.org",
                             inputs=[InputDataset(namespace="zhengshu", name="POP-1")], outputs=[OutputDataset(namespace="hive", name="dw.pop")]))
        print("sent")
        """#

    @Test func outsideToolsAndImportsBuildOneGraph() async throws {
        let fixture = try await TestPlatform.make()
        let p = fixture.platform
        let admin = TestPlatform.operatorCaller
        _ = try await p.catalog.create(Fixtures.datagenPopulationDraft(), by: admin)
        _ = try await p.catalog.publish("POP-1", by: admin)
        let job = try await p.ingestion.run(
            ImportRequest(resource: "POP-1", mode: .replace, sourceName: "renkou-2026.csv"),
            source: ChunkedBytes(IngestionCSV.make(0..<5)), by: try await fixture.caller("ga"))
        #expect(job.status == .succeeded)
        let app = try await buildApplication(TestPlatform.configuration, services: fixture.services)
        try await app.test(.live) { client async throws in
            let port = try #require(client.port)
            let script = FileManager.default.temporaryDirectory.appendingPathComponent("zs-ol-\(UUID().uuidString).py")
            try Self.client.write(to: script, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: script) }
            let (status, output) = try await Self.python([
                script.path, "http://127.0.0.1:\(port)", fixture.tokens["ga"]!,
            ])
            #expect(status == 0 && output.contains("sent"), "\(output)")

            func graph(_ query: String) async throws -> Components.Schemas.LineageGraph {
                try await client.execute(
                    uri: "/api/v1/resources/POP-1/lineage?\(query)", method: .get,
                    headers: [.authorization: "Bearer \(fixture.tokens["consumer"]!)"]
                ) { response in
                    #expect(response.status == .ok)
                    return try JSONDecoder().decode(
                        Components.Schemas.LineageGraph.self, from: Data(String(buffer: response.body).utf8))
                }
            }
            let up = try await graph("direction=up&depth=2")
            #expect(
                Set(up.nodes.map(\.id)) == [
                    "dataset:zhengshu:POP-1", "job:airflow:rk_sync", "dataset:postgres://ga-db:5432:public.renkou",
                    "job:zhengshu:ingest.POP-1", "dataset:zhengshu.source:renkou-2026.csv",
                ])
            let edges = Set(up.edges.map { "\($0.from) → \($0.to)" })
            #expect(
                edges.isSuperset(of: [
                    "dataset:postgres://ga-db:5432:public.renkou → job:airflow:rk_sync",
                    "job:airflow:rk_sync → dataset:zhengshu:POP-1",
                ]))
            let fields = Set(up.columnEdges.map { "\($0.from.name).\($0.fromField)→\($0.toField)" })
            #expect(
                fields.isSuperset(of: [
                    "public.renkou.sfzh→gmsfhm", "public.renkou.xm→xm", "renkou-2026.csv.gmsfhm→gmsfhm",
                ]))
            let down = try await graph("direction=down")
            #expect(
                Set(down.nodes.map(\.id)) == ["dataset:zhengshu:POP-1", "job:spark:pop_to_dw", "dataset:hive:dw.pop"])
            // A malformed event is refused with the fields that are wrong; a consumer may not send events.
            let (bad, text) = try await client.execute(
                uri: "/api/v1/lineage", method: .post,
                headers: [.authorization: "Bearer \(fixture.tokens["ga"]!)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"eventType":"COMPLETE","run":{"runId":"x"},"job":{}}"#)
            ) {
                ($0.status, String(buffer: $0.body))
            }
            #expect(
                bad == .unprocessableContent && text.contains("run.runId") && text.contains("job.namespace")
                    && text.contains("eventTime"))
            let forbidden = try await client.execute(
                uri: "/api/v1/lineage", method: .post,
                headers: [.authorization: "Bearer \(fixture.tokens["consumer"]!)", .contentType: "application/json"],
                body: ByteBuffer(string: "{}")
            ) { $0.status }
            #expect(forbidden == .forbidden)
        }
    }

    /// Runs python3 off the cooperative pool (it talks to the server this test runs).
    static func python(_ arguments: [String]) async throws -> (Int32, String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                    process.arguments = ["python3"] + arguments
                    let pipe = Pipe()
                    process.standardOutput = pipe
                    process.standardError = pipe
                    try process.run()
                    let data = pipe.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    continuation.resume(returning: (process.terminationStatus, String(decoding: data, as: UTF8.self)))
                } catch { continuation.resume(throwing: error) }
            }
        }
    }
}
