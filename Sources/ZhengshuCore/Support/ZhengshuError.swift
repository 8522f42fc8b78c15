/// The one error type the use cases throw; every edge (HTTP, console, CLI) maps its ``Code`` in one place.
///
/// Modelled on NIO's `FileSystemError`: a code that can grow, a human message, and the context a caller
/// needs to fix the input (which row, which field, why).
package struct ZhengshuError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is. A struct over a private enum so that codes can be added.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Hashable, Sendable {
            case invalidInput, validation, notFound, conflict, unauthenticated, forbidden, payloadTooLarge,
                tooManyRequests, unavailable, internalFailure
        }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// Malformed input: bad JSON, a bad query parameter, an unknown field.
        package static let invalidInput = Code(.invalidInput)
        /// Well-formed input that breaks a domain rule; ``ZhengshuError/violations`` lists each one.
        package static let validation = Code(.validation)
        /// The named thing does not exist.
        package static let notFound = Code(.notFound)
        /// The change collides with existing state: a duplicate code, a department that still has children.
        package static let conflict = Code(.conflict)
        /// No credentials, or credentials that are wrong, expired or revoked.
        package static let unauthenticated = Code(.unauthenticated)
        /// The caller is known but may not do this.
        package static let forbidden = Code(.forbidden)
        /// The request body is larger than the platform accepts.
        package static let payloadTooLarge = Code(.payloadTooLarge)
        /// A quota is used up; ``ZhengshuError/retryAfter`` says when it refills.
        package static let tooManyRequests = Code(.tooManyRequests)
        /// The server is saturated (every admission slot taken, or the request ran past its time); retry after
        /// ``ZhengshuError/retryAfter`` seconds.
        package static let unavailable = Code(.unavailable)
        /// A failure of the platform itself; the message is safe to show, the cause is logged only.
        package static let internalFailure = Code(.internalFailure)

        package var description: String { wrapped.rawValue }
    }

    /// One broken rule in the input: which row (0-based index in a batch, when there is one), which field, why.
    package struct Violation: Hashable, Sendable, Codable {
        package var field: String
        package var row: Int?
        package var reason: String
        package init(field: String, row: Int? = nil, reason: String) {
            self.field = field
            self.row = row
            self.reason = reason
        }
    }

    package var code: Code
    package var message: String
    package var violations: [Violation]
    /// Seconds until the request may succeed (quotas, a saturated server).
    package var retryAfter: Int?

    /// What the operator needs and a client must not see (a database server's own text, a path): the edges log it
    /// with the request id and never send it. An ``Code/internalFailure``'s ``message`` is treated the same way.
    package var internalDetail: String?

    package init(
        _ code: Code, _ message: String, violations: [Violation] = [], retryAfter: Int? = nil,
        internalDetail: String? = nil
    ) {
        self.code = code
        self.message = message
        self.violations = violations
        self.retryAfter = retryAfter
        self.internalDetail = internalDetail
    }

    package var description: String {
        violations.isEmpty ? "\(code): \(message)" : "\(code): \(message) \(violations)"
    }

    package static func validation(_ violations: [Violation]) -> ZhengshuError {
        let message =
            violations.count == 1
            ? "Validation failed: \(violations[0].field): \(violations[0].reason)"
            : "Validation failed: \(violations.count) problems"
        return ZhengshuError(.validation, message, violations: violations)
    }
}
