import Foundation
import Testing

/// Runs the real sagactl binary and captures what it prints.
func sagactl(_ arguments: [String], socket: String) async throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: DaemonProcess.sagactlPath)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["SAGAD_SOCKET"] = socket
    process.environment = environment
    // Output to a file, read once it exited: a pipe read to its end would wait as long as
    // anything holding its write end lives, with no deadline.
    let outputPath = NSTemporaryDirectory() + "sagactl-\(UUID().uuidString.prefix(8)).out"
    _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: outputPath) }
    let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
    defer { try? output.close() }
    process.standardOutput = output
    process.standardError = output
    try ProcessLauncher.run(process)
    try await process.awaitExit(within: .seconds(60), "sagactl \(arguments.joined(separator: " "))")
    return (process.terminationStatus, (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
}

@Suite(.serialized, .blockingCalls) struct SagactlTests {
    @Test func aNewcomerCreatesAnOrderAndWatchesItFinish() async throws {
        let daemon = DaemonProcess(settings: ["fulfillment.work_ms": "50"])
        defer { daemon.cleanUp() }
        try await daemon.start()
        let created = try await sagactl(["order", "create", "--amount", "4.20", "--json"], socket: daemon.socket)
        #expect(created.status == 0, "\(created.output)")
        let object = try #require((try? JSONSerialization.jsonObject(with: Data(created.output.utf8))) as? [String: Any])
        let id = try #require(object["id"] as? String)
        let watched = try await sagactl(["order", "watch", id], socket: daemon.socket)
        #expect(watched.status == 0)
        let lines = watched.output.split(separator: "\n")
        #expect(lines.map { $0.contains("created") || $0.contains("processing") || $0.contains("finished") }.allSatisfy { $0 })
        #expect(lines.last?.contains("finished") == true)

        let got = try await sagactl(["order", "get", id], socket: daemon.socket)
        #expect(got.status == 0 && got.output.contains("finished") && got.output.contains("4.20"))
        let cancel = try await sagactl(["order", "cancel", id], socket: daemon.socket)
        #expect(cancel.status == 1)
        #expect(cancel.output.contains("can no longer be canceled"))
        let topics = try await sagactl(["topics"], socket: daemon.socket)
        #expect(topics.status == 0 && topics.output.contains("order_pending"))
        let health = try await sagactl(["health"], socket: daemon.socket)
        #expect(health.status == 0)
        #expect(try await daemon.stop() == 0)
    }

    @Test func benchPlacesOrdersAndReportsLatencyPercentiles() async throws {
        let daemon = DaemonProcess()
        defer { daemon.cleanUp() }
        try await daemon.start()
        let bench = try await sagactl(["bench", "--orders", "200", "--concurrency", "16", "--json"], socket: daemon.socket)
        #expect(bench.status == 0, "\(bench.output)")
        let jsonStart = try #require(bench.output.firstIndex(of: "{"))
        let summary = try #require((try? JSONSerialization.jsonObject(with: Data(bench.output[jsonStart...].utf8))) as? [String: Any])
        #expect(summary["completed"] as? Int == 200)
        #expect(bench.output.contains("p99"))
        #expect(try await daemon.stop() == 0)
    }

    @Test func anUnreachableDaemonExits69WithAHint() async throws {
        let result = try await sagactl(["health"], socket: NSTemporaryDirectory() + "no-sagad-here.sock")
        #expect(result.status == 69)
        #expect(result.output.contains("cannot reach sagad"))
    }
}
