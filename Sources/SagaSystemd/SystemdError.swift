#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What went wrong while reading what systemd handed to the process (watchdog settings,
/// inherited sockets); each case says which variable or descriptor to look at.
public enum SystemdError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `WATCHDOG_USEC` or `WATCHDOG_PID` is set but cannot be parsed.
    case invalidWatchdogEnvironment(errno: Int32)
    /// `LISTEN_FDS`, `LISTEN_PID` or `LISTEN_FDNAMES` is malformed, or a passed descriptor is not open.
    case invalidListenEnvironment(errno: Int32)
    /// systemd passed several sockets and none of them carries the wanted `FileDescriptorName=`.
    case noSocketNamed(String, passed: [String])
    /// The chosen descriptor is not a listening stream socket of a family sagad can serve.
    case notAListeningStreamSocket(fd: Int32, name: String)

    public var description: String {
        switch self {
        case .invalidWatchdogEnvironment(let code):
            return "WATCHDOG_USEC/WATCHDOG_PID are malformed (\(Self.explain(code))); "
                + "check WatchdogSec= in the unit or unset them when running by hand"
        case .invalidListenEnvironment(let code):
            return "LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES are malformed or name a closed descriptor "
                + "(\(Self.explain(code))); unset them when running sagad outside systemd"
        case .noSocketNamed(let name, let passed):
            return "systemd passed \(passed.count) sockets named \(passed) but none named '\(name)'; "
                + "set FileDescriptorName=\(name) in sagad.socket"
        case .notAListeningStreamSocket(let fd, let name):
            return "inherited fd \(fd) ('\(name)') is not a listening AF_UNIX/AF_INET/AF_INET6 stream socket; "
                + "use ListenStream= (not ListenDatagram=/Accept=yes) in sagad.socket"
        }
    }

    private static func explain(_ code: Int32) -> String {
        "errno \(code): \(String(cString: strerror(code)))"
    }
}
