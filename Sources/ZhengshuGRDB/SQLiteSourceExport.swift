import Foundation
import GRDB
import ZhengshuCore

/// Reads a department's own SQLite database (opened read-only) for a scheduled pull.
package enum SQLiteSourceExport {
    /// Writes the rows of `query` above `watermark` as JSON Lines to `output`, in watermark order.
    /// - Returns: the number of rows and the highest watermark value seen.
    package static func export(path: String, query: String, watermarkColumn: String?, after watermark: String?, to output: URL) throws
        -> (rows: Int, watermark: String?)
    {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ZhengshuError(.conflict, "the SQLite source \(path) does not exist or cannot be read")
        }
        var config = Configuration()
        config.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: config)
        var sql = "SELECT * FROM (\(query)) AS src"
        var arguments = StatementArguments()
        if let column = watermarkColumn {
            let quoted = "\"" + column.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            if let watermark {
                sql += " WHERE \(quoted) > ?"
                arguments = [Int64(watermark).map { $0.databaseValue } ?? Double(watermark).map { $0.databaseValue } ?? watermark.databaseValue]
            }
            sql += " ORDER BY \(quoted)"
        }
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try queue.read { db in
            var count = 0
            var highest: String?
            var buffer = Data()
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let row = try cursor.next() {
                var object: [String: JSONValue] = [:]
                for (column, value) in row {
                    let json: JSONValue = switch value.storage {
                    case .null: .null
                    case .int64(let i): .integer(i)
                    case .double(let d): .number(d)
                    case .string(let s): .string(s)
                    case .blob(let b): .string(b.base64EncodedString())
                    }
                    object[column] = json
                    if column == watermarkColumn {
                        switch value.storage {
                        case .int64(let i): highest = String(i)
                        case .double(let d): highest = String(d)
                        case .string(let s): highest = s
                        default: break
                        }
                    }
                }
                buffer.append(try encoder.encode(object))
                buffer.append(0x0A)
                count += 1
                if buffer.count > 1 << 20 {
                    try handle.write(contentsOf: buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            try handle.write(contentsOf: buffer)
            return (count, highest)
        }
    }
}
