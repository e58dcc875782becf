import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What a child-process scenario found wrong, in words the parent can report.
final class Complaints {
    private(set) var list: [String] = []

    /// Notes `message` unless `condition` holds.
    func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { list.append(message()) }
    }

    /// Notes `message` unconditionally.
    func add(_ message: String) {
        list.append(message)
    }
}

/// Runs test bodies that change systemd's environment variables in an exit-test child
/// process. setenv in the shared test process would race with suites that read the
/// environment or spawn processes at the same moment (glibc reallocates `environ`), so the
/// variables are only ever changed in a child, which needs no restoring afterwards.
enum ChildScenario {
    /// Marks complaint lines on the child's stderr; the runtime may print other things there.
    static let marker = "sagad-test-complaint: "

    /// The variables these tests set; every scenario starts with none of them.
    static let systemdVariables = [
        "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES",
        "JOURNAL_STREAM",
    ]

    /// In the child: clears the systemd variables, runs `scenario`, prints each complaint to
    /// stderr after `marker`, and exits 0; the parent judges by the complaints.
    static func run(_ scenario: (Complaints) async throws -> Void) async -> Never {
        for name in systemdVariables { unsetenv(name) }
        let complaints = Complaints()
        do {
            try await scenario(complaints)
        } catch {
            complaints.add("the scenario threw: \(error)")
        }
        for complaint in complaints.list {
            let line = "\n" + marker + complaint + "\n"
            _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
        }
        exit(EXIT_SUCCESS)
    }

    /// In the parent: records each complaint the child printed as an issue at the test.
    static func report(_ child: ExitTest.Result?, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let child else { return }  // the exit test itself failed and was reported
        let output = String(decoding: child.standardErrorContent, as: UTF8.self)
        for line in output.split(separator: "\n") where line.hasPrefix(marker) {
            Issue.record(Comment(rawValue: String(line.dropFirst(marker.count))), sourceLocation: sourceLocation)
        }
    }

    /// Sets (or, for nil, removes) environment variables in the child.
    static func setEnvironment(_ values: [String: String?]) {
        for (name, value) in values {
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
    }
}
