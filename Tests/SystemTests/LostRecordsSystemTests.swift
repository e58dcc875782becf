import Foundation
import Testing

/// The active segment of a partition deleted while sagad was down (issue 10, fault 5): the next
/// start reports the records the groups had consumed past the new end as lost — `/healthz`
/// fails with `log_recovery`, `GET /v1/lost-records` lists them — until an operator
/// acknowledges them; new orders meanwhile go through.
@Suite(.blockingCalls) struct LostRecordsSystemTests {
    @Test func aDeletedActiveSegmentFailsHealthUntilAcknowledged() async throws {
        let daemon = DaemonProcess()
        defer { daemon.cleanUp() }
        try await daemon.start()
        for _ in 0..<6 { _ = try daemon.settledOrder(try daemon.placeOrder(amount: "1.00")) }
        #expect(try daemon.call("GET", "/v1/lost-records").json["lost"] as? [Any] != nil)
        #expect(try await daemon.stop() == 0)

        // Delete the active (here the only) segment of the partition holding most records.
        let log = daemon.stateDirectory + "/data/log/"
        let partitions = try FileManager.default.contentsOfDirectory(atPath: log).filter { $0.hasPrefix("order_pending-") }
        let sizes = try partitions.map { name -> (String, Int) in
            let files = try FileManager.default.contentsOfDirectory(atPath: log + name).filter { $0.hasSuffix(".log") }.sorted()
            let size = try FileManager.default.attributesOfItem(atPath: log + name + "/" + files.last!)[.size] as? Int ?? 0
            return (log + name + "/" + files.last!, size)
        }
        let victim = try #require(sizes.max { $0.1 < $1.1 })
        try FileManager.default.removeItem(atPath: victim.0)

        let again = DaemonProcess(reuse: daemon)
        defer { again.cleanUp() }
        try await again.start()
        let health = try again.health()
        #expect(health.status == 503)
        #expect(health.checks["log_recovery"]?.contains("records missing from the log: order_pending/") == true, "\(health)")
        let lost = try again.call("GET", "/v1/lost-records").json["lost"] as? [[String: Any]] ?? []
        #expect(!lost.isEmpty && lost.allSatisfy { $0["topic"] as? String == "order_pending" && ($0["up_to"] as? Int ?? 0) > 0 }, "\(lost)")
        #expect(again.logLines(containing: "records are missing from the log").count == lost.count)
        // The saga goes on meanwhile.
        #expect(try again.settledOrder(try again.placeOrder(amount: "2.00"))["status"] as? String == "finished")

        let acknowledged = try again.call("POST", "/v1/lost-records/acknowledge")
        #expect(acknowledged.status == 200 && (acknowledged.json["lost"] as? [Any])?.isEmpty == true, "\(acknowledged.text)")
        #expect(try again.health().status == 200)
        #expect(try await again.stop() == 0)
        let third = DaemonProcess(reuse: daemon)
        defer { third.cleanUp() }
        try await third.start()
        #expect(try third.health().status == 200, "acknowledged losses stay acknowledged")
        #expect(try await third.stop() == 0)
    }
}
