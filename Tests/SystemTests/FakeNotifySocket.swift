import Foundation

/// A datagram socket standing in for systemd's notify socket; collects what sagad sends.
final class FakeNotifySocket: @unchecked Sendable {
    let path: String
    private let descriptor: Int32

    init() throws {
        path = NSTemporaryDirectory() + "notify-\(UUID().uuidString.prefix(8)).sock"
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw UnixHTTPError(description: "bind notify socket: errno \(errno)") }
        var tv = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(descriptor)
        unlink(path)
    }

    /// Messages received so far and within `wait`, each split into its `KEY=value` lines.
    func receive(for wait: Duration) -> [[String]] {
        var messages: [[String]] = []
        let deadline = ContinuousClock.now + wait
        while ContinuousClock.now < deadline {
            if let message = next() { messages.append(message) }
        }
        return messages
    }

    /// Reads until a message with `READY=1` arrives (at most `timeout`), then runs `onReady` at
    /// once, before anything else is read: what `onReady` sees is the daemon's state at the
    /// moment it said READY=1. Returns the messages up to and including READY (none if it never
    /// came) and `onReady`'s result (nil then).
    func untilReady<Result>(timeout: Duration, _ onReady: () -> Result) -> (messages: [[String]], result: Result?) {
        var messages: [[String]] = []
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let message = next() else { continue }
            messages.append(message)
            if message.contains("READY=1") { return (messages, onReady()) }
        }
        return (messages, nil)
    }

    /// One datagram split into lines, or nil when none came within the 100 ms receive timeout.
    private func next() -> [String]? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(descriptor, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
