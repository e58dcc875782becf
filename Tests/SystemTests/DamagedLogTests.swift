import Foundation
import Testing

/// A flipped byte in a closed segment of the real daemon's log, in records a consumer group
/// has not read yet: the group stops at the damaged record and `/healthz` names it, the other
/// partition settles, and no order behind the damage is skipped or lost (they wait, `created`).
@Suite(.serialized, .blockingCalls) struct DamagedLogTests {
    /// The partitions of `topic` from `GET /v1/topics`, by number.
    static func partitions(_ daemon: DaemonProcess, topic: String) throws -> [Int: [String: Any]] {
        let rows = try daemon.call("GET", "/v1/topics").json["partitions"] as? [[String: Any]] ?? []
        var byNumber: [Int: [String: Any]] = [:]
        for row in rows where row["topic"] as? String == topic {
            if let partition = row["partition"] as? Int { byNumber[partition] = row }
        }
        return byNumber
    }

    /// The frames of a segment file: (file position, offset) of each, read from the layout
    /// (u32 length at 0, i64 offset at 10).
    static func frames(of path: String) throws -> [(position: Int, offset: Int64)] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var frames: [(Int, Int64)] = []
        var position = 0
        while position + 26 <= bytes.count {
            let length = bytes[position..<position + 4].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            guard length >= 36, position + length <= bytes.count else { break }
            let offset = bytes[position + 10..<position + 18].enumerated().reduce(Int64(0)) { $0 | Int64($1.element) << (8 * $1.offset) }
            frames.append((position, offset))
            position += length
        }
        return frames
    }

    /// Runs `daemon` (with small segments) until order_pending/0 has a closed segment holding
    /// records checkout (paused meanwhile) has not read, stops it, and flips a byte in one of
    /// them. Returns the damaged frame, its segment file and the orders placed.
    static func damage(_ daemon: DaemonProcess) async throws
        -> (damaged: (position: Int, offset: Int64), segment: String, placed: [String])
    {
        try await daemon.start()
        // Checkout paused: its share of the order events stays unread, in segments that roll.
        #expect(try daemon.call("POST", "/v1/groups/checkout/pause").status == 200)
        var placed: [String] = []
        try await waitUntil("order_pending/0 to roll a segment", timeout: .seconds(90)) {
            for _ in 0..<50 { placed.append(try daemon.placeOrder(amount: "1.00")) }
            return (try Self.partitions(daemon, topic: "order_pending")[0]?["segments"] as? Int ?? 0) >= 2
        }
        #expect(try await daemon.stop() == 0)

        // Flip a byte inside a record in the middle of the closed (first) segment of partition 0.
        let directory = daemon.stateDirectory + "/data/log/order_pending-0"
        let closed = directory + "/" + (try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".log") }.sorted().first!)
        let frames = try Self.frames(of: closed)
        try #require(frames.count > 10)
        let damaged = frames[frames.count / 2]
        let file = try FileHandle(forUpdating: URL(fileURLWithPath: closed))
        try file.seek(toOffset: UInt64(damaged.position + 30))
        let original = try #require(try file.read(upToCount: 1)?.first)
        try file.seek(toOffset: UInt64(damaged.position + 30))
        try file.write(contentsOf: Data([original ^ 0xFF]))
        try file.close()
        return (damaged, closed, placed)
    }

    @Test func aDamagedRecordStopsOnlyItsPartitionAndHealthNamesIt() async throws {
        let daemon = DaemonProcess(settings: ["log.segment_bytes": "65536"])
        defer { daemon.cleanUp() }
        let (damaged, _, placed) = try await Self.damage(daemon)

        // The pause outlives the restart; resuming lets checkout read up to the damage.
        let restarted = DaemonProcess(reuse: daemon)
        defer { restarted.cleanUp() }
        try await restarted.start()
        #expect(try restarted.call("POST", "/v1/groups/checkout/resume").status == 200)
        let answer = try await restarted.waitForHealth(timeout: .seconds(30)) { $0.status == 503 }
        #expect(answer.status == 503, "\(answer)")
        let reads = answer.checks["log_reads"] ?? ""
        #expect(reads.contains("group checkout stuck at order_pending/0 offset \(damaged.offset)"), "\(answer)")
        #expect(reads.contains("damaged"), "\(reads)")
        #expect(answer.checks.filter { $0.key != "log_reads" }.values.allSatisfy { $0 == "ok" }, "\(answer)")

        // Partition 1 and partition 0 up to the damage settle; from the damage on, orders wait.
        try await waitUntil("checkout to reach the damaged record", timeout: .seconds(60), every: .milliseconds(100)) {
            let lag = try restarted.call("GET", "/v1/groups").json["groups"] as? [[String: Any]] ?? []
            return lag.contains { $0["group"] as? String == "checkout" && $0["topic"] as? String == "order_pending"
                && $0["partition"] as? Int == 0 && $0["committed_offset"] as? Int == Int(damaged.offset) }
        }
        let ends = try Self.partitions(restarted, topic: "order_pending")
        let stuck = (ends[0]?["end_offset"] as? Int ?? 0) - Int(damaged.offset)
        // Everything else settles; exactly the orders behind the damage wait (none skipped).
        var waiting = -1
        try await waitUntil("only the \(stuck) orders behind the damage to be left created (\(waiting) are)",
                            timeout: .seconds(90), every: .milliseconds(250)) {
            waiting = try restarted.allOrders(status: "created").count
            return waiting == stuck
        }
        #expect(waiting == stuck, "\(waiting) created, \(stuck) behind the damage")
        #expect(try restarted.allOrders().count == placed.count, "every acknowledged order is still known")
        #expect(restarted.logLines(containing: "consumer group cannot read on").count == 1, "\(restarted.log)")
        #expect(try await restarted.stop() == 0)
    }

    /// The operator's way out: `sagactl log verify` names the damaged range (offsets, segment,
    /// byte), `sagactl group skip` moves the paused group past it (on the record), and then
    /// health is ok and every other order settles; the one whose event was skipped is canceled.
    @Test func verifyNamesTheDamageAndSkipMovesTheGroupOn() async throws {
        let daemon = DaemonProcess(settings: ["log.segment_bytes": "65536"])
        defer { daemon.cleanUp() }
        let (damaged, segment, placed) = try await Self.damage(daemon)
        let restarted = DaemonProcess(reuse: daemon)
        defer { restarted.cleanUp() }
        try await restarted.start()
        #expect(try restarted.call("POST", "/v1/groups/checkout/resume").status == 200)
        try await waitUntil("checkout to stall on the damaged record", timeout: .seconds(30), every: .milliseconds(50)) {
            try restarted.health().checks["log_reads"]?.contains("offset \(damaged.offset)") == true
        }

        let verify = try await sagactl(["log", "verify", "--topic", "order_pending"], socket: restarted.socket)
        #expect(verify.status == 1, "\(verify.output)")
        let row = "order_pending  0  \(damaged.offset)..<\(damaged.offset + 1)  \(segment)  \(damaged.position)"
        #expect(verify.output.split(separator: "\n").contains { $0.replacingOccurrences(of: " +", with: "  ", options: .regularExpression)
            .hasPrefix(row) }, "\(row)\n\(verify.output)")
        let clean = try restarted.call("GET", "/v1/log/verify?topic=order_pending&partition=1").json
        #expect((clean["damaged"] as? [Any])?.isEmpty == true && clean["records"] as? Int ?? 0 > 0, "\(clean)")

        // Skip needs the group paused; then it moves past the damage and reads on.
        let refused = try await sagactl(["group", "skip", "checkout", "--topic", "order_pending", "--partition", "0",
                                         "--to", "\(damaged.offset + 1)"], socket: restarted.socket)
        #expect(refused.status == 1 && refused.output.contains("pause the group first"), "\(refused.output)")
        #expect(try await sagactl(["group", "pause", "checkout"], socket: restarted.socket).status == 0)
        let skip = try await sagactl(["group", "skip", "checkout", "--topic", "order_pending", "--partition", "0",
                                      "--to", "\(damaged.offset + 1)"], socket: restarted.socket)
        #expect(skip.status == 0 && skip.output.contains("offsets \(damaged.offset)..<\(damaged.offset + 1)"), "\(skip.output)")
        #expect(restarted.logLines(containing: "moved past records by an operator").count == 1)
        #expect(try await sagactl(["group", "resume", "checkout"], socket: restarted.socket).status == 0)
        let healthy = try await restarted.waitForHealth(timeout: .seconds(30)) { $0.status == 200 }
        #expect(healthy.status == 200, "\(healthy)")

        // Every other order settles; the skipped one stays created until the operator cancels it.
        var created: [[String: Any]] = []
        try await waitUntil("only the skipped order to be left created (\(created.count) are)", timeout: .seconds(60),
                            every: .milliseconds(200)) {
            created = try restarted.allOrders(status: "created")
            let unsettled = try restarted.allOrders().filter { $0["settled"] as? Bool != true }.count
            return created.count == 1 && unsettled == 1
        }
        let skippedOrder = try #require(created.first?["id"] as? String)
        #expect(try restarted.call("POST", "/v1/orders/\(skippedOrder)/cancel").status == 200)
        #expect(try restarted.settledOrder(skippedOrder)["status"] as? String == "canceled")
        #expect(try restarted.allOrders().count == placed.count)
        #expect(try restarted.call("GET", "/v1/ledger").json["balanced"] as? Bool == true)
        #expect(try await restarted.stop() == 0)
    }
}
