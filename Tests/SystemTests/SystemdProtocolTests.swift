import Foundation
import Testing

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
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            let n = recv(descriptor, &buffer, buffer.count, 0)
            if n > 0 { messages.append(String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\n").map(String.init)) }
        }
        return messages
    }
}

@Suite(.serialized) struct SystemdProtocolTests {
    @Test func notifyMessagesComeInTheRightOrder() async throws {
        let notify = try FakeNotifySocket()
        let daemon = DaemonProcess(environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "600000"])
        defer { daemon.cleanUp() }
        try await daemon.start()
        var messages = notify.receive(for: .milliseconds(800))
        let ready = try #require(messages.firstIndex { $0.contains("READY=1") }, "no READY=1 in \(messages)")
        #expect(messages[..<ready].contains { $0.contains { $0.hasPrefix("EXTEND_TIMEOUT_USEC=") } })
        #expect(messages[ready].contains { $0.hasPrefix("STATUS=") })
        #expect(messages[ready...].contains { $0 == ["WATCHDOG=1"] }, "no watchdog ping within 800 ms (interval 300 ms)")

        daemon.signal(SIGHUP)
        messages = notify.receive(for: .milliseconds(500))
        let reloading = try #require(messages.firstIndex { $0.contains("RELOADING=1") }, "no RELOADING=1 in \(messages)")
        let monotonic = messages[reloading].first { $0.hasPrefix("MONOTONIC_USEC=") }.flatMap { UInt64($0.dropFirst(15)) }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let nowMicros = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        #expect(monotonic.map { nowMicros >= $0 && nowMicros - $0 < 2_000_000 } == true)
        #expect(messages[reloading...].contains { $0.contains("READY=1") })

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        messages = notify.receive(for: .milliseconds(200))
        #expect(messages.contains { $0.contains("STOPPING=1") }, "no STOPPING=1 in \(messages)")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-socket-activate"),
                   "systemd-socket-activate is not installed"))
    func anActivatedSocketIsServedInsteadOfBindingOne() async throws {
        let daemon = DaemonProcess()
        defer { daemon.cleanUp() }
        try FileManager.default.createDirectory(atPath: daemon.stateDirectory, withIntermediateDirectories: true)
        let socketPath = daemon.stateDirectory + "/activated.sock"
        try daemon.launch(via: ["/usr/bin/systemd-socket-activate", "-l", socketPath, "--fdname=control"])
        let deadline = ContinuousClock.now + .seconds(20)
        var reply: HTTPReply? = nil
        while reply?.status != 200, ContinuousClock.now < deadline {
            reply = try? UnixHTTPClient.request(socket: socketPath, "GET", "/readyz", timeout: 5)
            if reply?.status != 200 { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(reply?.status == 200)
        let placed = try UnixHTTPClient.json(socket: socketPath, "POST", "/v1/orders", ["amount": "2.50"])
        #expect(placed.status == 201)
        #expect(!FileManager.default.fileExists(atPath: daemon.socket), "sagad bound its own socket beside the passed one")
        #expect(daemon.log.contains("serving the control API on the socket passed by systemd"))
        #expect(try await daemon.stop() == 0)
    }
}
