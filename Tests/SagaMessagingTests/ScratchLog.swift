import Foundation
import Logging
import SagaLog

/// A SagaLog in a fresh temporary directory, without fsyncs and with a quiet logger, for
/// tests of what sits on top of the log; `close()` removes the directory.
struct ScratchLog {
    let directory: String
    let logger: Logger
    let log: SagaLog

    /// - Throws: the log's error when it cannot be opened.
    init(_ name: String, topics: [String: Int]) throws {
        directory = NSTemporaryDirectory() + "\(name)-\(UUID().uuidString)"
        var configuration = LogConfiguration()
        configuration.durability = .never
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        self.logger = logger
        log = try SagaLog.open(directory: directory + "/log", configuration: configuration, logger: logger)
        for (topic, partitions) in topics.sorted(by: { $0.key < $1.key }) { try log.createTopic(topic, partitions: partitions) }
    }

    func close() {
        try? log.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
