import Foundation
import SagaLog
import Testing

/// Dead letters end to end on the real daemon: records their consumer cannot handle are parked
/// in `<topic>.dlq`, listed by `GET /v1/dlq` and `sagactl dlq list`, and replayed once by
/// `POST /v1/dlq/replay` and `sagactl dlq replay`.
@Suite(.serialized, .blockingCalls) struct DeadLetterTests {
    /// Where a poison record went in the saga's log.
    struct Poison {
        var partition: Int
        var offset: Int64
        var key: String
    }

    static let poisonValue = #"{"not":"a saga event"}"#
    static let poisonCount = 4

    /// Appends records that are not saga events to `order_pending` of a stopped daemon's log,
    /// through the SagaLog library, as a buggy producer or a bad manual edit would.
    static func appendPoison(to daemon: DaemonProcess) async throws -> [Poison] {
        let log = try SagaLog.open(directory: daemon.stateDirectory + "/data/log")
        var poison: [Poison] = []
        for index in 0..<poisonCount {
            let key = "poison-\(index)-\(UUID().uuidString.prefix(6))"
            let position = try await log.append(
                ProducerRecord(key: key, value: Array(poisonValue.utf8), headers: [RecordHeader(name: "origin", string: "test")]),
                to: "order_pending")
            poison.append(Poison(partition: position.partition, offset: position.offset, key: key))
        }
        try log.close()
        return poison
    }

    /// The dead-letter records `GET /v1/dlq` lists.
    static func deadLetters(_ daemon: DaemonProcess) throws -> [[String: Any]] {
        let reply = try daemon.call("GET", "/v1/dlq")
        guard reply.status == 200 else { throw UnixHTTPError(description: "GET /v1/dlq: \(reply.status) \(reply.text)") }
        return reply.json["records"] as? [[String: Any]] ?? []
    }

    /// Waits until exactly `count` dead letters are listed (failing on more).
    static func waitForDeadLetters(_ daemon: DaemonProcess, count: Int) async throws -> [[String: Any]] {
        let records = try await eventually("\(count) records in GET /v1/dlq") {
            let records = try deadLetters(daemon)
            return records.count >= count ? records : nil
        }
        try #require(records.count == count, "\(records.map(headers))")
        return records
    }

    /// The end offset of each partition of `order_pending`, from `GET /v1/topics`.
    static func endOffsets(_ daemon: DaemonProcess) throws -> [Int: Int] {
        let partitions = try daemon.call("GET", "/v1/topics").json["partitions"] as? [[String: Any]] ?? []
        var ends: [Int: Int] = [:]
        for row in partitions where row["topic"] as? String == "order_pending" {
            if let partition = row["partition"] as? Int, let end = row["end_offset"] as? Int { ends[partition] = end }
        }
        return ends
    }

    /// The records of `order_pending` from `ends` on, in every partition.
    static func recordsAfter(_ ends: [Int: Int], _ daemon: DaemonProcess) throws -> [[String: Any]] {
        try ends.sorted { $0.key < $1.key }.flatMap { partition, end in
            try daemon.call("GET", "/v1/topics/order_pending/records?partition=\(partition)&offset=\(end)")
                .json["records"] as? [[String: Any]] ?? []
        }
    }

    static func headers(_ record: [String: Any]) -> [String: String] { record["headers"] as? [String: String] ?? [:] }
    static func total(_ ends: [Int: Int]) -> Int { ends.values.reduce(0, +) }

    static func json(_ output: String) throws -> [String: Any] {
        let start = try #require(output.firstIndex(of: "{"), "no JSON in: \(output)")
        return try #require((try? JSONSerialization.jsonObject(with: Data(output[start...].utf8))) as? [String: Any],
                            "not a JSON object: \(output)")
    }

    @Test func poisonRecordsAreListedReplayedOnceAndReplayProgressSurvivesARestart() async throws {
        let first = DaemonProcess()
        defer { first.cleanUp() }
        try await first.start()
        #expect(try first.settledOrder(try first.placeOrder(amount: "1.00"))["status"] as? String == "finished")
        #expect(try Self.deadLetters(first).isEmpty)
        #expect(try await first.stop() == 0)

        let poison = try await Self.appendPoison(to: first)
        let daemon = DaemonProcess(reuse: first)
        defer { daemon.cleanUp() }
        try await daemon.start()

        // Checkout cannot decode them: each is dead-lettered once, with where it came from and why.
        let listed = try await Self.waitForDeadLetters(daemon, count: poison.count)
        for record in poison {
            let dead = try #require(listed.first { $0["key"] as? String == record.key }, "\(record.key) not listed")
            let headers = Self.headers(dead)
            #expect(dead["topic"] as? String == "order_pending.dlq")
            #expect(dead["value"] as? String == Self.poisonValue)
            #expect(headers["dlq-original-topic"] == "order_pending")
            #expect(headers["dlq-original-partition"] == "\(record.partition)")
            #expect(headers["dlq-original-offset"] == "\(record.offset)")
            #expect(headers["dlq-group"] == "checkout")
            #expect(headers["dlq-error"]?.contains("order_pending@\(record.offset)") == true, "\(headers)")
            #expect(headers["dlq-replayed"] == "false")
            #expect(headers["origin"] == "test")
        }
        try await daemon.waitForLogLine(containing: "record dead-lettered", seen: poison.count - 1)
        // The saga goes on: an order placed after the poison still finishes.
        #expect(try daemon.settledOrder(try daemon.placeOrder(amount: "2.00"))["status"] as? String == "finished")
        #expect(daemon.logLines(containing: "record dead-lettered").count == poison.count, "parked once, not per retry")

        // sagactl shows the same records, as JSON and as a table.
        let listJSON = try await sagactl(["dlq", "list", "--json"], socket: daemon.socket)
        #expect(listJSON.status == 0, "\(listJSON.output)")
        let cliRecords = try Self.json(listJSON.output)["records"] as? [[String: Any]] ?? []
        #expect(cliRecords.map(Self.headers) == listed.map(Self.headers))
        #expect(cliRecords.map { $0["offset"] as? Int } == listed.map { $0["offset"] as? Int })
        let table = try await sagactl(["dlq", "list"], socket: daemon.socket)
        #expect(table.status == 0, "\(table.output)")
        let rows = table.output.split(separator: "\n").dropFirst()
        #expect(rows.count == poison.count, "\(table.output)")
        for record in poison {
            #expect(rows.contains { $0.hasPrefix("order_pending.dlq") && $0.contains(record.key)
                && $0.contains("dlq-original-offset=\(record.offset)") }, "\(table.output)")
        }

        // With checkout paused, the replayed records stay where replay put them.
        #expect(try daemon.call("POST", "/v1/groups/checkout/pause").status == 200)
        let endsBefore = try Self.endOffsets(daemon)
        let replay = try daemon.call("POST", "/v1/dlq/replay", [:])
        #expect(replay.status == 200, "\(replay.text)")
        #expect(replay.json["replayed"] as? Int == poison.count)
        let endsAfterReplay = try Self.endOffsets(daemon)
        #expect(Self.total(endsAfterReplay) == Self.total(endsBefore) + poison.count)
        let copies = try Self.recordsAfter(endsBefore, daemon)
        #expect(Set(copies.compactMap { $0["key"] as? String }) == Set(poison.map(\.key)))
        #expect(copies.allSatisfy { $0["value"] as? String == Self.poisonValue })
        #expect(copies.allSatisfy { Self.headers($0) == ["origin": "test"] }, "dlq-* headers must not travel back")

        // A second replay finds nothing new, through sagactl too.
        let again = try await sagactl(["dlq", "replay", "--json"], socket: daemon.socket)
        #expect(again.status == 0, "\(again.output)")
        #expect(try Self.json(again.output)["replayed"] as? Int == 0)
        #expect(try Self.endOffsets(daemon) == endsAfterReplay)
        #expect(try Self.deadLetters(daemon).map { Self.headers($0)["dlq-replayed"] } == Array(repeating: "true", count: poison.count))
        let unknown = try await sagactl(["dlq", "replay", "--topic", "no_such.dlq"], socket: daemon.socket)
        #expect(unknown.status == 1 && unknown.output.contains("no_such.dlq"), "\(unknown.output)")

        // After a restart (checkout still paused, until resumed) checkout meets the replayed
        // copies and parks them again; the replay progress was kept, so only those new dead
        // letters are replayed, each once, although checkout parks every copy again at once.
        #expect(try await daemon.stop() == 0)
        let restarted = DaemonProcess(reuse: first)
        defer { restarted.cleanUp() }
        try await restarted.start()
        #expect(try restarted.call("POST", "/v1/groups/checkout/resume").status == 200)
        let parkedAgain = try await Self.waitForDeadLetters(restarted, count: 2 * poison.count)
        let copyPositions = Set(copies.map { "\($0["partition"] as? Int ?? -1)@\($0["offset"] as? Int ?? -1)" })
        let fresh = parkedAgain.filter { Self.headers($0)["dlq-replayed"] == "false" }
        #expect(Set(fresh.map { "\(Self.headers($0)["dlq-original-partition"] ?? "")@\(Self.headers($0)["dlq-original-offset"] ?? "")" })
            == copyPositions)
        #expect(parkedAgain.filter { Self.headers($0)["dlq-replayed"] == "true" }.count == poison.count)
        let third = try await sagactl(["dlq", "replay"], socket: restarted.socket)
        #expect(third.status == 0, "\(third.output)")
        #expect(third.output == "replayed \(poison.count) records\n", "\(third.output)")
        #expect(Self.total(try Self.endOffsets(restarted)) == Self.total(endsAfterReplay) + poison.count)
        #expect(try await restarted.stop() == 0)
    }
}
