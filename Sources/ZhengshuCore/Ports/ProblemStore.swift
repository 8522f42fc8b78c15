import Foundation

/// Problem records.
package protocol ProblemStore: Sendable {
    /// Applies a quality run's findings to the resource's problems at `at`: new ones open, ones seen again are
    /// touched (reopened if they had been fixed), and — after a run over every stored row (`closeUnseen`) — open,
    /// acknowledged or fixed ones not seen any more are verified (not those a profile's conflicts raised, rules
    /// `profile.*`: a quality run does not look for them). - Returns: how many were opened and how many closed.
    func recordSightings(
        _ sightings: [ProblemSighting], resource: ResourceCode, department: DepartmentCode, at: Date, closeUnseen: Bool
    )
        async throws -> (opened: Int, closed: Int)
    func insertProblem(_ problem: Problem, audit: AuditEvent) async throws -> Problem
    func problem(_ id: ProblemID) async throws -> Problem?
    /// Problems, oldest first after `after`.
    func problems(
        department: DepartmentCode?, resource: ResourceCode?, status: ProblemStatus?, after: Int64, limit: Int
    ) async throws -> [Problem]
    func updateProblem(
        _ id: ProblemID, audit: AuditEvent, change: @Sendable (Problem) throws -> Problem
    ) async throws -> Problem
    func problemStats(department: DepartmentCode?) async throws -> [ProblemStats]
}
