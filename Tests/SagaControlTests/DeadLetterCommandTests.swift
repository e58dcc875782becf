import Foundation
import Testing
@testable import SagaControl

/// `sagactl dlq list|replay` against a fake daemon: the requests they send and what they print.
@Suite("dlq commands", .serialized)
struct DeadLetterCommandTests {
    static let deadLetter = """
        {"records":[{"topic":"order_pending.dlq","partition":0,"offset":3,"timestamp":"2025-03-01T10:00:00.125Z",
         "key":"ord_9","value":"{\\"not\\":\\"an event\\"}",
         "headers":{"dlq-replayed":"false","dlq-original-topic":"order_pending","dlq-original-offset":"41",
                    "dlq-error":"cannot decode"}}]}
        """

    @Test("dlq list --limit asks for that many and prints one row per record, headers sorted, value last")
    func list() async throws {
        let server = try FakeSagad { _ in .json(200, Self.deadLetter) }
        defer { server.stop() }
        let console = RecordingConsole()
        let status = try await DeadLetterListCommand.parse(["--limit", "5"]).execute(socketPath: server.socketPath, console: console)
        #expect(status == 0, "\(console.errors)")
        #expect(server.requests.map { "\($0.method) \($0.uri)" } == ["GET /v1/dlq?limit=5"])
        let at = TimestampFormatter(includeMilliseconds: true).format("2025-03-01T10:00:00.125Z")
        let headers = "{dlq-error=cannot decode, dlq-original-offset=41, dlq-original-topic=order_pending, dlq-replayed=false}"
        #expect(console.output.count == 2, "\(console.output)")
        #expect(console.output.first?.split(separator: " ", omittingEmptySubsequences: true)
            == ["TOPIC", "PARTITION", "OFFSET", "KEY", "AT", "HEADERS", "VALUE"])
        let row = try #require(console.output.last)
        #expect(row.hasPrefix("order_pending.dlq"), "\(row)")
        let expectedOrder = ["order_pending.dlq", " 3 ", "ord_9", at, headers, #"{"not":"an event"}"#]
        let positions = expectedOrder.compactMap { row.range(of: $0)?.lowerBound }
        #expect(positions.count == expectedOrder.count && positions == positions.sorted(), "\(row)")
    }

    @Test("dlq replay sends the topic when given, nothing otherwise, and prints the count")
    func replay() async throws {
        let server = try FakeSagad { request in
            .json(200, request.body.contains("order_pending.dlq") ? #"{"replayed":3}"# : #"{"replayed":1}"#)
        }
        defer { server.stop() }
        let console = RecordingConsole()
        let one = try await DeadLetterReplayCommand.parse(["--topic", "order_pending.dlq"])
            .execute(socketPath: server.socketPath, console: console)
        let all = try await DeadLetterReplayCommand.parse([]).execute(socketPath: server.socketPath, console: console)
        #expect(one == 0 && all == 0, "\(console.errors)")
        #expect(server.requests.map { "\($0.method) \($0.uri)" } == ["POST /v1/dlq/replay", "POST /v1/dlq/replay"])
        let bodies = server.requests.map { (try? JSONSerialization.jsonObject(with: Data($0.body.utf8))) as? [String: String] }
        #expect(bodies == [["topic": "order_pending.dlq"], [:]])
        #expect(console.output == ["replayed 3 records", "replayed 1 record"])
    }

    @Test("an unknown dead-letter topic: exit 1 with the daemon's message")
    func unknownTopic() async throws {
        let server = try FakeSagad { _ in .problem(404, title: "Not found", detail: "unknown topic 'nope.dlq'") }
        defer { server.stop() }
        let console = RecordingConsole()
        let status = try await DeadLetterReplayCommand.parse(["--topic", "nope.dlq"])
            .execute(socketPath: server.socketPath, console: console)
        #expect(status == 1)
        #expect(console.errors == "sagactl: Not found: unknown topic 'nope.dlq'\n")
        #expect(console.output.isEmpty)
    }
}
