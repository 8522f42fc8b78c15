import Foundation
import ZhengshuCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which hosts HTTP and PostgreSQL pull sources may reach: a guard against a provider using the platform to reach
/// what only the platform can (its own loopback services, the cloud metadata address, the intranet at large).
///
/// With no rules (the default), any host is allowed whose every address is outside loopback, link-local
/// (169.254.0.0/16 and fe80::/10, where cloud metadata lives), the unspecified and multicast ranges. With rules
/// (`pull.allowedHosts`, comma-separated), only what they name: a host name (`db.ga.gov.cn`), a domain suffix
/// (`*.ga.gov.cn`), an address or a network (`10.12.0.0/16`, `fd00::/8`). A listed name or network may be loopback.
package struct PullHostPolicy: Sendable {
    enum Rule: Sendable, Equatable {
        case name(String)
        case suffix(String)
        case network(IPNetwork)
    }

    let rules: [Rule]

    /// - Throws: a message naming the rule that is not a host, `*.domain` or address/prefix.
    package init(parsing text: String) throws {
        var rules: [Rule] = []
        for raw in text.split(separator: ",") {
            let rule = raw.trimmingCharacters(in: .whitespaces).lowercased()
            guard !rule.isEmpty else { continue }
            if let network = IPNetwork(rule) {
                rules.append(.network(network))
            } else if rule.hasPrefix("*."), rule.count > 2 {
                rules.append(.suffix(String(rule.dropFirst(1))))
            } else if !rule.contains("/"), !rule.contains("*"),
                rule.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") })
            {
                rules.append(.name(rule))
            } else {
                throw ZhengshuError(
                    .invalidInput,
                    "pull.allowedHosts: '\(rule)' is not a host name, *.domain, address or network (10.0.0.0/8)")
            }
        }
        self.rules = rules
    }

    /// Resolves `host` and checks every address it has.
    /// - Returns: the first allowed address, to connect to exactly what was checked.
    /// - Throws: ``ZhengshuError`` (validation of `location`) when the host is unknown or not allowed.
    @discardableResult
    package func check(host rawHost: String) throws -> String {
        let host = rawHost.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let addresses = IPAddress(host).map { [$0] } ?? Self.resolve(host)
        guard let first = addresses.first else {
            throw ZhengshuError.validation([.init(field: "location", reason: "the host \(host) cannot be resolved")])
        }
        let allowed: Bool
        if rules.isEmpty {
            allowed = addresses.allSatisfy { !$0.isInternal }
        } else {
            let named = rules.contains { rule in
                switch rule {
                case .name(let n): host == n
                case .suffix(let s): host.hasSuffix(s)
                case .network: false
                }
            }
            allowed =
                named
                || addresses.allSatisfy { address in
                    rules.contains { if case .network(let n) = $0 { n.contains(address) } else { false } }
                }
        }
        guard allowed else {
            let reason =
                rules.isEmpty
                ? "the host \(host) is a loopback, link-local or otherwise internal address, which pull sources may not reach"
                : "the host \(host) is not in the administrator's pull.allowedHosts"
            throw ZhengshuError.validation([.init(field: "location", reason: reason)])
        }
        return first.description
    }

    static func resolve(_ host: String) -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let head = list else { return [] }
        defer { freeaddrinfo(head) }
        var out: [IPAddress] = []
        var node: UnsafeMutablePointer<addrinfo>? = head
        while let n = node {
            if let sa = n.pointee.ai_addr {
                if n.pointee.ai_family == AF_INET {
                    sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p in
                        out.append(IPAddress(bytes: withUnsafeBytes(of: p.pointee.sin_addr) { Array($0) }))
                    }
                } else if n.pointee.ai_family == AF_INET6 {
                    sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                        out.append(IPAddress(bytes: withUnsafeBytes(of: p.pointee.sin6_addr) { Array($0) }))
                    }
                }
            }
            node = n.pointee.ai_next
        }
        return out
    }
}
