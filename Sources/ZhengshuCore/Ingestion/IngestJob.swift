import Foundation

/// Identifier of an ingestion job.
package typealias JobID = RowID<IngestJob>

/// How a batch lands in a resource's records.
package enum ImportMode: String, CaseIterable, Sendable, Codable, Vocabulary {
    /// Adds rows; a row whose key is already stored is rejected.
    case append
    /// Adds new keys and replaces the rows of known keys.
    case upsert
    /// The file is the full snapshot: afterwards the resource holds exactly its accepted rows.
    case replace
}

/// The file formats a department can send.
package enum SourceFormat: String, CaseIterable, Sendable, Codable, Vocabulary {
    case csv, tsv, jsonl, json
    /// An Excel workbook; the edge turns its sheet into CSV before the core reads it.
    case xlsx
}

package enum JobStatus: String, CaseIterable, Sendable, Codable, Vocabulary {
    case queued, running, succeeded, failed, cancelled

    package var isFinished: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

/// An ingestion job: one file (or pull) into one resource, atomic, with its counts.
package struct IngestJob: Sendable, Hashable {
    package var id: JobID
    package var resource: ResourceCode
    package var department: DepartmentCode
    package var mode: ImportMode
    package var format: SourceFormat
    /// The encoding actually used (resolved from `auto`).
    package var encoding: SourceEncoding
    /// File name or `upload`.
    package var source: String
    package var status: JobStatus
    package var bytesTotal: Int64?
    package var bytesRead: Int64
    package var rowsRead: Int
    package var rowsAccepted: Int
    package var rowsRejected: Int
    package var maxErrors: Int?
    package var unknownColumns: [String]
    package var error: String?
    package var createdBy: String
    package var createdAt: Date
    package var startedAt: Date?
    package var finishedAt: Date?

    package init(
        id: JobID, resource: ResourceCode, department: DepartmentCode, mode: ImportMode, format: SourceFormat,
        encoding: SourceEncoding, source: String, status: JobStatus, bytesTotal: Int64?, bytesRead: Int64,
        rowsRead: Int, rowsAccepted: Int, rowsRejected: Int, maxErrors: Int?, unknownColumns: [String],
        error: String?, createdBy: String, createdAt: Date, startedAt: Date?, finishedAt: Date?
    ) {
        self.id = id
        self.resource = resource
        self.department = department
        self.mode = mode
        self.format = format
        self.encoding = encoding
        self.source = source
        self.status = status
        self.bytesTotal = bytesTotal
        self.bytesRead = bytesRead
        self.rowsRead = rowsRead
        self.rowsAccepted = rowsAccepted
        self.rowsRejected = rowsRejected
        self.maxErrors = maxErrors
        self.unknownColumns = unknownColumns
        self.error = error
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    /// Rows per second over the job's run so far.
    package func throughput(now: Date) -> Double? {
        guard let start = startedAt else { return nil }
        let seconds = (finishedAt ?? now).timeIntervalSince(start)
        return seconds > 0 ? Double(rowsRead) / seconds : nil
    }
}

/// A row the platform refused, kept with its original values so the providing department can fix it.
package struct RejectedRow: Sendable, Hashable {
    /// 1-based data row in the source (the header is not counted).
    package var row: Int
    package var field: String
    package var reason: String
    /// The row's values as sent, in the source's column order.
    package var original: [String]

    package init(row: Int, field: String, reason: String, original: [String]) {
        self.row = row
        self.field = field
        self.reason = reason
        self.original = original
    }
}

/// What a job has done so far, saved while it runs.
package struct JobProgress: Sendable, Hashable {
    package var bytesRead: Int64
    package var rowsRead: Int
    package var rowsAccepted: Int
    package var rowsRejected: Int
    package var encoding: SourceEncoding
    package var unknownColumns: [String]

    package init(
        bytesRead: Int64 = 0, rowsRead: Int = 0, rowsAccepted: Int = 0, rowsRejected: Int = 0,
        encoding: SourceEncoding = .auto, unknownColumns: [String] = []
    ) {
        self.bytesRead = bytesRead
        self.rowsRead = rowsRead
        self.rowsAccepted = rowsAccepted
        self.rowsRejected = rowsRejected
        self.encoding = encoding
        self.unknownColumns = unknownColumns
    }
}
