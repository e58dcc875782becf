import Logging
import SagaSystemd
import Synchronization

/// The process-wide log level, changeable at run time (SIGHUP): every logger's handler reads
/// it on each message, so loggers already handed to the services follow a reload.
final class LogLevelControl: Sendable {
    static let shared = LogLevelControl()
    private let level = Mutex(Logger.Level.info)

    var current: Logger.Level {
        get { level.withLock { $0 } }
        set { level.withLock { $0 = newValue } }
    }

    /// Installs the journal-aware handler with this control as its level; call once.
    static func bootstrap(level: Logger.Level) {
        shared.current = level
        LoggingSystem.bootstrap { label in ReloadableLevelHandler(inner: JournalLogHandler(label: label, logLevel: .trace)) }
    }
}

/// Wraps a handler so that its level is `LogLevelControl.shared`.
struct ReloadableLevelHandler: LogHandler {
    var inner: JournalLogHandler

    var logLevel: Logger.Level {
        get { LogLevelControl.shared.current }
        set { LogLevelControl.shared.current = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) { inner.log(event: event) }
}
