import Foundation
import MessageLog

/// A log implementation the conformance suite runs against: how to open a log stored in a
/// directory (fresh or again), how to simulate a crash, and which promises it makes.
struct MessageLogBackend: Sendable, CustomStringConvertible {
    /// What acknowledged records survive, as the backend's durability policy promises.
    enum DurabilityPromise: Sendable {
        /// Acknowledged records survive a clean close and reopen.
        case cleanClose
        /// Acknowledged records also survive the process dying without closing the log.
        case processCrash
    }

    let name: String
    /// Offsets are consecutive within a partition (not merely increasing).
    let denseOffsets: Bool
    let durability: DurabilityPromise
    /// Opens the log stored under `directory`, creating it when the directory is empty.
    let open: @Sendable (_ directory: String) throws -> any MessageLog & MessageLogAdmin
    /// Drops the log as a killed process would: no flush, no clean-shutdown bookkeeping.
    /// Only called when `durability` is `.processCrash`.
    let abandon: @Sendable (any MessageLog & MessageLogAdmin) -> Void

    var description: String { name }

    /// Every backend the suite runs against; a new backend adds its factory here. Kafka joins
    /// when the environment names a broker (`make test-cluster` starts one).
    static let all: [MessageLogBackend] = [
        .sagaLog(durability: .always),
        .sagaLog(durability: .interval(milliseconds: 5)),
    ] + kafkaFromEnvironment
}

/// One log under test in its own temporary directory, which is removed afterwards.
final class LogUnderTest {
    let backend: MessageLogBackend
    let directory: String
    private(set) var log: any MessageLog & MessageLogAdmin

    init(_ backend: MessageLogBackend) throws {
        self.backend = backend
        directory = NSTemporaryDirectory() + "/messagelog-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        log = try backend.open(directory)
    }

    /// Closes the log cleanly and opens it again from the same directory.
    func reopen() throws {
        try log.close()
        log = try backend.open(directory)
    }

    /// Abandons the log as a crash would and opens it again from the same directory.
    func crashAndReopen() throws {
        backend.abandon(log)
        log = try backend.open(directory)
    }

    deinit {
        try? log.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
