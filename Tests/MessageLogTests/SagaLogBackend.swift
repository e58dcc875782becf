import Logging
import MessageLog
@testable import SagaLog

extension MessageLogBackend {
    /// The on-disk SagaLog with small segments (so tests cross segment boundaries) and the
    /// given fsync policy. Every policy keeps acknowledged records through a process crash:
    /// they sit in the page cache; the policies differ only on power loss.
    static func sagaLog(durability: DurabilityPolicy) -> MessageLogBackend {
        var configuration = LogConfiguration()
        configuration.segmentBytes = 4096
        configuration.indexIntervalBytes = 256
        configuration.maxRecordBytes = 4096 - 64
        configuration.durability = durability
        var logger = Logger(label: "conformance")
        logger.logLevel = .critical
        return MessageLogBackend(
            name: "SagaLog(\(durability))", denseOffsets: true, durability: .processCrash,
            open: { [configuration, logger] directory in
                try SagaLog.open(directory: directory, configuration: configuration, logger: logger)
            },
            abandon: { log in (log as! SagaLog).abandonWithoutClosing() })
    }
}
