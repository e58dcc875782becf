import Foundation
import Testing
@testable import SagaControl

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("daemon unreachable")
struct UnreachableDaemonTests {
    @Test("a missing socket file maps to exit 69 with the hint")
    func missingSocket() async throws {
        let path = "/tmp/no-sagad-\(UUID().uuidString.prefix(8)).sock"
        let client = ControlClient(socketPath: path)
        let error = await #expect(throws: ControlError.self) { _ = try await client.send(ControlRequest(.health)) }
        await client.shutdown()
        #expect(error == .daemonUnreachable(socketPath: path, reason: "No such file or directory"))
        #expect(error?.exitCode == 69)
        #expect(error?.message == "sagactl: cannot reach sagad at \(path) (No such file or directory). "
            + "Is it running? Start it with 'make run' or 'systemctl start sagad', or pass --socket.")
    }

    @Test("a socket file nobody listens on maps to exit 69 (connection refused)")
    func noListener() async throws {
        let path = "/tmp/dead-sagad-\(UUID().uuidString.prefix(8)).sock"
        let descriptor = try TestSockets.boundUnixSocket(at: path)
        defer { close(descriptor); unlink(path) }
        let client = ControlClient(socketPath: path)
        let error = await #expect(throws: ControlError.self) { _ = try await client.send(ControlRequest(.listTopics)) }
        await client.shutdown()
        #expect(error == .daemonUnreachable(socketPath: path, reason: "Connection refused"))
        #expect(error?.exitCode == 69)
    }

    @Test("a stale socket left after bind+close is refused too, and a command exits 69")
    func staleSocketThroughCommand() async throws {
        let path = "/tmp/stale-sagad-\(UUID().uuidString.prefix(8)).sock"
        close(try TestSockets.boundUnixSocket(at: path))
        defer { unlink(path) }
        #expect(FileManager.default.fileExists(atPath: path))
        let console = RecordingConsole()
        let command = try OrderGetCommand.parse(["ord_1"])
        let status = await command.execute(socketPath: path, console: console)
        #expect(status == 69)
        #expect(console.errors.contains("cannot reach sagad at \(path) (Connection refused). Is it running?"))
        #expect(console.output.isEmpty)
    }

    @Test("the probe tells a live socket from a dead one")
    func probe() throws {
        let server = try FakeSagad { _ in .json(200, "{}") }
        defer { server.stop() }
        #expect(UnixSocketProbe.connectionFailure(at: server.socketPath) == nil)
        #expect(UnixSocketProbe.connectionFailure(at: "/tmp/nothing-\(UUID().uuidString).sock") == "No such file or directory")
        let tooLong = "/tmp/" + String(repeating: "x", count: 200) + ".sock"
        #expect(UnixSocketProbe.connectionFailure(at: tooLong)?.contains("longer than") == true)
    }
}
