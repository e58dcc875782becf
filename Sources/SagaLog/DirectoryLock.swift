#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// An exclusive `flock` on a file, so two processes never open the same log. The kernel drops
/// it when the process dies, so a crash never leaves a stale lock. Public for a daemon whose
/// log lives elsewhere (on Kafka) but whose state directory still has one owner.
public final class DirectoryLock: Sendable {
    public let path: String
    private let descriptor: Mutex<Int32>

    /// - Throws: `SagaLogError.locked` when another process holds it.
    public init(path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SagaLogError.io(operation: "open", path: path, errno: errno) }
        // A child being spawned shares the descriptor until it execs (O_CLOEXEC), so a lock
        // just released can look held for a moment: retry briefly before calling it taken.
        var attempts = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            attempts += 1
            if code == EWOULDBLOCK && attempts < 25 {
                usleep(10_000)
                continue
            }
            close(fd)
            if code == EWOULDBLOCK { throw SagaLogError.locked(path: path) }
            throw SagaLogError.io(operation: "flock", path: path, errno: code)
        }
        self.path = path
        self.descriptor = Mutex(fd)
    }

    public func release() {
        descriptor.withLock { fd in
            guard fd >= 0 else { return }
            close(fd)
            fd = -1
        }
    }

    deinit { release() }
}
