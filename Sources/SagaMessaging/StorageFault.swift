import GRDB
import MessageLog

/// Faults of the machine, not of the event or the request: the disk under a database or the
/// log is full, or the database is busy, read-only or failing. A handler that fails with one
/// would fail the same way for any event, so the consumer waits it out (retrying, never
/// dead-lettering); the relay retries; the API answers 507 or 503. The one classification all use.
public enum StorageFault: Equatable, Sendable {
    /// SQLITE_FULL, or the log's filesystem full: no space left for the write.
    case diskFull
    /// Busy, locked, read-only, failing I/O, cannot open, out of memory.
    case unavailable

    /// The fault behind `error`, or nil when `error` is not one (a bug or a bad event).
    public init?(_ error: any Error) {
        if let error = error as? any MessageLogError {
            guard error.kind == .storageFull else { return nil }
            self = .diskFull
            return
        }
        guard let error = error as? DatabaseError else { return nil }
        switch error.resultCode {
        case .SQLITE_FULL:
            self = .diskFull
        case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_NOMEM, .SQLITE_NOLFS:
            self = .unavailable
        default:
            return nil
        }
    }

    /// Whether `error` is such a fault.
    public static func isTransient(_ error: any Error) -> Bool { StorageFault(error) != nil }
}
