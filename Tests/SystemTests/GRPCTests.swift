import Foundation
import GRPCCore
import SagaProto
import Synchronization
import Testing

/// The gRPC API (proto/sagad/v1/orders.proto) against the real daemon over its Unix socket:
/// every method, the idempotency key, and the same refusals with the same messages as HTTP.
@Suite(.blockingCalls) struct GRPCTests {
    @Test func placesGetsListsCancelsAndWatchesOrders() async throws {
        let daemon = DaemonProcess()
        defer { daemon.cleanUp() }
        try await daemon.start()
        try await withOrdersClient(socket: daemon.grpcSocket) { orders in
            // Checkout paused: the order waits in `created` until the watch has seen it, then
            // settles; the stream ends by itself, each message a new state of the order.
            #expect(try daemon.call("POST", "/v1/groups/checkout/pause").status == 200)
            // W3C Trace Context as metadata, kept with the order as over HTTP.
            let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
            let placed = try await orders.placeOrder(
                .with { $0.amount = "12.34" }, metadata: ["traceparent": "00-\(traceID)-00f067aa0ba902b7-01"])
            #expect(try daemon.call("GET", "/v1/orders/\(placed.order.id)/timeline").json["trace_id"] as? String == traceID)
            #expect(!placed.replayed)
            #expect(placed.order.amount == "12.34")
            #expect(placed.order.accountID == "default")
            let watched = try await orders.watchOrder(.with { $0.id = placed.order.id }) { response in
                var seen: [Sagad_V1_Order] = []
                for try await order in response.messages {
                    seen.append(order)
                    if seen.count == 1 { _ = try daemon.call("POST", "/v1/groups/checkout/resume") }
                }
                return seen
            }
            #expect(watched.first?.status == "created" && watched.count >= 2, "\(watched.map(\.status))")
            #expect(watched.last?.status == "finished", "\(watched.map(\.status))")
            #expect(watched.last?.settled == true)
            #expect(watched.dropLast().allSatisfy { !$0.settled })
            #expect(zip(watched, watched.dropFirst()).allSatisfy { $0.history.count < $1.history.count })

            let got = try await orders.getOrder(.with { $0.id = placed.order.id })
            #expect(got.status == "finished" && got.history.map(\.status) == ["created", "processing", "finished"])
            // The same order as the HTTP API shows it.
            let http = try daemon.call("GET", "/v1/orders/\(placed.order.id)").json
            #expect(http["status"] as? String == got.status && http["updated_at"] as? String == got.updatedAt)

            let second = try await orders.placeOrder(.with { $0.amount = "1.00" })
            let page = try await orders.listOrders(.with { $0.limit = 1 })
            #expect(page.orders.map(\.id) == [placed.order.id] && page.nextAfter == placed.order.id)
            let rest = try await orders.listOrders(.with { $0.after = page.nextAfter })
            #expect(rest.orders.map(\.id) == [second.order.id] && !rest.hasNextAfter)

            // An order still `created` (checkout paused) can be canceled, and its watch sees it.
            #expect(try daemon.call("POST", "/v1/groups/checkout/pause").status == 200)
            let waiting = try await orders.placeOrder(.with { $0.amount = "2.00" })
            async let watch = orders.watchOrder(.with { $0.id = waiting.order.id }) { response in
                var statuses: [String] = []
                for try await order in response.messages { statuses.append(order.status) }
                return statuses
            }
            let canceled = try await orders.cancelOrder(.with { $0.id = waiting.order.id })
            #expect(canceled.status == "canceled" && canceled.settled)
            #expect(try await watch.last == "canceled")
            let again = await rpcError { _ = try await orders.cancelOrder(.with { $0.id = placed.order.id }) }
            #expect(again?.code == .failedPrecondition, "\(String(describing: again))")
            #expect(try daemon.call("POST", "/v1/groups/checkout/resume").status == 200)
        }
        #expect(try await daemon.stop() == 0)
    }

    @Test func anIdempotencyKeyReplaysTheFirstOrder() async throws {
        let daemon = DaemonProcess()
        defer { daemon.cleanUp() }
        try await daemon.start()
        try await withOrdersClient(socket: daemon.grpcSocket) { orders in
            let request = Sagad_V1_PlaceOrderRequest.with { $0.amount = "3.00"; $0.idempotencyKey = "grpc-key-1" }
            let first = try await orders.placeOrder(request)
            let replay = try await orders.placeOrder(request)
            #expect(!first.replayed && replay.replayed && replay.order.id == first.order.id)
            // The key is the HTTP API's too: HTTP answers the same order.
            let http = try daemon.call("POST", "/v1/orders", ["amount": "3.00"], headers: ["Idempotency-Key": "grpc-key-1"])
            #expect(http.json["id"] as? String == first.order.id && http.header("idempotent-replayed") == "true")
            let reused = await rpcError {
                _ = try await orders.placeOrder(.with { $0.amount = "4.00"; $0.idempotencyKey = "grpc-key-1" })
            }
            #expect(reused?.code == .alreadyExists, "\(String(describing: reused))")
        }
        #expect(try daemon.allOrders().count == 1)
        #expect(try await daemon.stop() == 0)
    }

    @Test func invalidInputIsRefusedWithTheMessagesOfHTTP() async throws {
        let daemon = DaemonProcess()
        defer { daemon.cleanUp() }
        try await daemon.start()
        try await withOrdersClient(socket: daemon.grpcSocket) { orders in
            let cases: [(Sagad_V1_PlaceOrderRequest, [String: Any], [String: String])] = [
                (.with { $0.amount = "12.345" }, ["amount": "12.345"], [:]),
                (.with { $0.amount = "-1" }, ["amount": "-1"], [:]),
                (.with { $0.amount = "0" }, ["amount": "0"], [:]),
                (.with { $0.accountID = "" }, ["account_id": ""], [:]),
                (.with { $0.idempotencyKey = "" }, [:], ["Idempotency-Key": ""]),
            ]
            for (request, body, headers) in cases {
                let http = try daemon.call("POST", "/v1/orders", body, headers: headers)
                let error = await rpcError { _ = try await orders.placeOrder(request) }
                #expect([400, 422].contains(http.status), "\(http.text)")
                #expect(error?.code == .invalidArgument, "\(body): \(String(describing: error))")
                #expect(error?.message == http.json["detail"] as? String, "\(body)")
            }
            let http = try daemon.call("GET", "/v1/orders?limit=0")
            let limit = await rpcError { _ = try await orders.listOrders(.with { $0.limit = 0 }) }
            #expect(limit?.code == .invalidArgument && limit?.message == http.json["detail"] as? String)
            let badStatus = try daemon.call("GET", "/v1/orders?status=lost").json["detail"] as? String
            let status = await rpcError { _ = try await orders.listOrders(.with { $0.status = "lost" }) }
            #expect(status?.code == .invalidArgument && status?.message == badStatus)
            let notFound = try daemon.call("GET", "/v1/orders/no-such-order").json["detail"] as? String
            let missing = await rpcError { _ = try await orders.getOrder(.with { $0.id = "no-such-order" }) }
            #expect(missing?.code == .notFound && missing?.message == notFound)
            let watchMissing = await rpcError {
                try await orders.watchOrder(.with { $0.id = "no-such-order" }) { response in
                    for try await _ in response.messages {}
                }
            }
            #expect(watchMissing?.code == .notFound)
        }
        #expect(try daemon.allOrders().isEmpty, "a refused order must not be placed")
        #expect(try await daemon.stop() == 0)
    }

    /// Graceful drain: a watch still open when sagad is told to stop ends with UNAVAILABLE (so
    /// the client knows to watch again), and sagad then stops cleanly.
    @Test func aStoppingDaemonEndsItsWatchesWithUnavailable() async throws {
        let daemon = DaemonProcess()
        defer { daemon.cleanUp() }
        try await daemon.start()
        #expect(try daemon.call("POST", "/v1/groups/checkout/pause").status == 200)
        let seen = Mutex<[String]>([])
        let signalled = Mutex<ContinuousClock.Instant?>(nil)
        let error = await rpcError {
            try await withOrdersClient(socket: daemon.grpcSocket) { orders in
                let placed = try await orders.placeOrder(.init())
                try await orders.watchOrder(.with { $0.id = placed.order.id }) { response in
                    for try await order in response.messages {
                        seen.withLock { $0.append(order.status) }
                        signalled.withLock { $0 = $0 ?? .now }
                        daemon.signal(SIGTERM)
                    }
                }
            }
        }
        #expect(seen.withLock { $0 } == ["created"])
        #expect(error?.code == .unavailable, "\(String(describing: error))")
        // At once, not at the watch's next look (OrdersGRPCService.watchPoll, 300 s). Counted
        // from the signal, with room for a test run that starts dozens of daemons on two cores.
        let sent = try #require(signalled.withLock { $0 })
        #expect(ContinuousClock.now - sent < .seconds(90))
        #expect(try await daemon.waitForExit() == 0, "\(daemon.log)")
    }

    @Test func theOffSwitchLeavesNoSocketAndTheTCPListenerAsksForTheToken() async throws {
        let off = DaemonProcess(settings: ["grpc.enabled": "false"])
        defer { off.cleanUp() }
        try await off.start()
        #expect(!FileManager.default.fileExists(atPath: off.grpcSocket))
        #expect(try await off.stop() == 0)

        let (directory, tokenFile) = try TCPTokenTests.writeTokenFile()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = LoopbackHTTPClient.freePort()
        let daemon = DaemonProcess(settings: ["grpc.listen": "127.0.0.1:\(port)", "http.token_file": tokenFile])
        defer { daemon.cleanUp() }
        try await daemon.start()
        try await withOrdersClient(port: port) { orders in
            let refused = await rpcError { _ = try await orders.listOrders(.init()) }
            #expect(refused?.code == .unauthenticated, "\(String(describing: refused))")
            let wrong = await rpcError {
                _ = try await orders.listOrders(.init(), metadata: ["authorization": "Bearer wrong-token-0000000000"])
            }
            #expect(wrong?.code == .unauthenticated)
            let page = try await orders.listOrders(.init(), metadata: ["authorization": "Bearer \(TCPTokenTests.secret)"])
            #expect(page.orders.isEmpty)
        }
        // The Unix socket asks for no token, like the HTTP one.
        try await withOrdersClient(socket: daemon.grpcSocket) { orders in
            let page = try await orders.listOrders(.init())
            #expect(page.orders.isEmpty)
        }
        #expect(try await daemon.stop() == 0)
    }
}
