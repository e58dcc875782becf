import GRDB

/// Faults of the machine, not of the event: the database's disk is full, the database is busy,
/// read-only or failing. A handler that fails with one would fail the same way for any event,
/// so the consumer waits it out (retrying, never dead-lettering) and reports it.
public enum StorageFault {
    /// Whether `error` is such a fault.
    public static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        switch error.resultCode {
        case .SQLITE_FULL, .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_NOMEM:
            return true
        default:
            return false
        }
    }
}
