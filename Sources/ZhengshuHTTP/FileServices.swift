import Hummingbird
import ZhengshuCore

/// What the HTTP layer asks of the application for the work it does not do itself: files on this node and work that
/// outlives a request. ZhengshuHTTP reads and writes no file and starts no task; the application implements this
/// with services its service group owns (`ZhengshuApp.NodeFiles`).
package protocol FileServices: Sendable {
    /// This node's name, written on the exports it makes.
    var node: String { get }
    /// Writes a prepared export to its file in the background and returns at once; the job records the outcome.
    func startExport(_ prepared: PreparedExport) async throws
    /// The file of an export, as chunks read when asked; `nil` when this node does not have it.
    func exportFile(_ job: ExportJob) -> (any AsyncSequence<[UInt8], any Error> & Sendable)?
    /// Imports a workbook that arrives as a stream: kept in a temporary file (a workbook needs random access), the
    /// sheet (named, or the first) read as CSV and imported; nothing of it stays on the disk.
    func importWorkbook(
        _ request: ImportRequest, sheet: String?, from body: some AsyncSequence<[UInt8], any Error>, by caller: Caller
    ) async throws -> IngestJob
}

extension RequestHash {
    /// The hash of a request as received: method, path, sorted query and the body's digest.
    static func of(_ request: Request, body: [UInt8]) -> String {
        let query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        return of(method: request.method.rawValue, path: request.uri.path, query: query, body: body)
    }
}
