import Foundation
import Hummingbird
import ZhengshuCore

/// A member's read of a conditionally open dataset (`/api/v1/open/datasets/{code}/records`): the shared query's page
/// (``SharingRoutes``), written by hand for the same reason. The rest of the member's API is on the generated server
/// (API/OpenData.swift).
struct OpenMemberRoutes {
    let platform: Platform

    func register(api: RouterGroup<AppRequestContext>) {
        let data = platform.data
        api.get("datasets/{code}/records") { request, context in
            guard try context.caller().principal.isMember else {
                throw ZhengshuError(.forbidden, "departments read shared data at /api/v1/share/{code}/records")
            }
            return try await SharingRoutes.sharedQuery(request, context, data)
        }
    }
}

/// At most `limit` registrations from one address in `window` seconds (per server node): enough for a family or an
/// office behind one address, too few for a script filling the member table.
actor RegistrationThrottle {
    let limit: Int
    let window: TimeInterval
    var recent: [String: [Date]] = [:]

    init(limit: Int = 10, window: TimeInterval = 3600) {
        self.limit = limit
        self.window = window
    }

    func admit(_ address: String, at now: Date) throws {
        if recent.count > 10_000 {
            recent = recent.filter { $0.value.last.map { now.timeIntervalSince($0) < window } ?? false }
        }
        var times = recent[address, default: []].filter { now.timeIntervalSince($0) < window }
        guard times.count < limit else {
            let retry = Int(window - now.timeIntervalSince(times[0])) + 1
            throw ZhengshuError(
                .tooManyRequests, "too many registrations from this address; try again in \(retry) seconds",
                retryAfter: retry)
        }
        times.append(now)
        recent[address] = times
    }
}
