import Foundation
import Testing

/// Issue 10, fault 1, end to end: sagad with few file descriptors (256) and clients holding
/// more idle connections than that. The connection limit refuses the excess with a problem at
/// once, so sagad never runs out: requests meanwhile get a clear 503, never a 500; once the
/// idle clients go, orders go through, settle, and every event id is distinct (out of
/// descriptors, ids once were all the zero UUID).
@Suite(.blockingCalls) struct DescriptorExhaustionTests {
    @Test func idleConnectionsBeyondTheDescriptorsGetAClearRefusalAndLoseNothing() async throws {
        // sagad itself holds about 100 descriptors (databases, segments, event loops): the limit
        // leaves room for them and for the connections it is refusing at any moment.
        let daemon = DaemonProcess(settings: ["control.max_connections": "100"])
        defer { daemon.cleanUp() }
        try FileManager.default.createDirectory(atPath: daemon.stateDirectory, withIntermediateDirectories: true)
        let sagad = try SpawnedChild(
            ["/usr/bin/prlimit", "--nofile=256:256", DaemonProcess.sagadPath] + daemon.arguments,
            environment: daemon.environment, outputPath: daemon.logPath)
        try await eventually("sagad to become ready", timeout: .seconds(30)) {
            try UnixHTTPClient.request(socket: daemon.socket, "GET", "/readyz", timeout: 2).status == 200 ? true : nil
        }

        // 300 idle connections: more than sagad has descriptors.
        var idle: [RawConnection] = []
        for _ in 0..<300 { if let connection = try? RawConnection(socket: daemon.socket) { idle.append(connection) } }
        var refusals = 0
        for _ in 0..<20 {
            let reply = try UnixHTTPClient.json(socket: daemon.socket, "POST", "/v1/orders", ["amount": "1.00"])
            #expect(reply.status == 503 && reply.text.contains("too-many-connections"), "\(reply.status) \(reply.text)")
            if reply.status == 503 { refusals += 1 }
        }
        #expect(sagad.isRunning, "sagad died holding \(idle.count) connections:\n\(daemon.log)")

        // The idle clients go; orders go through and settle, each event with its own id.
        idle.removeAll()
        try await eventually("requests to get through again") { try daemon.call("GET", "/healthz").status == 200 ? true : nil }
        var placed: [String] = []
        for _ in 0..<40 { placed.append(try daemon.placeOrder(amount: "1.00")) }
        for id in placed { #expect(try daemon.settledOrder(id)["status"] as? String == "finished") }
        var eventIDs: [String] = []
        for partition in 0..<2 {
            let page = try daemon.call("GET", "/v1/topics/order_pending/records?partition=\(partition)&limit=1000")
            let records = page.json["records"] as? [[String: Any]] ?? []
            eventIDs += records.compactMap { ($0["headers"] as? [String: String])?["event-id"] }
        }
        #expect(eventIDs.count == placed.count)
        #expect(Set(eventIDs).count == eventIDs.count, "event ids repeat")
        #expect(!eventIDs.contains("00000000-0000-4000-8000-000000000000"))
        print("descriptor exhaustion: \(refusals) of 20 requests refused with a problem while 300 idle connections were held")

        sagad.signal(SIGTERM)
        #expect(try await sagad.waitForExit() == 0)
    }
}
