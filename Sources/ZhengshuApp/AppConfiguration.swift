import Configuration
import Foundation
import Logging

/// Settings of a Zhengshu node.
///
/// - Configuration keys:
///   - `http.host` (string, default `127.0.0.1`)
///   - `http.port` (int, default `8080`)
///   - `data.directory` (string, default `./zhengshu-data`): holds `zhengshu.sqlite`
///   - `storage.inMemory` (bool, default `false`): an in-memory SQLite database, for tests
///   - `log.level` (string, default `info`)
///   - `security.fastPasswordHashing` (bool, default `false`): cheap scrypt parameters, for tests only
///   - `ingest.maxUploadGib` (double, default `4`): the largest file `POST …/ingest` accepts
///   - `pull.sqliteDirectory` (string, default `DATA/sources`): SQLite pull sources must be files below it
///   - `pull.allowedHosts` (string, default empty): hosts HTTP and PostgreSQL pull sources may reach, comma-separated
///     names, `*.domain` suffixes, addresses or networks; empty allows any host but loopback, link-local and the like
///     (see ``PullHostPolicy``)
package struct AppConfiguration: Sendable {
    package var host: String
    package var port: Int
    package var dataDirectory: String
    package var inMemory: Bool
    package var logLevel: Logger.Level
    package var fastPasswordHashing: Bool
    package var maxUploadBytes: Int64
    package var sqliteSourceDirectory: String
    package var pullAllowedHosts: String

    package init(config: ConfigReader) {
        host = config.string(forKey: "http.host", default: "127.0.0.1")
        port = config.int(forKey: "http.port", default: 8080)
        dataDirectory = config.string(forKey: "data.directory", default: "./zhengshu-data")
        inMemory = config.bool(forKey: "storage.inMemory", default: false)
        logLevel = Logger.Level(rawValue: config.string(forKey: "log.level", default: "info")) ?? .info
        fastPasswordHashing = config.bool(forKey: "security.fastPasswordHashing", default: false)
        maxUploadBytes = Int64(config.double(forKey: "ingest.maxUploadGib", default: 4) * 1_073_741_824)
        sqliteSourceDirectory = config.string(forKey: "pull.sqliteDirectory",
                                              default: (dataDirectory as NSString).appendingPathComponent("sources"))
        pullAllowedHosts = config.string(forKey: "pull.allowedHosts", default: "")
    }

    package var databasePath: String { (dataDirectory as NSString).appendingPathComponent("zhengshu.sqlite") }
}
