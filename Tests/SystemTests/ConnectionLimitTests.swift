import Foundation
import Testing

/// A raw client connection to the control socket, for what the request helper cannot do:
/// hold a connection idle, send a request a byte at a time, read whatever comes back.
final class RawConnection {
    let fd: Int32

    init(socket path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw UnixHTTPError(description: "connect \(path): errno \(errno)")
        }
    }

    deinit { close(fd) }

    func send(_ text: String) {
        _ = text.withCString { Glibc.send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }

    /// What arrives within `timeout`, up to the peer closing; `closed` tells whether it did.
    func read(for timeout: Duration) -> (text: String, closed: Bool) {
        var received = [UInt8]()
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 50) > 0 else { continue }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return (String(decoding: received, as: UTF8.self), true) }
            received += buffer[0..<n]
        }
        return (String(decoding: received, as: UTF8.self), false)
    }

    /// What arrives on each of `connections` until one of them is closed (at most `timeout`).
    static func readAll(_ connections: [RawConnection], untilOneCloses timeout: Duration) -> [(text: String, closed: Bool)] {
        var answers = connections.map { _ in (text: "", closed: false) }
        let deadline = ContinuousClock.now + timeout
        while !answers.contains(where: \.closed), ContinuousClock.now < deadline {
            for (index, connection) in connections.enumerated() {
                let answer = connection.read(for: .milliseconds(20))
                answers[index] = (answers[index].text + answer.text, answer.closed)
            }
        }
        return answers
    }
}

/// The control API bounds what clients can hold: a connection limit answered with a 503
/// problem, idle connections closed, a body that trickles in cut with 408 — while long polls
/// that outlast the idle timeout are still answered.
@Suite(.blockingCalls) struct ConnectionLimitTests {
    @Test func connectionsPastTheLimitAreRefusedWithAProblem() async throws {
        let daemon = DaemonProcess(settings: ["control.max_connections": "5"])
        defer { daemon.cleanUp() }
        try await daemon.start()
        try await eventually("earlier clients' connections closed") { try daemon.acceptedConnections() == 0 ? true : nil }

        // Five idle connections fill the limit; one more is refused with a problem, at once.
        // (Which of the six: sagad admits each on its event loop, and a loop can see the sixth
        // before another sees the fifth, though the kernel accepted them in order.)
        var idle = try (0..<5).map { _ in try RawConnection(socket: daemon.socket) }
        try await eventually("sagad to hold the five", timeout: .seconds(30)) { try daemon.acceptedConnections() == 5 ? true : nil }
        idle.append(try RawConnection(socket: daemon.socket))
        let answers = RawConnection.readAll(idle, untilOneCloses: .seconds(10))
        let closed = answers.filter(\.closed)
        #expect(closed.count == 1, "\(answers)")
        let quiet = answers.filter { !$0.closed }.allSatisfy { $0.text.isEmpty }
        #expect(quiet, "the connections still held got an answer: \(answers)")
        let refused = closed.first ?? (text: "", closed: false)
        #expect(refused.text.hasPrefix("HTTP/1.1 503"), "\(refused.text)")
        #expect(refused.text.contains("Retry-After: 1") && refused.text.contains("application/problem+json"))
        #expect(refused.text.contains("\"status\":503") && refused.text.contains("too-many-connections"), "\(refused.text)")
        #expect(daemon.logLines(containing: "control API connection refused").count >= 1)

        // Once clients let go, requests go through again.
        idle.removeAll()
        try await eventually("a request to get through again") { try daemon.call("GET", "/healthz").status == 200 ? true : nil }
        #expect(try await daemon.stop() == 0)
    }

    @Test func idleConnectionsAndSlowBodiesAreCutButLongPollsAnswered() async throws {
        let daemon = DaemonProcess(settings: ["control.request_timeout_ms": "1000", "fulfillment.work_ms": "2500"])
        defer { daemon.cleanUp() }
        try await daemon.start()

        // Silent for the request timeout: sagad closes the connection.
        let idle = try RawConnection(socket: daemon.socket)
        let opened = ContinuousClock.now
        #expect(idle.read(for: .seconds(10)).closed, "an idle connection stayed open")
        #expect(ContinuousClock.now - opened >= .milliseconds(900))

        // A body that trickles in (never idle for long) is cut at the deadline with 408.
        let slow = try RawConnection(socket: daemon.socket)
        slow.send("POST /v1/orders HTTP/1.1\r\nHost: sagad\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
        let started = ContinuousClock.now
        var answer = (text: "", closed: false)
        while answer.text.isEmpty, ContinuousClock.now - started < .seconds(10) {
            slow.send(" ")
            answer = slow.read(for: .milliseconds(200))
        }
        #expect(answer.text.hasPrefix("HTTP/1.1 408"), "\(answer.text)")
        #expect(answer.text.contains("request-timeout"), "\(answer.text)")

        // A long poll outlasting the idle timeout is still answered.
        let id = try daemon.placeOrder(amount: "1.00")
        let polled = try daemon.settledOrder(id, timeout: 20)
        #expect(polled["status"] as? String == "finished", "\(polled)")
        #expect(try await daemon.stop() == 0)
    }
}
