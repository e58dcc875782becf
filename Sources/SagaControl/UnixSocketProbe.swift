import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tries a plain `connect(2)` to a Unix socket to tell why a request failed: a missing
/// file, a socket nobody listens on, or a path that is not a socket at all.
enum UnixSocketProbe {
    /// nil when something listens at `path` (even with a full backlog); otherwise the reason
    /// nothing does.
    static func connectionFailure(at path: String) -> String? {
        let pathBytes = Array(path.utf8)
        var address = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else {
            return "socket path is longer than \(capacity - 1) bytes"
        }
        #if canImport(Glibc)
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { return String(cString: strerror(errno)) }
        defer { close(descriptor) }

        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: pathBytes)
            buffer[pathBytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        let failure = errno
        // A full listen backlog means a listener exists: the daemon is there, just busy.
        if result == 0 || failure == EAGAIN || failure == EWOULDBLOCK { return nil }
        return String(cString: strerror(failure))
    }
}
