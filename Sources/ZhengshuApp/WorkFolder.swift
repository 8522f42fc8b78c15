import Foundation
import ZhengshuCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where this installation keeps the copies a job works from: an uploaded workbook, the CSV of its sheet, the rows a
/// pull read from a department's system. They hold records in clear, so the folder is the owner's alone (0700, its
/// files 0600), lives in the data folder (`work/`), and each copy is removed when its job ends; a copy a killed
/// process left behind is swept when the server starts (files are named after the process that made them).
package struct WorkFolder: Sendable {
    package let path: String

    /// Creates the folder when missing and takes its permissions back to the owner's.
    package init(path: String) throws {
        self.path = path
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        } catch {
            throw ZhengshuError(.internalFailure, "the work folder \(path) cannot be used: \(error)")
        }
    }

    /// A new empty file only the owner can read and write: `zs-KIND-PID-UUID.EXT`.
    package func newFile(_ kind: String, extension ext: String = "") throws -> URL {
        let url = URL(fileURLWithPath: path).appendingPathComponent(
            "zs-\(kind)-\(getpid())-\(UUID().uuidString)\(ext.isEmpty ? "" : ".\(ext)")")
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
        else { throw ZhengshuError(.internalFailure, "the work folder \(path) cannot hold a new file") }
        return url
    }

    /// Removes the files whose process is gone (killed before its job ended); returns how many.
    @discardableResult package func sweep() -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        var removed = 0
        for name in names {
            let parts = name.split(separator: "-")
            guard parts.count > 3, parts[0] == "zs", let pid = pid_t(parts[2]) else { continue }
            if pid == getpid() || (kill(pid, 0) == 0 || errno == EPERM) { continue }
            if (try? FileManager.default.removeItem(atPath: (path as NSString).appendingPathComponent(name))) != nil {
                removed += 1
            }
        }
        return removed
    }
}
