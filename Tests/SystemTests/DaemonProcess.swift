import Foundation
import Testing

/// The real `sagad` binary running on a temporary state directory, with its output in a file.
final class DaemonProcess: @unchecked Sendable {
    let stateDirectory: String
    let socket: String
    let logPath: String
    private(set) var process: Process?
    let environment: [String: String]
    let arguments: [String]
    /// A command sagad runs under (its path and arguments follow), e.g. one that mounts a small
    /// filesystem in a namespace of its own and then execs it; empty: sagad runs as is.
    let launcher: [String]

    /// The built binaries sit next to the test bundle (`.build/<triple>/debug/`).
    static var binDirectory: String {
        if let override = ProcessInfo.processInfo.environment["SAGAD_BIN_DIR"] { return override }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    }

    static var sagadPath: String { binDirectory + "/sagad" }
    static var sagactlPath: String { binDirectory + "/sagactl" }

    /// A fresh state directory (or `reuse`'s, or `stateDirectory`); `settings` become SAGAD_* variables.
    init(settings: [String: String] = [:], arguments: [String] = [], reuse: DaemonProcess? = nil,
         environment extra: [String: String] = [:], stateDirectory directory: String? = nil, launcher: [String] = []) {
        stateDirectory = reuse?.stateDirectory ?? directory
            ?? NSTemporaryDirectory() + "sagad-system-\(UUID().uuidString.prefix(8))"
        socket = stateDirectory + "/run/sagad.sock"
        logPath = stateDirectory + "-\(UUID().uuidString.prefix(4)).log"
        // Nothing of systemd's protocol may leak in from the test process (other suites set
        // LISTEN_*/WATCHDOG_*/NOTIFY_SOCKET while they run).
        let systemdVariables: Set = ["NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC",
                                     "WATCHDOG_PID", "JOURNAL_STREAM"]
        var environment = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("SAGAD_") && !systemdVariables.contains($0.key)
        }
        environment["SAGAD_STATE_DIR"] = stateDirectory
        environment["SAGAD_FULFILLMENT_WORK_MS"] = "0"
        environment["SAGAD_LOG_PARTITIONS"] = "2"
        for (key, value) in settings { environment["SAGAD_" + key.uppercased().replacingOccurrences(of: ".", with: "_")] = value }
        environment.merge(extra) { _, new in new }
        self.environment = environment
        self.arguments = arguments
        self.launcher = launcher
    }

    /// Starts sagad and waits until /readyz answers 200.
    func start(timeout: Duration = .seconds(30)) async throws {
        let process = try launch()
        let deadline = ContinuousClock.now + timeout
        // Asked once more after the deadline: a test thread kept waiting elsewhere must not
        // turn a daemon that is long ready into a failure.
        while true {
            if !process.isRunning {
                throw UnixHTTPError(description: "sagad exited with \(process.terminationStatus) during start:\n\(log)")
            }
            if let reply = try? UnixHTTPClient.request(socket: socket, "GET", "/readyz", timeout: 2), reply.status == 200 { return }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw UnixHTTPError(description: "sagad did not become ready in \(timeout):\n\(log)")
    }

    /// Starts sagad without waiting (for runs expected to fail).
    @discardableResult
    func launch() throws -> Process {
        let process = Process()
        // No `setpriv --pdeathsig`: it follows the launching *thread*, and the pooled threads
        // tests run on come and go, so daemons were killed mid-test. `make test` kills what a
        // crashed test run leaves behind instead.
        let command = launcher + [Self.sagadPath] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = environment
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        output.seekToEndOfFile()
        process.standardOutput = output
        process.standardError = output
        try ProcessLauncher.run(process)
        self.process = process
        return process
    }

    /// Waits for the process to exit (at most `timeout`) and returns its status.
    func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        guard let process else { return -1 }
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline { throw UnixHTTPError(description: "sagad did not exit in \(timeout):\n\(log)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    func signal(_ number: Int32) {
        if let pid = process?.processIdentifier { kill(pid, number) }
    }

    /// SIGTERM and wait: the exit status of a graceful stop.
    func stop() async throws -> Int32 {
        signal(SIGTERM)
        return try await waitForExit()
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func call(_ method: String, _ target: String, _ body: [String: Any]? = nil, headers: [String: String] = [:]) throws -> HTTPReply {
        try UnixHTTPClient.json(socket: socket, method, target, body, headers: headers)
    }

    func placeOrder(amount: String? = nil, account: String? = nil) throws -> String {
        var body: [String: Any] = [:]
        if let amount { body["amount"] = amount }
        if let account { body["account_id"] = account }
        let reply = try call("POST", "/v1/orders", body)
        guard reply.status == 201, let id = reply.json["id"] as? String else {
            throw UnixHTTPError(description: "order not placed: \(reply.status) \(reply.text)")
        }
        return id
    }

    /// The order once settled (long poll).
    func settledOrder(_ id: String, timeout: Int = 30) throws -> [String: Any] {
        let reply = try UnixHTTPClient.request(socket: socket, "GET", "/v1/orders/\(id)?wait=terminal&timeout=\(timeout)",
                                               timeout: TimeInterval(timeout + 10))
        return reply.json
    }

    /// Every order the daemon knows, read page by page.
    func allOrders(status: String? = nil) throws -> [[String: Any]] {
        var orders: [[String: Any]] = []
        var after: String? = nil
        repeat {
            var target = "/v1/orders?limit=1000"
            if let status { target += "&status=\(status)" }
            if let after { target += "&after=\(after)" }
            let page = try call("GET", target)
            guard page.status == 200 else { throw UnixHTTPError(description: "GET \(target): \(page.status) \(page.text)") }
            orders += page.json["orders"] as? [[String: Any]] ?? []
            after = page.json["next_after"] as? String
        } while after != nil
        return orders
    }

    func balance(_ account: String = "default") throws -> String {
        try call("GET", "/v1/accounts/\(account)").json["balance"] as? String ?? "?"
    }

    func cleanUp() {
        if let process, process.isRunning {
            process.terminate()
            do {
                try process.waitForExit(within: .seconds(20), "sagad on \(stateDirectory) after SIGTERM")
            } catch {
                print("cleanUp: \(error)\n\(log.split(separator: "\n").suffix(20).joined(separator: "\n"))")
            }
        }
        // SAGAD_KEEP_TEST_LOGS=1 keeps each daemon's log (its path is printed) to read after a failure.
        if ProcessInfo.processInfo.environment["SAGAD_KEEP_TEST_LOGS"] == "1" {
            print("kept the log of sagad on \(stateDirectory): \(logPath)")
        } else {
            try? FileManager.default.removeItem(atPath: logPath)
        }
        try? FileManager.default.removeItem(atPath: stateDirectory)
    }
}

/// Cents from a decimal string such as "12.34".
func cents(_ text: String) -> Int64 {
    let parts = text.split(separator: ".")
    return Int64(parts[0])! * 100 + (parts.count > 1 ? Int64(parts[1].padding(toLength: 2, withPad: "0", startingAt: 0))! : 0)
}
