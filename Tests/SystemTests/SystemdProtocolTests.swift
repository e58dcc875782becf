import Foundation
import Testing

@Suite(.serialized, .blockingCalls) struct SystemdProtocolTests {
    /// READY=1 means "recovered and serving": the moment it arrives, the control socket must
    /// accept a connection and an order placed before a crash must be readable. The listener
    /// reacts to READY itself, so nothing here waits for /readyz first.
    @Test func readyIsSentOnlyOnceRecoveredAndListening() async throws {
        let first = DaemonProcess(settings: ["fulfillment.work_ms": "60000"])
        defer { first.cleanUp() }
        try await first.start()
        let id = try first.placeOrder(amount: "3.25")
        let deadline = ContinuousClock.now + .seconds(20)
        while try first.call("GET", "/v1/orders/\(id)").json["status"] as? String != "processing", ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        // A crash leaves the socket file behind (connects are refused until a new sagad listens)
        // and the order in flight, to be recovered.
        first.signal(SIGKILL)
        _ = try await first.waitForExit()
        #expect(FileManager.default.fileExists(atPath: first.socket), "no stale socket file left to tell listening apart")

        let notify = try FakeNotifySocket()
        let second = DaemonProcess(settings: ["fulfillment.work_ms": "60000"], reuse: first,
                                   environment: ["NOTIFY_SOCKET": notify.path])
        defer { second.cleanUp() }
        try second.launch()
        let (messages, atReady) = notify.untilReady(timeout: .seconds(30)) {
            (order: Result { try UnixHTTPClient.request(socket: second.socket, "GET", "/v1/orders/\(id)", timeout: 5) },
             readyz: Result { try UnixHTTPClient.request(socket: second.socket, "GET", "/readyz", timeout: 5) })
        }
        let replies = try #require(atReady, "no READY=1 within 30 s; got \(messages)\n\(second.log)")
        let extend = messages.firstIndex { $0.contains { $0.hasPrefix("EXTEND_TIMEOUT_USEC=") } }
        #expect(extend != nil && extend! < messages.count - 1, "EXTEND_TIMEOUT_USEC did not come before READY=1: \(messages)")
        #expect(messages.last?.contains { $0.hasPrefix("STATUS=serving") } == true, "READY=1 without its STATUS: \(messages)")
        switch replies.order {
        case .success(let reply):
            #expect(reply.status == 200, "GET /v1/orders/\(id) at READY=1: \(reply.status) \(reply.text)")
            #expect(reply.json["id"] as? String == id)
            #expect(reply.json["status"] as? String == "processing", "recovered order: \(reply.text)")
        case .failure(let error):
            Issue.record("the control socket did not answer at READY=1: \(error)")
        }
        #expect((try? replies.readyz.get())?.status == 200, "/readyz at READY=1: \(replies.readyz)")
    }

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
        // Spawned outside Foundation's Process: the wrapper closes the descriptor Foundation
        // watches for the child's exit (see SpawnedChild).
        let activated = try SpawnedChild(
            ["/usr/bin/systemd-socket-activate", "-l", socketPath, "--fdname=control"]
                // The wrapper passes on only what it is told to: a coverage build's profile path too.
                + (daemon.environment["LLVM_PROFILE_FILE"] != nil ? ["-E", "LLVM_PROFILE_FILE"] : [])
                + [DaemonProcess.sagadPath] + daemon.arguments,
            environment: daemon.environment, outputPath: daemon.logPath)
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
        activated.signal(SIGTERM)
        #expect(try await activated.waitForExit() == 0)
    }
}
