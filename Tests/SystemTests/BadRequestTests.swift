import Foundation
import Testing

@Suite(.serialized, .blockingCalls) struct BadRequestTests {
    static let daemon = DaemonProcess()

    /// Sends a request and checks the problem body: status, content type, stable fields.
    func expectProblem(_ status: Int, _ method: String, _ target: String, body: String? = nil,
                       headers: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let reply = try UnixHTTPClient.request(
            socket: Self.daemon.socket, method, target, body: body.map { Data($0.utf8) }, headers: headers)
        #expect(reply.status == status, "\(method) \(target) \(body ?? "") → \(reply.status) \(reply.text)", sourceLocation: sourceLocation)
        #expect(reply.header("content-type") == "application/problem+json", sourceLocation: sourceLocation)
        let problem = reply.json
        #expect(problem["status"] as? Int == status, sourceLocation: sourceLocation)
        #expect((problem["type"] as? String)?.hasPrefix("https://sagad.dev/problems/") == true, sourceLocation: sourceLocation)
        #expect(problem["title"] is String, sourceLocation: sourceLocation)
        #expect(!(problem["detail"] as? String ?? "").isEmpty, sourceLocation: sourceLocation)
        #expect(!reply.text.contains("Swift/") && !reply.text.contains(".swift:"), sourceLocation: sourceLocation)
        return problem
    }

    @Test func badRequestsGetProblemBodiesAndLoseNothing() async throws {
        let daemon = Self.daemon
        try await daemon.start()
        defer { daemon.cleanUp() }
        let before = try daemon.call("GET", "/v1/orders").json["orders"] as? [[String: Any]]

        _ = try expectProblem(400, "POST", "/v1/orders", body: "{not json")
        _ = try expectProblem(400, "POST", "/v1/orders", body: "[1,2]")
        _ = try expectProblem(415, "POST", "/v1/orders", body: "amount=1", headers: ["Content-Type": "text/plain"])
        let wrongType = try expectProblem(422, "POST", "/v1/orders", body: #"{"amount": 12.5}"#)
        #expect(wrongType["detail"] as? String == #"'amount' must be a decimal string such as "12.34""#)
        _ = try expectProblem(422, "POST", "/v1/orders", body: #"{"amount": true}"#)
        _ = try expectProblem(422, "POST", "/v1/orders", body: #"{"account_id": 7}"#)
        _ = try expectProblem(422, "POST", "/v1/orders", body: #"{"amount": "-5.00"}"#)
        _ = try expectProblem(422, "POST", "/v1/orders", body: #"{"amount": "0"}"#)
        _ = try expectProblem(422, "POST", "/v1/orders", body: #"{"amount": "1.234"}"#)
        _ = try expectProblem(422, "POST", "/v1/orders", body: #"{"amount": "99999999999999999999"}"#)
        _ = try expectProblem(422, "POST", "/v1/orders", body: #"{"amount": "1e3"}"#)
        let unknown = try expectProblem(422, "POST", "/v1/orders", body: #"{"amount": "5", "extra": 1}"#)
        #expect(unknown["detail"] as? String == "unknown field 'extra'; allowed: account_id, amount")
        let huge = "{\"amount\": \"" + String(repeating: "1", count: 70_000) + "\"}"
        _ = try expectProblem(413, "POST", "/v1/orders", body: huge)
        _ = try expectProblem(404, "GET", "/v1/orders/no-such-order")
        _ = try expectProblem(404, "POST", "/v1/orders/no-such-order/cancel")
        _ = try expectProblem(404, "GET", "/v1/accounts/nobody")
        _ = try expectProblem(404, "GET", "/v1/nothing-here")
        let wrongMethod = try expectProblem(405, "DELETE", "/v1/orders")
        #expect((wrongMethod["detail"] as? String)?.contains("POST") == true)
        _ = try expectProblem(405, "PUT", "/v1/accounts/default")
        _ = try expectProblem(422, "GET", "/v1/orders?status=lost")
        _ = try expectProblem(422, "GET", "/v1/orders?limit=0")
        _ = try expectProblem(422, "GET", "/v1/orders/x?wait=forever")
        _ = try expectProblem(422, "POST", "/v1/accounts", body: #"{"id": "a", "balance": "-1"}"#)
        let missing = try expectProblem(422, "POST", "/v1/accounts", body: #"{"id": "a"}"#)
        #expect(missing["detail"] as? String == "'balance' is required")
        let fraction = try expectProblem(422, "POST", "/v1/groups/order/reset", body: #"{"to": "offset", "offset": 1.5}"#)
        #expect(fraction["detail"] as? String == "'offset' must be a whole number")
        _ = try expectProblem(409, "POST", "/v1/accounts", body: #"{"id": "default", "balance": "1.00"}"#)
        _ = try expectProblem(422, "POST", "/v1/accounts/default/deposit", body: #"{"amount": "0.00"}"#)
        _ = try expectProblem(404, "POST", "/v1/accounts/nobody/deposit", body: #"{"amount": "1.00"}"#)
        _ = try expectProblem(404, "GET", "/v1/topics/nope/records")
        _ = try expectProblem(409, "POST", "/v1/groups/order/reset", body: #"{"to": "earliest"}"#)
        _ = try expectProblem(404, "POST", "/v1/groups/nobody/pause")

        // Nothing was created by any of that, and the daemon is fine.
        #expect((try daemon.call("GET", "/v1/orders").json["orders"] as? [[String: Any]])?.count == before?.count)
        #expect(try daemon.call("GET", "/healthz").status == 200)
        let id = try daemon.placeOrder(amount: "1.00")
        #expect(try daemon.settledOrder(id)["status"] as? String == "finished")

        // Idempotency: a repeat returns the same order and places no second one.
        let countBefore = try orderCount(daemon)
        let first = try daemon.call("POST", "/v1/orders", ["amount": "2.00"], headers: ["Idempotency-Key": "abc"])
        #expect(first.status == 201, "first POST: \(first.status) \(first.text)")
        #expect(first.header("idempotent-replayed") == nil)
        let firstID = try #require(first.json["id"] as? String, "first POST answered no order id: \(first.text)")
        #expect(first.json["amount"] as? String == "2.00")
        let repeatReply = try daemon.call("POST", "/v1/orders", ["amount": "2.00"], headers: ["Idempotency-Key": "abc"])
        #expect(repeatReply.status == 201, "repeat POST: \(repeatReply.status) \(repeatReply.text)")
        #expect(repeatReply.json["id"] as? String == firstID)
        #expect(repeatReply.header("idempotent-replayed") == "true")
        let reused = try expectProblem(409, "POST", "/v1/orders", body: #"{"amount": "3.00"}"#, headers: ["Idempotency-Key": "abc"])
        #expect(reused["type"] as? String == "https://sagad.dev/problems/idempotency-key-reused")
        let other = try daemon.call("POST", "/v1/orders", ["amount": "2.00"], headers: ["Idempotency-Key": "abd"])
        #expect(other.status == 201)
        #expect(other.json["id"] as? String != firstID, "a different key must place a different order")
        #expect(try orderCount(daemon) == countBefore + 2)
        #expect(try await daemon.stop() == 0)
    }

    /// Every order the daemon knows, counted across pages.
    func orderCount(_ daemon: DaemonProcess) throws -> Int {
        var count = 0
        var after: String? = nil
        repeat {
            let page = try daemon.call("GET", "/v1/orders?limit=1000" + (after.map { "&after=\($0)" } ?? "")).json
            count += (page["orders"] as? [[String: Any]] ?? []).count
            after = page["next_after"] as? String
        } while after != nil
        return count
    }

    @Test func overloadGets503WithRetryAfter() async throws {
        let daemon = DaemonProcess(settings: ["order.max_in_flight": "2"])
        defer { daemon.cleanUp() }
        try await daemon.start()
        #expect(try daemon.call("POST", "/v1/groups/checkout/pause").status == 200)
        _ = try daemon.placeOrder()
        _ = try daemon.placeOrder()
        let reply = try daemon.call("POST", "/v1/orders", [:])
        #expect(reply.status == 503)
        #expect(reply.header("retry-after") == "1")
        #expect(reply.json["title"] as? String == "Too many orders in flight")
        #expect(try daemon.call("POST", "/v1/groups/checkout/resume").status == 200)
        #expect(try await daemon.stop() == 0)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool"), "promtool is not installed"))
    func promtoolAcceptsTheMetrics() async throws {
        let daemon = DaemonProcess()
        defer { daemon.cleanUp() }
        try await daemon.start()
        _ = try daemon.settledOrder(try daemon.placeOrder())
        let metrics = try daemon.call("GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("sagad_orders_created_total"))
        #expect(metrics.text.contains("sagad_saga_step_seconds"))
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/promtool")
        check.arguments = ["check", "metrics"]
        let directory = NSTemporaryDirectory() + "promtool-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try metrics.body.write(to: URL(fileURLWithPath: directory + "/metrics"))
        _ = FileManager.default.createFile(atPath: directory + "/said", contents: nil)
        check.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: directory + "/metrics"))
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/said"))
        check.standardOutput = output
        check.standardError = output
        try ProcessLauncher.run(check)
        try await check.awaitExit(within: .seconds(60), "promtool check metrics")
        let said = (try? String(contentsOfFile: directory + "/said", encoding: .utf8)) ?? ""
        #expect(check.terminationStatus == 0, "promtool: \(said)")
        #expect(try await daemon.stop() == 0)
    }
}
