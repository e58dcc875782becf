import Foundation
import Testing

@Suite(.serialized, .blockingCalls) struct SagaEndToEndTests {
    @Test func everySagaPathThroughTheRealDaemon() async throws {
        let configFile = NSTemporaryDirectory() + "sagad-e2e-\(UUID().uuidString.prefix(6)).yaml"
        try "fulfillment:\n  failure_rate: 0\n".write(toFile: configFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: configFile) }
        let daemon = DaemonProcess(arguments: ["--config", configFile])
        defer { daemon.cleanUp() }
        try await daemon.start()
        let opening = cents(try daemon.balance())

        // Happy path: finished, charged, notified.
        let happy = try daemon.placeOrder(amount: "12.34")
        let finished = try daemon.settledOrder(happy)
        #expect(finished["status"] as? String == "finished")
        #expect((finished["history"] as? [[String: Any]])?.compactMap { $0["status"] as? String } == ["created", "processing", "finished"])
        #expect(cents(try daemon.balance()) == opening - 1234)
        var notes: [[String: Any]] = []
        let noteDeadline = ContinuousClock.now + .seconds(10)
        while notes.isEmpty, ContinuousClock.now < noteDeadline {
            notes = try daemon.call("GET", "/v1/notifications?order_id=\(happy)").json["notifications"] as? [[String: Any]] ?? []
            if notes.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(notes.first?["kind"] as? String == "finished")

        // Insufficient balance: failed, nothing charged.
        #expect(try daemon.call("POST", "/v1/accounts", ["id": "poor", "balance": "1.00"]).status == 201)
        let poor = try daemon.placeOrder(amount: "5.00", account: "poor")
        #expect(try daemon.settledOrder(poor)["status"] as? String == "failed")
        #expect(try daemon.balance("poor") == "1.00")

        // Cancel before payment: pause checkout so the order stays created, cancel, resume.
        #expect(try daemon.call("POST", "/v1/groups/checkout/pause").status == 200)
        let canceled = try daemon.placeOrder(amount: "3.00")
        let cancelReply = try daemon.call("POST", "/v1/orders/\(canceled)/cancel")
        #expect(cancelReply.status == 200)
        #expect(cancelReply.json["status"] as? String == "canceled")
        #expect(try daemon.call("POST", "/v1/groups/checkout/resume").status == 200)
        #expect(try daemon.settledOrder(canceled)["status"] as? String == "canceled")
        // Past the pivot: 409.
        #expect(try daemon.call("POST", "/v1/orders/\(happy)/cancel").status == 409)

        // Reload to fail every fulfillment: failed, then refunded.
        try "fulfillment:\n  failure_rate: 1\n".write(toFile: configFile, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        let deadline = ContinuousClock.now + .seconds(10)
        while !daemon.log.contains("configuration reloaded"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(daemon.log.contains("fulfillment.failure_rate: 0.0 → 1.0"))
        let refunded = try daemon.placeOrder(amount: "7.00")
        let refundedOrder = try daemon.settledOrder(refunded)
        #expect(refundedOrder["status"] as? String == "refunded")
        #expect((refundedOrder["history"] as? [[String: Any]])?.compactMap { $0["status"] as? String }
            == ["created", "processing", "failed", "refunded"])

        // Money: only the finished order was kept (the cancel's refund, if it was charged, may
        // still be on its way).
        let settleBy = ContinuousClock.now + .seconds(15)
        while cents(try daemon.balance()) != opening - 1234, ContinuousClock.now < settleBy {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(cents(try daemon.balance()) == opening - 1234)
        #expect(try await daemon.stop() == 0)
        #expect(daemon.log.contains("log closed cleanly"))
    }

    @Test func aRestartKeepsEveryOrder() async throws {
        let daemon = DaemonProcess()
        defer { daemon.cleanUp() }
        try await daemon.start()
        let ids = try (0..<40).map { _ in try daemon.placeOrder() }
        for id in ids.suffix(5) { _ = try daemon.settledOrder(id) }
        #expect(try await daemon.stop() == 0)

        let again = DaemonProcess(reuse: daemon)
        defer { again.cleanUp() }
        try await again.start()
        for id in ids {
            let order = try again.settledOrder(id)
            #expect(order["id"] as? String == id)
            #expect(order["settled"] as? Bool == true, "\(id) is \(order["status"] ?? "missing")")
        }
        let listed = try again.call("GET", "/v1/orders?limit=1000").json["orders"] as? [[String: Any]]
        #expect(listed?.count == 40)
        #expect(try await again.stop() == 0)
    }

    @Test func theServedOpenAPIDocumentIsTheRepositoryOne() async throws {
        let daemon = DaemonProcess()
        defer { daemon.cleanUp() }
        try await daemon.start()
        let served = try daemon.call("GET", "/openapi.yaml")
        #expect(served.status == 200)
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("openapi.yaml")
        let file = try String(contentsOf: repository, encoding: .utf8)
        #expect(served.text.trimmingCharacters(in: .newlines) == file.trimmingCharacters(in: .newlines))
        #expect(try await daemon.stop() == 0)
    }
}

@Suite(.blockingCalls) struct TCPListenerTests {
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"), "curl is not installed"))
    func theOptionalLoopbackListenerServesTheSameAPI() async throws {
        let port = LoopbackHTTPClient.freePort()
        let daemon = DaemonProcess(settings: ["http.listen": "127.0.0.1:\(port)"])
        defer { daemon.cleanUp() }
        try await daemon.start()
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/healthz"]
        let pipe = Pipe()
        curl.standardOutput = pipe
        try ProcessLauncher.run(curl)
        try await curl.awaitExit(within: .seconds(30), "curl")
        #expect(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "200")
        #expect(try await daemon.stop() == 0)
    }

    @Test func aNonLoopbackListenerNeedsExplicitPermission() async throws {
        let daemon = DaemonProcess(settings: ["http.listen": "0.0.0.0:8080"])
        defer { daemon.cleanUp() }
        try daemon.launch()
        #expect(try await daemon.waitForExit() == 78)
        #expect(daemon.log.contains("http.allow_remote"))
    }
}
