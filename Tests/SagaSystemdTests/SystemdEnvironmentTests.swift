import Logging
import SagaSystemd
import Synchronization
import Testing

/// Every test that depends on systemd's environment variables (NOTIFY_SOCKET, WATCHDOG_*,
/// LISTEN_*, JOURNAL_STREAM). Their bodies run in child processes (see ``ChildScenario``);
/// the suite is serialized so that a small CI machine runs one such child at a time. The tests
/// live in extensions of this suite, one file per concept.
@Suite(.serialized)
struct SystemdEnvironmentTests {}

/// Collects the lines a ``JournalLogHandler`` writes, for assertions.
final class CapturedLines: Sendable {
    private let storage = Mutex<[String]>([])

    var output: LogLineOutput {
        LogLineOutput { line in self.storage.withLock { $0.append(line) } }
    }

    var lines: [String] { storage.withLock { $0 } }

    /// A logger at trace level that writes journal-format lines here.
    func logger(label: String = "test") -> Logger {
        let output = self.output
        return Logger(label: label) { label in
            JournalLogHandler(label: label, logLevel: .trace, format: .journal, output: output)
        }
    }
}
