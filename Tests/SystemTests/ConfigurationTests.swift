import Foundation
import Testing

@Suite struct ConfigurationTests {
    func exitStatus(settings: [String: String] = [:], arguments: [String] = [], extraEnvironment: [String: String] = [:])
        async throws -> (Int32, String)
    {
        let daemon = DaemonProcess(settings: settings, arguments: arguments)
        defer { daemon.cleanUp() }
        try daemon.launch()
        let status = try await daemon.waitForExit(timeout: .seconds(20))
        return (status, daemon.log)
    }

    @Test func aBadValueExits78NamingTheKey() async throws {
        let (status, output) = try await exitStatus(settings: ["fulfillment.failure_rate": "1.5"])
        #expect(status == 78)
        #expect(output.contains("fulfillment.failure_rate"))
        #expect(output.contains("SAGAD_FULFILLMENT_FAILURE_RATE"))
    }

    @Test func anUnknownKeyInTheFileExits78NamingIt() async throws {
        let file = NSTemporaryDirectory() + "bad-\(UUID().uuidString.prefix(6)).yaml"
        try "log:\n  partitons: 4\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let (status, output) = try await exitStatus(arguments: ["--config", file])
        #expect(status == 78)
        #expect(output.contains("log.partitons"))
    }

    @Test func malformedYAMLAndUnknownVariablesExit78() async throws {
        let file = NSTemporaryDirectory() + "bad-\(UUID().uuidString.prefix(6)).yaml"
        try "log: [unclosed\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(try await exitStatus(arguments: ["--config", file]).0 == 78)
        let (status, output) = try await exitStatus(settings: ["bogus.key": "1"])
        #expect(status == 78)
        #expect(output.contains("SAGAD_BOGUS_KEY"))
    }

    @Test func anUnwritableStateDirectoryExits78() async throws {
        let blocker = NSTemporaryDirectory() + "not-a-dir-\(UUID().uuidString.prefix(6))"
        FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8))
        defer { try? FileManager.default.removeItem(atPath: blocker) }
        let (status, output) = try await exitStatus(arguments: ["--state-dir", blocker + "/state"])
        #expect(status == 78)
        #expect(output.contains("state_dir"))
    }

    @Test func aSecondDaemonOnTheSameStateRefusesToStart() async throws {
        let first = DaemonProcess()
        defer { first.cleanUp() }
        try await first.start()
        let second = DaemonProcess(reuse: first)
        defer { second.cleanUp() }
        try second.launch()
        #expect(try await second.waitForExit() == 75)
        #expect(second.log.contains("another sagad is already using this state directory"))
        #expect(try first.call("GET", "/healthz").status == 200)
        #expect(try await first.stop() == 0)
    }

    @Test func aStaleSocketIsReplacedButALiveOneIsNot() async throws {
        let first = DaemonProcess()
        defer { first.cleanUp() }
        // A socket file left by a crash: bound, never listening.
        try FileManager.default.createDirectory(atPath: first.stateDirectory + "/run", withIntermediateDirectories: true)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in first.socket.utf8.enumerated() { raw[i] = b } }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(fd)
        #expect(FileManager.default.fileExists(atPath: first.socket))
        try await first.start()
        let mode = try FileManager.default.attributesOfItem(atPath: first.socket)[.posixPermissions] as? Int
        #expect(mode == 0o660)

        // Another daemon (own state) told to use the live socket refuses.
        let second = DaemonProcess(arguments: ["--socket", first.socket])
        defer { second.cleanUp() }
        try second.launch()
        #expect(try await second.waitForExit() == 75)
        #expect(second.log.contains("another process is serving"))
        #expect(try first.call("GET", "/readyz").status == 200)
        #expect(try await first.stop() == 0)
    }
}
