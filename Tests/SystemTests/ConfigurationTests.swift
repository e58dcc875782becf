import Foundation
import Testing

@Suite(.blockingCalls) struct ConfigurationTests {
    func exitStatus(settings: [String: String] = [:], arguments: [String] = [], extraEnvironment: [String: String] = [:])
        async throws -> (Int32, String)
    {
        let daemon = DaemonProcess(settings: settings, arguments: arguments)
        defer { daemon.cleanUp() }
        try daemon.launch()
        let status = try await daemon.waitForExit(timeout: .seconds(20))
        return (status, daemon.log)
    }

    /// A scratch directory for configuration files and state paths that must stay unused.
    final class Scratch {
        let path = NSTemporaryDirectory() + "sagad-config-\(UUID().uuidString.prefix(6))"
        init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        func file(_ name: String, _ text: String) throws -> String {
            try text.write(toFile: path + "/" + name, atomically: true, encoding: .utf8)
            return path + "/" + name
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    /// `sagad --check-config` with exactly `environment`: what it printed per key.
    func effective(_ arguments: [String] = [], environment: [String: String] = [:]) async throws -> [String: String] {
        let run = try await runSagad(["--check-config"] + arguments, environment: environment)
        try #require(run.status == 0, "exit \(run.status): \(run.stderr)")
        return checkedConfiguration(run.stdout)
    }

    @Test func eachLayerWinsOverTheOneBelowForTheSameKey() async throws {
        let scratch = try Scratch()
        let file = try scratch.file("sagad.yaml", """
            state_dir: /srv/from-file
            control:
              socket: /run/from-file.sock
            fulfillment:
              work_ms: 300
            """)
        // state_dir and control.socket have all four layers; work_ms has no flag.
        let defaults = try await effective()
        #expect(defaults["state_dir"] == "./var")
        #expect(defaults["control.socket"] == "./var/run/sagad.sock")
        #expect(defaults["fulfillment.work_ms"] == "200")
        let fromFile = try await effective(["--config", file])
        #expect(fromFile["state_dir"] == "/srv/from-file")
        #expect(fromFile["control.socket"] == "/run/from-file.sock")
        #expect(fromFile["fulfillment.work_ms"] == "300")
        let environment = ["SAGAD_STATE_DIR": "/srv/from-env", "SAGAD_CONTROL_SOCKET": "/run/from-env.sock",
                           "SAGAD_FULFILLMENT_WORK_MS": "400"]
        let fromEnvironment = try await effective(["--config", file], environment: environment)
        #expect(fromEnvironment["state_dir"] == "/srv/from-env")
        #expect(fromEnvironment["control.socket"] == "/run/from-env.sock")
        #expect(fromEnvironment["fulfillment.work_ms"] == "400")
        let fromFlags = try await effective(
            ["--config", file, "--state-dir", "/srv/from-flag", "--socket", "/run/from-flag.sock"], environment: environment)
        #expect(fromFlags["state_dir"] == "/srv/from-flag")
        #expect(fromFlags["control.socket"] == "/run/from-flag.sock")
        #expect(fromFlags["fulfillment.work_ms"] == "400")
        // SAGAD_CONFIG names the file when --config does not; the flag wins over it.
        let other = try scratch.file("other.yaml", "fulfillment:\n  work_ms: 500\n")
        #expect(try await effective(environment: ["SAGAD_CONFIG": file])["fulfillment.work_ms"] == "300")
        #expect(try await effective(["--config", other], environment: ["SAGAD_CONFIG": file])["fulfillment.work_ms"] == "500")
    }

    @Test func theRunningDaemonUsesTheWinningLayer() async throws {
        let scratch = try Scratch()
        // The file and the environment name other places; the flag's socket and the
        // environment's state directory (set by DaemonProcess) are the ones used.
        let file = try scratch.file("sagad.yaml", """
            state_dir: \(scratch.path)/file-state
            control:
              socket: \(scratch.path)/file.sock
            checkout:
              default_account: from-file
            """)
        let paths = DaemonProcess()  // only for its fresh state directory and socket path
        let daemon = DaemonProcess(
            arguments: ["--config", file, "--socket", paths.socket], reuse: paths,
            environment: ["SAGAD_CONTROL_SOCKET": scratch.path + "/env.sock"])
        defer { daemon.cleanUp() }
        try await daemon.start()
        #expect(try daemon.placeOrder(amount: "1.00") != "")
        #expect(try daemon.call("GET", "/v1/accounts/from-file").status == 200, "the file's key below env and flags applies")
        #expect(FileManager.default.fileExists(atPath: daemon.stateDirectory + "/data/log"))
        for unused in ["/file-state", "/file.sock", "/env.sock"] {
            #expect(!FileManager.default.fileExists(atPath: scratch.path + unused), "\(unused) must not be used")
        }
        #expect(try await daemon.stop() == 0)
    }

    @Test func checkConfigPrintsEveryKeyAndStartsNothing() async throws {
        let scratch = try Scratch()
        let state = scratch.path + "/state"
        let good = try scratch.file("good.yaml", "state_dir: \(state)\norder:\n  max_in_flight: 7\nlogging:\n  level: debug\n")
        let run = try await runSagad(["--config", good, "--check-config"], environment: [:])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty, "\(run.stderr)")
        let printed = checkedConfiguration(run.stdout)
        #expect(printed.count == run.stdout.split(separator: "\n").count, "one key: value line per key:\n\(run.stdout)")
        #expect(Set(printed.keys) == Set([
            "state_dir", "control.socket", "control.socket_mode", "control.max_connections", "control.request_timeout_ms",
            "http.listen", "http.token_file", "http.allow_remote", "grpc.enabled", "grpc.socket", "grpc.listen", "log.backend",
            "log.partitions", "log.segment_bytes", "log.fsync", "log.retention_hours", "log.retention_bytes",
            "kafka.bootstrap_servers", "kafka.namespace", "kafka.properties", "state.backend", "postgres.url", "checkout.default_account",
            "checkout.default_balance", "order.random_amount_min", "order.random_amount_max", "order.max_in_flight",
            "order.payment_timeout", "fulfillment.work_ms", "fulfillment.failure_rate", "fulfillment.concurrency",
            "fulfillment.timeout", "logging.level",
        ]))
        #expect(printed["state_dir"] == state)
        #expect(printed["order.max_in_flight"] == "7")
        #expect(printed["logging.level"] == "debug")
        #expect(printed["log.partitions"] == "" && printed["control.socket_mode"] == "0660")
        #expect(!FileManager.default.fileExists(atPath: state), "--check-config must not create the state directory")

        let bad = try scratch.file("bad.yaml", "state_dir: \(state)\nfulfillment:\n  failure_rate: 2\n")
        let refused = try await runSagad(["--config", bad, "--check-config"], environment: [:])
        #expect(refused.status == 78)
        #expect(refused.stdout.isEmpty, "\(refused.stdout)")
        #expect(refused.stderr.contains("fulfillment.failure_rate") && refused.stderr.contains(bad), "\(refused.stderr)")
        let fromEnvironment = try await runSagad(["--config", good, "--check-config"], environment: ["SAGAD_LOG_FSYNC": "sometimes"])
        #expect(fromEnvironment.status == 78)
        #expect(fromEnvironment.stderr.contains("log.fsync") && fromEnvironment.stderr.contains("SAGAD_LOG_FSYNC"),
                "\(fromEnvironment.stderr)")
        let fromFlag = try await runSagad(
            ["--check-config", "--socket", "/" + String(repeating: "s", count: 120)], environment: [:])
        #expect(fromFlag.status == 78)
        #expect(fromFlag.stderr.contains("control.socket") && fromFlag.stderr.contains("command line"), "\(fromFlag.stderr)")
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
        _ = FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8))
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
