import Foundation
import SagaLog
import Testing

/// Dead letters end to end on the real daemon: a record its consumer cannot handle is parked in
/// `<topic>.dlq`, listed by `GET /v1/dlq` and `sagactl dlq list`, and replayed once by
/// `POST /v1/dlq/replay` and `sagactl dlq replay`.
@Suite(.serialized) struct DeadLetterTests {
    /// Where a poison record went in the saga's log.
    struct Poison {
        var topic: String
        var partition: Int
        var offset: Int64
        var key: String
        var value: String
    }

    /// Appends a record that is not a saga event to `topic` of a stopped daemon's log, through
    /// the SagaLog library, as a buggy producer or a bad manual edit would.
    static func appendPoison(to daemon: DaemonProcess, topic: String) async throws -> Poison {
        let key = "poison-\(UUID().uuidString.prefix(6))"
        let value = #"{"not":"a saga event"}"#
        let log = try SagaLog.open(directory: daemon.stateDirectory + "/data/log")
        let position = try await log.append(
            ProducerRecord(key: key, value: Array(value.utf8), headers: [RecordHeader(name: "origin", string: "test")]),
            to: topic)
        try log.close()
        return Poison(topic: topic, partition: position.partition, offset: position.offset, key: key, value: value)
    }

    /// The dead-letter records `GET /v1/dlq` lists.
    static func deadLetters(_ daemon: DaemonProcess) throws -> [[String: Any]] {
        let reply = try daemon.call("GET", "/v1/dlq")
        guard reply.status == 200 else { throw UnixHTTPError(description: "GET /v1/dlq: \(reply.status) \(reply.text)") }
        return reply.json["records"] as? [[String: Any]] ?? []
    }

    /// The end offset of one partition, from `GET /v1/topics`.
    static func endOffset(_ daemon: DaemonProcess, topic: String, partition: Int) throws -> Int? {
        let partitions = try daemon.call("GET", "/v1/topics").json["partitions"] as? [[String: Any]] ?? []
        return partitions.first { $0["topic"] as? String == topic && $0["partition"] as? Int == partition }?["end_offset"] as? Int
    }

    static func headers(_ record: [String: Any]) -> [String: String] { record["headers"] as? [String: String] ?? [:] }

    static func json(_ output: String) throws -> [String: Any] {
        let start = try #require(output.firstIndex(of: "{"), "no JSON in: \(output)")
        return try #require((try? JSONSerialization.jsonObject(with: Data(output[start...].utf8))) as? [String: Any],
                            "not a JSON object: \(output)")
    }

    @Test func aPoisonRecordIsListedReplayedOnceAndReplayProgressSurvivesARestart() async throws {
        let first = DaemonProcess()
        defer { first.cleanUp() }
        try await first.start()
        let order = try first.placeOrder(amount: "1.00")
        #expect(try first.settledOrder(order)["status"] as? String == "finished")
        #expect(try Self.deadLetters(first).isEmpty)
        #expect(try await first.stop() == 0)

        let poison = try await Self.appendPoison(to: first, topic: "order_pending")
        let daemon = DaemonProcess(reuse: first)
        defer { daemon.cleanUp() }
        try await daemon.start()

        // Checkout cannot decode it: dead-lettered with where it came from and why.
        let listed = try await eventually("the poison record in GET /v1/dlq") {
            let records = try Self.deadLetters(daemon)
            return records.isEmpty ? nil : records
        }
        try #require(listed.count == 1, "\(listed)")
        let dead = listed[0]
        let headers = Self.headers(dead)
        #expect(dead["topic"] as? String == "order_pending.dlq")
        #expect(dead["key"] as? String == poison.key)
        #expect(dead["value"] as? String == poison.value)
        #expect(headers["dlq-original-topic"] == "order_pending")
        #expect(headers["dlq-original-partition"] == "\(poison.partition)")
        #expect(headers["dlq-original-offset"] == "\(poison.offset)")
        #expect(headers["dlq-group"] == "checkout")
        #expect(headers["dlq-error"]?.contains("order_pending") == true, "\(headers)")
        #expect(headers["dlq-replayed"] == "false")
        #expect(headers["origin"] == "test")
        let logged = try await daemon.waitForLogLine(containing: "record dead-lettered")
        #expect(logged.contains("topic=order_pending") && logged.contains("offset=\(poison.offset)"), "\(logged)")
        // The saga goes on: an order placed after the poison record still finishes.
        #expect(try daemon.settledOrder(try daemon.placeOrder(amount: "2.00"))["status"] as? String == "finished")

        // sagactl shows the same record, as JSON and as a table.
        let listJSON = try sagactl(["dlq", "list", "--json"], socket: daemon.socket)
        #expect(listJSON.status == 0, "\(listJSON.output)")
        let cliRecords = try Self.json(listJSON.output)["records"] as? [[String: Any]] ?? []
        #expect(cliRecords.count == 1)
        #expect(cliRecords.first.map(Self.headers) == headers)
        #expect(cliRecords.first?["offset"] as? Int == dead["offset"] as? Int)
        let table = try sagactl(["dlq", "list"], socket: daemon.socket)
        #expect(table.status == 0, "\(table.output)")
        #expect(table.output.contains("order_pending.dlq") && table.output.contains(poison.key), "\(table.output)")
        #expect(table.output.contains("dlq-original-offset=\(poison.offset)"), "\(table.output)")

        #expect(daemon.logLines(containing: "record dead-lettered").count == 1, "parked once, not once per retry")

        // With checkout paused, the replayed record stays where replay put it.
        #expect(try daemon.call("POST", "/v1/groups/checkout/pause").status == 200)
        let endBefore = try #require(try Self.endOffset(daemon, topic: "order_pending", partition: poison.partition))
        let replay = try daemon.call("POST", "/v1/dlq/replay", [:])
        #expect(replay.status == 200, "\(replay.text)")
        #expect(replay.json["replayed"] as? Int == 1)
        #expect(try Self.endOffset(daemon, topic: "order_pending", partition: poison.partition) == endBefore + 1)
        let back = try daemon.call("GET", "/v1/topics/order_pending/records?partition=\(poison.partition)&offset=\(endBefore)")
        let backRecords = back.json["records"] as? [[String: Any]] ?? []
        #expect(backRecords.count == 1)
        #expect(backRecords.first?["key"] as? String == poison.key)
        #expect(backRecords.first?["value"] as? String == poison.value)
        #expect(backRecords.first.map(Self.headers) == ["origin": "test"], "dlq-* headers must not travel back")

        // A second replay finds nothing new, through sagactl too.
        let again = try sagactl(["dlq", "replay", "--json"], socket: daemon.socket)
        #expect(again.status == 0, "\(again.output)")
        #expect(try Self.json(again.output)["replayed"] as? Int == 0)
        #expect(try Self.endOffset(daemon, topic: "order_pending", partition: poison.partition) == endBefore + 1)
        #expect(try Self.deadLetters(daemon).map { Self.headers($0)["dlq-replayed"] } == ["true"])
        let unknown = try sagactl(["dlq", "replay", "--topic", "no_such.dlq"], socket: daemon.socket)
        #expect(unknown.status == 1 && unknown.output.contains("no_such.dlq"), "\(unknown.output)")

        // After a restart checkout meets the replayed copy and parks it again; the replay
        // progress was kept, so only that new dead letter is replayed.
        #expect(try await daemon.stop() == 0)
        let restarted = DaemonProcess(reuse: first)
        defer { restarted.cleanUp() }
        try await restarted.start()
        let parkedAgain = try await eventually("the replayed copy dead-lettered again") {
            let records = try Self.deadLetters(restarted)
            return records.count == 2 ? records : nil
        }
        #expect(parkedAgain.map { Self.headers($0)["dlq-original-offset"] } == ["\(poison.offset)", "\(endBefore)"])
        #expect(parkedAgain.map { Self.headers($0)["dlq-replayed"] } == ["true", "false"])
        let third = try sagactl(["dlq", "replay"], socket: restarted.socket)
        #expect(third.status == 0, "\(third.output)")
        #expect(third.output.contains("replayed 1 record") && !third.output.contains("records"), "\(third.output)")
        #expect(try Self.endOffset(restarted, topic: "order_pending", partition: poison.partition) == endBefore + 2)
        #expect(try await restarted.stop() == 0)
    }
}
