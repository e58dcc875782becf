// Re-exported so that SagaLog's files and clients see the record types its API is written in.
@_exported import MessageLog

/// `SagaLog` as the daemon's administered log: the admin calls are SagaLog's own methods; the
/// recovery report is the per-segment reports summed into the backend-neutral summary.
extension SagaLog: MessageLogAdmin {
    public var recoveryReport: LogRecoveryReport {
        let reports = recoveryReports
        return LogRecoveryReport(
            checkedSegments: reports.count,
            scannedRecords: reports.reduce(0) { $0 + $1.scannedRecords },
            truncatedBytes: reports.reduce(0) { $0 + $1.truncatedBytes },
            damage: reports.compactMap { report in report.damage.map { "\(report.path): \($0)" } })
    }
}

/// Classifies SagaLog's errors for callers that see only the seam; every case not named here
/// is one the caller cannot fix by changing the request.
extension SagaLogError: MessageLogError {
    public var kind: MessageLogFailureKind {
        switch self {
        case .unknownTopic, .unknownPartition, .unknownGroup: .notFound
        case .offsetOutOfRange, .invalidTopicName: .invalidRequest
        case .groupHasMembers: .groupHasMembers
        case .locked(let path): .storageInUse(path: path)
        case .diskFull: .storageFull
        default: .unavailable
        }
    }
}
