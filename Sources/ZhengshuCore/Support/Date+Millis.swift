import Foundation

extension Date {
    /// Milliseconds since 1970: how both engines store an instant.
    package var millis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }
    package init(millis: Int64) { self.init(timeIntervalSince1970: Double(millis) / 1000) }
}
