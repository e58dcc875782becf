#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One `sd_notify`-style datagram to the service manager's socket, with a bound on the wait.
///
/// libsystemd's `sd_notify` blocks while the receiver's queue is full (a Unix datagram socket
/// queues only a few messages): a service manager that stops reading would park the thread —
/// on Swift's cooperative pool — for ever, and a shutdown waiting on STOPPING=1 with it. Here
/// the socket is connected, sends do not block, and a full queue is waited on with `poll` up to
/// the deadline. Only path and abstract (`@`) addresses are handled; others (`vsock:`) are left
/// to `sd_notify`.
enum NotifyDatagram {
    enum Outcome: Equatable {
        case sent
        /// The address is not a Unix socket path: use `sd_notify`.
        case unsupportedAddress
        /// The receiver's queue stayed full until the deadline; the message was dropped.
        case timedOut
        case failed(errno: Int32)
    }

    static func deliver(_ message: String, to address: String, timeout: Duration) -> Outcome {
        guard var socketAddress = Self.address(address) else { return .unsupportedAddress }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failed(errno: errno) }
        defer { close(fd) }
        let connected = withUnsafePointer(to: &socketAddress.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socketAddress.length) }
        }
        guard connected == 0 else { return .failed(errno: errno) }
        let bytes = Array(message.utf8)
        let deadline = ContinuousClock.now + timeout
        while true {
            let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
            if sent >= 0 { return .sent }
            let code = errno
            if code == EINTR { continue }
            guard code == EAGAIN || code == EWOULDBLOCK else { return .failed(errno: code) }
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return .timedOut }
            var room = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let millis = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            if poll(&room, 1, millis) == 0 { return .timedOut }
        }
    }

    /// `NOTIFY_SOCKET` as a socket address: a path, or `@name` in the abstract namespace.
    private static func address(_ text: String) -> (storage: sockaddr_un, length: socklen_t)? {
        guard let first = text.first, first == "/" || first == "@" else { return nil }
        var path = Array(text.utf8)
        var storage = sockaddr_un()
        guard path.count < MemoryLayout.size(ofValue: storage.sun_path) else { return nil }
        storage.sun_family = sa_family_t(AF_UNIX)
        if first == "@" { path[0] = 0 }  // abstract: a leading NUL, no terminating one
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            for (index, byte) in path.enumerated() { raw[index] = byte }
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        let length = pathOffset + path.count + (first == "@" ? 0 : 1)
        return (storage, socklen_t(length))
    }
}
