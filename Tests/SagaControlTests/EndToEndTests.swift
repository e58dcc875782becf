import Foundation
import Testing
@testable import SagaControl

/// An order body as sagad sends it.
private func orderJSON(_ id: String, status: String, amount: String = "12.34", account: String = "alice",
                       settled: Bool = false, history: String? = nil) -> String {
    var body = #"{"id":"\#(id)","status":"\#(status)","amount":"\#(amount)","account_id":"\#(account)","#
        + #""created_at":"2025-03-01T10:00:00Z","updated_at":"2025-03-01T10:00:01.250Z","settled":\#(settled)"#
    if let history { body += #","history":\#(history)"# }
    return body + "}"
}

/// Counts calls across the fake server's thread.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.withLock { value += 1; return value } }
}

@Suite("over a real socket", .serialized)
struct EndToEndTests {
    @Test("order create: sends the JSON body and Idempotency-Key, prints the 201 order")
    func orderCreate() async throws {
        let server = try FakeSagad { _ in .json(201, orderJSON("ord_1", status: "created")) }
        defer { server.stop() }
        let console = RecordingConsole()
        let command = try OrderCreateCommand.parse(["--amount", "12.34", "--account", "alice", "--idempotency-key", "k-1"])
        let status = await command.execute(socketPath: server.socketPath, console: console)

        #expect(status == 0)
        #expect(console.errors.isEmpty)
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.uri == "/v1/orders")
        #expect(request.headers["idempotency-key"] == "k-1")
        #expect(request.headers["content-type"] == "application/json")
        let sent = try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: String]
        #expect(sent == ["amount": "12.34", "account_id": "alice"])
        let created = TimestampFormatter().format("2025-03-01T10:00:00Z")
        #expect(console.output == [
            "id       ord_1",
            "status   created",
            "amount   12.34",
            "account  alice",
            "created  \(created)",
            "updated  \(TimestampFormatter().format("2025-03-01T10:00:01.250Z"))",
            "settled  no",
        ])
    }

    @Test("--json prints the daemon's body pretty-printed")
    func jsonOutput() async throws {
        let server = try FakeSagad { _ in .json(200, #"{"id":"alice","balance":"100.00"}"#) }
        defer { server.stop() }
        let console = RecordingConsole()
        let status = try await AccountGetCommand.parse(["alice", "--json"])
            .execute(socketPath: server.socketPath, console: console)
        #expect(status == 0)
        #expect(console.output == ["{", #"  "balance" : "100.00","#, #"  "id" : "alice""#, "}"])
        #expect(server.requests.map(\.uri) == ["/v1/accounts/alice"])
    }

    @Test("a 409 problem: exit code 1 and 'sagactl: <title>: <detail>' on stderr")
    func conflictProblem() async throws {
        let server = try FakeSagad { _ in
            .problem(409, title: "Order cannot be canceled", detail: "order ord_1 is processing")
        }
        defer { server.stop() }
        let console = RecordingConsole()
        let status = try await OrderCancelCommand.parse(["ord_1"]).execute(socketPath: server.socketPath, console: console)
        #expect(status == 1)
        #expect(console.errors == "sagactl: Order cannot be canceled: order ord_1 is processing\n")
        #expect(console.output.isEmpty)
        #expect(server.requests.map { "\($0.method) \($0.uri)" } == ["POST /v1/orders/ord_1/cancel"])
    }

    @Test("order list --all follows next_after and prints one aligned table")
    func orderListAll() async throws {
        let server = try FakeSagad { request in
            if request.uri.contains("after=ord_2") {
                return .json(200, #"{"orders":[\#(orderJSON("ord_3", status: "failed", amount: "7.5", account: "bob"))],"next_after":null}"#)
            }
            let page = [orderJSON("ord_1", status: "finished"), orderJSON("ord_2", status: "processing", amount: "100.00")]
            return .json(200, #"{"orders":[\#(page.joined(separator: ","))],"next_after":"ord_2"}"#)
        }
        defer { server.stop() }
        let console = RecordingConsole()
        let status = try await OrderListCommand.parse(["--all", "--limit", "2", "--status", "finished"])
            .execute(socketPath: server.socketPath, console: console)
        #expect(status == 0)
        #expect(server.requests.map(\.uri) == [
            "/v1/orders?status=finished&limit=2", "/v1/orders?status=finished&limit=2&after=ord_2",
        ])
        let created = TimestampFormatter().format("2025-03-01T10:00:00Z")
        #expect(console.output == [
            "ID     STATUS      AMOUNT  ACCOUNT  CREATED",
            "ord_1  finished     12.34  alice    \(created)",
            "ord_2  processing  100.00  alice    \(created)",
            "ord_3  failed         7.5  bob      \(created)",
        ])
    }

    static let threePartitions = """
        {"partitions":[
         {"topic":"order_pending","partition":1,"start_offset":0,"end_offset":1200,"bytes":301234,"segments":2},
         {"topic":"checkout_successful","partition":0,"start_offset":40,"end_offset":980,"bytes":190000,"segments":1},
         {"topic":"order_pending","partition":0,"start_offset":0,"end_offset":1187,"bytes":298001,"segments":2}]}
        """

    @Test("topics prints one row per topic: TOPIC, PARTITIONS, RECORDS, BYTES, SEGMENTS sorted")
    func topics() async throws {
        let server = try FakeSagad { _ in .json(200, Self.threePartitions) }
        defer { server.stop() }
        let console = RecordingConsole()
        let status = try await TopicsCommand.parse([]).execute(socketPath: server.socketPath, console: console)
        #expect(status == 0)
        #expect(console.output == [
            "TOPIC                PARTITIONS  RECORDS   BYTES  SEGMENTS",
            "checkout_successful           1      940  190000         1",
            "order_pending                 2     2387  599235         4",
        ])
    }

    @Test("topics --partitions prints TOPIC, PARTITION, START, END, BYTES, SEGMENTS sorted")
    func topicPartitions() async throws {
        let server = try FakeSagad { _ in .json(200, Self.threePartitions) }
        defer { server.stop() }
        let console = RecordingConsole()
        let status = try await TopicsCommand.parse(["--partitions"]).execute(socketPath: server.socketPath, console: console)
        #expect(status == 0)
        #expect(console.output == [
            "TOPIC                PARTITION  START   END   BYTES  SEGMENTS",
            "checkout_successful          0     40   980  190000         1",
            "order_pending                0      0  1187  298001         2",
            "order_pending                1      0  1200  301234         2",
        ])
    }

    @Test("bench retries a 503 after Retry-After, counts it, and reports final statuses")
    func benchRetriesOverload() async throws {
        let posts = Counter()
        let server = try FakeSagad { request in
            if request.method == "POST" {
                let number = posts.next()
                if number == 1 {
                    return FakeSagad.Response(status: 503, headers: [
                        "Content-Type": "application/problem+json", "Retry-After": "1",
                    ], body: #"{"type":"about:blank","title":"Overloaded","status":503}"#)
                }
                return .json(201, orderJSON("ord_\(number)", status: "created"))
            }
            let id = String(request.path.split(separator: "/").last ?? "")
            let final = id == "ord_2" ? "refunded" : "finished"
            return .json(200, orderJSON(id, status: final, settled: true))
        }
        defer { server.stop() }
        let console = RecordingConsole()
        let status = try await BenchCommand.parse(["--orders", "3", "--concurrency", "2", "--json", "--amount", "1.00",
                                                   "--account", "shop"])
            .execute(socketPath: server.socketPath, console: console)
        #expect(status == 0)

        let summary = try JSONDecoder().decode(BenchSummary.self, from: Data(console.output.joined(separator: "\n").utf8))
        #expect(summary.overloadRetries == 1)
        #expect(summary.statuses == ["finished": 2, "refunded": 1])
        #expect(summary.completed == 3)
        #expect(summary.createToTerminal.count == 3)
        #expect(summary.createRequest.count == 3)
        #expect(summary.wallTimeSeconds >= 1)  // waited out Retry-After
        let requests = server.requests
        let creates = requests.filter { $0.method == "POST" }
        #expect(creates.allSatisfy { Self.object($0.body) == ["amount": "1.00", "account_id": "shop"] }, "\(creates.map(\.body))")
        let keys = creates.compactMap { $0.headers["idempotency-key"] }
        #expect(keys.count == 4)
        #expect(Set(keys).count == 3)  // the overloaded create was resent under its own key
        let polls = requests.filter { $0.method == "GET" }.map(\.uri).sorted()
        #expect(polls.count == 3)
        #expect(polls.allSatisfy { $0.hasSuffix("?wait=terminal&timeout=60") })
        #expect(console.errors.contains("3/3 orders (100%)"))
    }

    static func object(_ body: String) -> [String: String] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: String] ?? [:]
    }

    @Test("bench --rate funds its own account and sends on a schedule (open loop)")
    func benchOpenLoop() async throws {
        let server = try FakeSagad { request in
            if request.method == "POST", request.path == "/v1/accounts" {
                return .json(201, #"{"id":"x","balance":"100000000000.00"}"#)
            }
            if request.method == "POST" { return .json(201, orderJSON("ord_\(UUID().uuidString.prefix(6))", status: "created")) }
            let id = String(request.path.split(separator: "/").last ?? "")
            return .json(200, orderJSON(id, status: "finished", settled: true))
        }
        defer { server.stop() }
        let console = RecordingConsole()
        let started = ContinuousClock.now
        let status = try await BenchCommand.parse(["--rate", "20", "--duration", "0.5", "--json"])
            .execute(socketPath: server.socketPath, console: console)
        #expect(status == 0)
        let summary = try JSONDecoder().decode(BenchSummary.self, from: Data(console.output.joined(separator: "\n").utf8))
        #expect(summary.orders == 10 && summary.completed == 10 && summary.offeredRate == 20)
        // Ten orders at 20/s: the last one is sent 450 ms after the first, not all at once.
        #expect(ContinuousClock.now - started >= .milliseconds(450))
        let funding = try #require(server.requests.first { $0.path == "/v1/accounts" })
        let account = try #require(Self.object(funding.body)["id"])
        #expect(account.hasPrefix("bench-") && summary.account == account)
        let creates = server.requests.filter { $0.method == "POST" && $0.path == "/v1/orders" }
        #expect(creates.count == 10 && creates.allSatisfy { Self.object($0.body)["account_id"] == account })
    }

    @Test("order watch long-polls with seen=N and prints each transition once")
    func orderWatch() async throws {
        let history = [
            #"{"status":"created","at":"2025-03-01T10:00:00Z","reason":null}"#,
            #"{"status":"processing","at":"2025-03-01T10:00:01Z","reason":"payment captured"}"#,
            #"{"status":"finished","at":"2025-03-01T10:00:02Z","reason":"fulfilled"}"#,
        ]
        let server = try FakeSagad { request in
            let shown = request.uri.contains("seen=0") ? 1 : 3
            let entries = "[" + history.prefix(shown).joined(separator: ",") + "]"
            return .json(200, orderJSON("ord_9", status: shown == 3 ? "finished" : "created",
                                        settled: shown == 3, history: entries))
        }
        defer { server.stop() }
        let console = RecordingConsole()
        let status = try await OrderWatchCommand.parse(["ord_9"]).execute(socketPath: server.socketPath, console: console)
        #expect(status == 0)
        #expect(server.requests.map(\.uri) == [
            "/v1/orders/ord_9?wait=change&seen=0&timeout=30", "/v1/orders/ord_9?wait=change&seen=1&timeout=30",
        ])
        #expect(console.output.count == 3)
        #expect(console.output.map { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst(2).first }
            == ["created", "processing", "finished"])
        #expect(console.output[1].hasSuffix("processing  payment captured"))
    }
}

@Suite struct TailCommandTests {
    /// Two partitions of `t`: partition 0 holds offsets 0-2, partition 1 offsets 0-1, interleaved in time.
    static func server() throws -> FakeSagad {
        try FakeSagad { request in
            if request.path == "/v1/topics" {
                return .json(200, """
                    {"partitions":[{"topic":"t","partition":0,"start_offset":0,"end_offset":3,"bytes":1,"segments":1},
                     {"topic":"t","partition":1,"start_offset":0,"end_offset":2,"bytes":1,"segments":1}]}
                    """)
            }
            let query = URLComponents(string: request.uri)?.queryItems ?? []
            let partition = Int(query.first { $0.name == "partition" }?.value ?? "") ?? -1
            let from = Int(query.first { $0.name == "offset" }?.value ?? "") ?? 0
            let seconds = partition == 0 ? [1, 3, 5] : [2, 4]
            let records = seconds.enumerated().filter { $0.offset >= from }.map { offset, second in
                #"{"topic":"t","partition":\#(partition),"offset":\#(offset),"timestamp":"2025-03-01T10:00:0\#(second).000Z","key":"k\#(partition)","value":"v\#(second)","headers":{}}"#
            }
            return .json(200, #"{"records":[\#(records.joined(separator: ","))]}"#)
        }
    }

    @Test("tail reads every partition and prints the latest records in time order")
    func everyPartitionInTimeOrder() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let console = RecordingConsole()
        let status = try await TailCommand.parse(["t", "--last", "3"]).execute(socketPath: server.socketPath, console: console)
        #expect(status == 0)
        #expect(console.output.map { $0.split(separator: " ").last.map(String.init) ?? "" } == ["v3", "v4", "v5"])
        #expect(console.output.first?.hasPrefix("0/1  ") == true, "\(console.output)")
    }

    @Test("tail --partition reads one partition; --from-beginning prints all it keeps")
    func onePartitionFromTheBeginning() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let console = RecordingConsole()
        let status = try await TailCommand.parse(["t", "--partition", "1", "--from-beginning"])
            .execute(socketPath: server.socketPath, console: console)
        #expect(status == 0)
        #expect(console.output.map { $0.split(separator: " ").last.map(String.init) ?? "" } == ["v2", "v4"])
        #expect(server.requests.allSatisfy { !$0.uri.contains("partition=0") })
    }

    @Test("tail of an unknown topic exits 1 and names it")
    func unknownTopic() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let console = RecordingConsole()
        let status = try await TailCommand.parse(["nope"]).execute(socketPath: server.socketPath, console: console)
        #expect(status == 1)
        #expect(console.errors.contains("no topic nope"))
    }
}
