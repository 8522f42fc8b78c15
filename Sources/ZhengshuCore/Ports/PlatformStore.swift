import Foundation

/// Everything an engine provides.
package typealias PlatformStore = DepartmentStore & AccountStore & CatalogStore & RecordStore & AuditStore
    & StatisticsStore & PullStore
    & IngestStore & SchemaStore & QualityStore & ProblemStore & LineageStore & StandardsStore & SharingStore
    & SystemAccountStore & WebhookStore
    & PrivacyStore & AlertStore & KeyStore & ManagementStore & TopicStore & SandboxStore & BackupRunStore
    & BreakGlassStore
