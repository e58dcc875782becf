import Synchronization

/// What a sync of the log's files was for: segment data (appends made durable), a consumer
/// group's committed offsets, a directory entry (create, rename, unlink), or another file.
public enum LogSyncKind: String, Sendable, CaseIterable {
    case segment, offsets, directory, other

    /// The kind of a file by its name in the log's layout (`*.log`, `groups/*.offsets`).
    init(path: String) {
        if path.hasSuffix(".log") {
            self = .segment
        } else if path.hasSuffix(".offsets") {
            self = .offsets
        } else {
            self = .other
        }
    }
}

/// A process-wide hook told of every `fdatasync`/`fsync` the log runs and how long it took.
/// The daemon turns it into metrics; the log itself stays free of a metrics dependency.
/// With no observer installed a sync costs nothing extra (not even a clock read).
public enum LogSyncObserver {
    public typealias Observer = @Sendable (LogSyncKind, Duration) -> Void

    /// The observer in a class, so the lock holds a reference. A function value held directly
    /// (`Mutex<Observer?>`) was re-wrapped in two reabstraction thunks by every `withLock`
    /// (inout at the generic abstraction and back): the chain grew by two per sync, and calling
    /// it cost the daemon a quarter of its CPU after 70k orders.
    private final class Installed: Sendable {
        let observer: Observer
        init(_ observer: @escaping Observer) { self.observer = observer }
    }

    private static let current = Mutex<Installed?>(nil)

    /// Installs `observer` (or removes it, with `nil`) for every log of the process.
    public static func install(_ observer: Observer?) {
        let installed = observer.map(Installed.init)
        current.withLock { $0 = installed }
    }

    /// Runs `sync` and tells the observer its kind and duration, also when it throws.
    static func timed(_ kind: @autoclosure () -> LogSyncKind, _ sync: () throws -> Void) rethrows {
        guard let installed = current.withLock({ $0 }) else { return try sync() }
        let started = ContinuousClock.now
        defer { installed.observer(kind(), ContinuousClock.now - started) }
        try sync()
    }
}
