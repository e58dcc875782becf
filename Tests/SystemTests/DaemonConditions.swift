import Foundation

/// Waits on conditions a test observes from outside the daemon (log lines, API answers) with a
/// deadline, instead of sleeping a fixed time and hoping the daemon was quick enough.
struct ConditionTimedOut: Error, CustomStringConvertible {
    var description: String
}

/// Polls `probe` until it returns a value; throws naming `what` (and the last observation) at
/// the deadline.
@discardableResult
func eventually<T>(
    _ what: String, timeout: Duration = .seconds(15), _ probe: () throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    var lastError: (any Error)?
    while true {
        do {
            if let value = try probe() { return value }
        } catch {
            lastError = error
        }
        if ContinuousClock.now > deadline {
            throw ConditionTimedOut(description: "timed out after \(timeout) waiting for \(what)"
                + (lastError.map { " (last error: \($0))" } ?? ""))
        }
        try await Task.sleep(for: .milliseconds(25))
    }
}

/// Polls `condition` until it holds; throws naming `what` at the deadline. Its own loop, not
/// `eventually`: a `Void?` probe there infers `T` as `()?` and returns at the first poll.
func waitUntil(_ what: @autoclosure () -> String, timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(5),
               _ condition: () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw ConditionTimedOut(description: "timed out after \(timeout) waiting for \(what())") }
        try await Task.sleep(for: interval)
    }
}

extension DaemonProcess {
    /// The lines of the daemon's output that contain `text`.
    func logLines(containing text: String) -> [String] {
        log.split(separator: "\n").map(String.init).filter { $0.contains(text) }
    }

    /// Waits until the output holds more than `seen` lines containing `text`; returns the
    /// first new one. Fails early when the daemon exits meanwhile.
    @discardableResult
    func waitForLogLine(containing text: String, seen: Int = 0, timeout: Duration = .seconds(15)) async throws -> String {
        try await eventually("a log line containing '\(text)'", timeout: timeout) {
            let lines = logLines(containing: text)
            if lines.count > seen { return lines[seen] }
            if let process, !process.isRunning {
                throw ConditionTimedOut(description: "sagad exited (\(process.terminationStatus)) before logging '\(text)':\n\(log)")
            }
            return nil
        }
    }

    /// Client connections sagad has accepted on its control socket and not yet closed: its
    /// open sockets (/proc/<pid>/fd) that /proc/net/unix shows bound to the socket's path
    /// without the listening flag (__SO_ACCEPTCON). Sockets it inherited are not counted.
    func acceptedConnections() throws -> Int {
        guard let pid = process?.processIdentifier else { throw ConditionTimedOut(description: "sagad is not running") }
        let directory = "/proc/\(pid)/fd"
        let owned = Set(try FileManager.default.contentsOfDirectory(atPath: directory).compactMap { name -> String? in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + name),
                  target.hasPrefix("socket:[") else { return nil }
            return String(target.dropFirst("socket:[".count).dropLast())
        })
        let table = try procFile("/proc/net/unix")
        return table.split(separator: "\n").dropFirst().filter { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 8, let flags = Int(fields[3], radix: 16) else { return false }
            return flags & 0x10000 == 0 && fields[7] == socket && owned.contains(String(fields[6]))
        }.count
    }

    /// Sends SIGHUP and waits for the reload's outcome line (`configuration reloaded` or
    /// `reload failed`); returns it.
    func reload(timeout: Duration = .seconds(15)) async throws -> String {
        let outcomes = ["configuration reloaded", "reload failed"]
        let before = outcomes.map { logLines(containing: $0).count }
        signal(SIGHUP)
        return try await eventually("the outcome of a reload", timeout: timeout) {
            for (outcome, seen) in zip(outcomes, before) {
                let lines = logLines(containing: outcome)
                if lines.count > seen { return lines[seen] }
            }
            return nil
        }
    }
}

/// Runs `sagad` with exactly `environment` (nothing inherited), for modes that exit at once
/// such as `--check-config`; returns the status and the two output streams apart.
func runSagad(_ arguments: [String], environment: [String: String], timeout: Duration = .seconds(20))
    async throws -> (status: Int32, stdout: String, stderr: String)
{
    let process = Process()
    let command = [DaemonProcess.sagadPath] + arguments
    process.executableURL = URL(fileURLWithPath: command[0])
    process.arguments = Array(command.dropFirst())
    var base = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
    // Where a coverage build writes its counters (`make test`), so that these runs count too.
    base["LLVM_PROFILE_FILE"] = ProcessInfo.processInfo.environment["LLVM_PROFILE_FILE"]
    base.merge(environment) { _, new in new }
    process.environment = base
    let directory = NSTemporaryDirectory() + "sagad-run-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let outPath = directory + "/stdout", errPath = directory + "/stderr"
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    try ProcessLauncher.run(process)
    do {
        try await eventually("sagad \(arguments.joined(separator: " ")) to exit", timeout: timeout) {
            process.isRunning ? nil : true
        }
    } catch {
        process.terminate()
        try? process.waitForExit(within: .seconds(10), "sagad \(arguments.joined(separator: " "))")
        throw error
    }
    let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
    return (process.terminationStatus, read(outPath), read(errPath))
}

/// The `key: value` lines `sagad --check-config` prints, as a dictionary.
func checkedConfiguration(_ output: String) -> [String: String] {
    var values: [String: String] = [:]
    for line in output.split(separator: "\n") {
        guard let separator = line.range(of: ": ") else { continue }
        values[String(line[..<separator.lowerBound])] = String(line[separator.upperBound...])
    }
    return values
}

/// The whole text of a /proc file. `String(contentsOfFile:)` stops after the first read, one
/// page of a seq_file: /proc/net/unix with a few hundred sockets (another test's idle clients)
/// lost the lines of sagad's socket, and a test waited for connections it could not see.
func procFile(_ path: String) throws -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw ConditionTimedOut(description: "cannot open \(path): errno \(errno)") }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = read(fd, &buffer, buffer.count)
        if n < 0, errno == EINTR { continue }
        guard n >= 0 else { throw ConditionTimedOut(description: "cannot read \(path): errno \(errno)") }
        if n == 0 { return String(decoding: bytes, as: UTF8.self) }
        bytes += buffer[0..<n]
    }
}
