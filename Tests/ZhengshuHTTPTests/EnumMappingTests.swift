import Testing
import ZhengshuCore
import ZhengshuOpenAPI

/// The handlers map an enum of the document to Core's by its text (`.wire` and `.core()`), so a value added on one
/// side only would fail at run time as an internal error: here it fails the suite, naming the pair.
@Suite struct EnumMappingTests {
    @Test func everyWireEnumListsTheValuesOfItsCoreEnum() {
        typealias S = Components.Schemas
        same(ShareType.self, S.ShareType.self)
        same(OpenType.self, S.OpenType.self)
        same(UpdateCycle.self, S.UpdateCycle.self)
        same(GradeLevel.self, S.GradeLevel.self)
        same(Sensitivity.self, S.Sensitivity.self)
        same(ResourceStatus.self, S.ResourceStatus.self)
        same(DataType.self, S.DataType.self)
        same(DataElement.self, S.DataElementId.self)
        same(TopicQuery.JoinKind.self, S.TopicQuery.JoinsPayloadPayload.KindPayload.self)
        same(TopicQuery.FilterOperator.self, S.TopicQuery.WherePayloadPayload.OpPayload.self)
        same(TopicQuery.Aggregate.self, S.TopicQuery.ColumnsPayloadPayload.AggregatePayload.self)
        same(ImportMode.self, S.IngestJob.ModePayload.self)
        same(SourceFormat.self, S.IngestJob.FormatPayload.self)
        same(SourceEncoding.self, S.IngestJob.EncodingPayload.self)
        same(JobStatus.self, S.IngestJob.StatusPayload.self)
        same(ProfileKind.self, S.Profile.KindPayload.self)
        same(BackupRun.Status.self, S.BackupRun.StatusPayload.self)
        same(RiskAlert.Rule.self, S.Alert.RulePayload.self)
        same(RiskAlert.Severity.self, S.Alert.SeverityPayload.self)
        same(RiskAlert.State.self, S.Alert.StatePayload.self)
        same(PerformanceIndicator.self, S.IndicatorResult.IndicatorPayload.self)
        same(Workspace.Status.self, S.Workspace.StatusPayload.self)
        same(PullKind.self, S.PullSource.KindPayload.self)
        same(SourceFormat.self, S.PullSource.FormatPayload.self)
        same(ImportMode.self, S.PullSource.ModePayload.self)
        same(FreshnessStatus.self, S.Freshness.StatusPayload.self)
        same(QualityDimension.self, S.QualityRule.DimensionPayload.self)
        same(RuleSeverity.self, S.QualityRule.SeverityPayload.self)
        same(RuleSeverity.self, S.QualityRuleInput.SeverityPayload.self)
        same(ComparisonOperator.self, S.QualityRule.OpPayload.self)
        same(ComparisonOperator.self, S.QualityRuleInput.OpPayload.self)
        #expect(
            Set(S.QualityRule.KindPayload.allCases.map(\.rawValue))
                == Set(S.QualityRuleInput.KindPayload.allCases.map(\.rawValue)))
        same(ProblemStatus.self, S.ProblemRecord.StatusPayload.self)
        same(ProblemStatus.self, S.ProblemUpdate.StatusPayload.self)
        same(PersonalDataType.self, S.ColumnFinding.DetectedPayload.self)
        same(GradeProposal.Status.self, S.GradeProposal.StatusPayload.self)
        same(MaskingPolicy.Method.self, S.MaskingPolicy.MethodPayload.self)
        same(MaskingPolicy.Method.self, S.MaskingPolicyInput.MethodPayload.self)
        same(MaskingPolicy.Generalisation.self, S.MaskingPolicy.ToPayload.self)
        same(MaskingPolicy.Generalisation.self, S.MaskingPolicyInput.ToPayload.self)
        same(ShareService.self, S.Application.ServicesPayloadPayload.self)
        same(ShareService.self, S.ApplicationInput.ServicesPayloadPayload.self)
        same(ShareService.self, S.Grant.ServicesPayloadPayload.self)
        same(ShareService.self, S.GrantTerms.ServicesPayloadPayload.self)
        same(ApplicationStatus.self, S.Application.StatusPayload.self)
        same(ApplicationStatus.self, S.ApplicationEvent.StatusPayload.self)
        same(ApplicationChannel.self, S.Application.ChannelPayload.self)
        same(GrantStatus.self, S.Grant.StatusPayload.self)
        same(Sharing.GrantAction.self, Operations.ChangeGrant.Input.Path.ActionPayload.self)
        same(ShareTotal.Dimension.self, Operations.ListShareTotals.Input.Query.ByPayload.self)
        same(CalendarDay.Kind.self, S.CalendarDay.KindPayload.self)
        same(ExportFormat.self, S.Export.FormatPayload.self)
        same(ExportJob.Status.self, S.Export.StatusPayload.self)
        same(DigestAlgorithm.self, S.ExportManifest.DigestAlgorithmPayload.self)
        same(MemberKind.self, S.Member.KindPayload.self)
        same(MemberKind.self, S.MemberInput.KindPayload.self)
        same(SandboxRelease.Status.self, S.SandboxRelease.StatusPayload.self)
        same(PerformanceIndicator.self, S.PerformanceSummary.IndicatorsPayloadPayload.IndicatorPayload.self)
        // A registered data element takes the scalar types only; Core refuses the others when one is saved.
        subset(S.DataElementInput._TypePayload.self, of: DataType.self)
        #expect(
            S.DataElementInput._TypePayload.allCases.map(\.rawValue)
                == S.DataElement._TypePayload.allCases.map(\.rawValue))
    }

    func same<Core: CaseIterable & RawRepresentable<String>, Wire: CaseIterable & RawRepresentable<String>>(
        _: Core.Type, _: Wire.Type
    ) {
        #expect(
            Set(Core.allCases.map(\.rawValue)) == Set(Wire.allCases.map(\.rawValue)), "\(Core.self) and \(Wire.self)")
    }

    func subset<Wire: CaseIterable & RawRepresentable<String>, Core: CaseIterable & RawRepresentable<String>>(
        _: Wire.Type, of _: Core.Type
    ) {
        #expect(
            Set(Wire.allCases.map(\.rawValue)).isSubset(of: Core.allCases.map(\.rawValue)),
            "\(Wire.self) in \(Core.self)")
    }
}
