import ArgumentParser
import Foundation
import ZhengshuApp
import ZhengshuCore

/// `zhengshu keys rotate --to FILE`: a new master key for the data keys of items encrypted at rest.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Work with the keys of data encrypted at rest.",
        subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Re-wrap every data key under a new master key (created in FILE when missing); with --reencrypt, also new data keys and every sealed value re-sealed.",
            discussion:
                "Servers keep serving: those still running with the old master key use the previous wrapping until they restart with security.masterKeyFile=FILE. Run --reencrypt once every server runs with the current master key (new data keys are wrapped under it alone)."
        )
        @OptionGroup var data: DataOptions
        @Option(
            help:
                "The new master key file (base64 of 32 bytes; created, mode 0600, when missing). Not inside the data folder."
        ) var to: String?
        @Flag(help: "Also make new data keys and re-seal every stored L4 value under them (a resource at a time).")
        var reencrypt = false

        func run() async throws {
            let (configuration, services) = try await data.open()
            do {
                if reencrypt {
                    let p = services.platform
                    let done = try await p.sealer.reencrypt(
                        services.store, services.store, services.store, by: Caller(.localOperator, requestID: "cli"))
                    print(
                        "re-encrypted under new data keys: \(done.isEmpty ? "nothing sealed yet" : done.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                guard let to else {
                    if !reencrypt {
                        throw ZhengshuError(.invalidInput, "give --to FILE (a new master key), --reencrypt, or both")
                    }
                    return
                }
                let path = (to as NSString).standardizingPath
                if path.hasPrefix((configuration.dataDirectory as NSString).standardizingPath + "/") {
                    throw ZhengshuError(
                        .invalidInput,
                        "\(path) is inside the data folder: keep the master key apart from the data it protects")
                }
                let key = try KeyFile.secretBytes(path, setting: "--to")
                let count = try await services.platform.sealer.rotate(
                    to: key, by: Caller(.localOperator, requestID: "cli"))
                print(
                    "\(count) data keys re-wrapped under the master key in \(path); restart each server with security.masterKeyFile=\(path)"
                )
            } catch {
                throw fail(error)
            }
        }
    }
}
