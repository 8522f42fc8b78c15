import ArgumentParser
import Foundation
import ZhengshuApp
import ZhengshuCore

/// `zhengshu keys rotate --to FILE`: a new master key for the data keys of items encrypted at rest.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "Work with the keys of data encrypted at rest.",
                                                    subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-wrap every data key under a new master key (created in FILE when missing); the data is not rewritten.",
            discussion: "Servers keep serving: those still running with the old master key use the previous wrapping until they restart with security.masterKeyFile=FILE.")
        @OptionGroup var data: DataOptions
        @Option(help: "The new master key file (base64 of 32 bytes; created, mode 0600, when missing). Not inside the data folder.") var to: String

        func run() async throws {
            let (configuration, services) = try await data.open()
            do {
                let path = (to as NSString).standardizingPath
                if path.hasPrefix((configuration.dataDirectory as NSString).standardizingPath + "/") {
                    throw ZhengshuError(.invalidInput, "\(path) is inside the data folder: keep the master key apart from the data it protects")
                }
                let key = try KeyFile.secretBytes(path, setting: "--to")
                let count = try await services.platform.sealer.rotate(to: key, by: Caller(.localOperator, requestID: "cli"))
                print("\(count) data keys re-wrapped under the master key in \(path); restart each server with security.masterKeyFile=\(path)")
            } catch {
                throw fail(error)
            }
        }
    }
}
