import Foundation
import Logging
import MessageLog
import SagaDaemon
import SagaLog
import SagaMessaging
import Testing

/// `log.partitions` left empty: new state dirs get one partition per saga topic, and a state
/// dir made with another count keeps it (an upgrade must not be refused over a default).
@Suite struct PartitionCountTests {
    let directory = NSTemporaryDirectory() + "partitions-\(UUID().uuidString)"

    func open(partitions: Int?) throws -> SagaRuntime {
        var settings = SagaRuntime.Settings(stateDirectory: directory)
        settings.partitions = partitions
        var logger = Logger(label: "partitions-test")
        logger.logLevel = .critical
        return try SagaRuntime(settings: settings, logger: logger)
    }

    func counts(_ runtime: SagaRuntime) -> [String: Int] {
        Dictionary(grouping: runtime.log.topicStatistics(), by: \.topic).mapValues(\.count)
    }

    @Test func aNewStateDirGetsOnePartitionPerSagaTopic() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let runtime = try open(partitions: nil)
        defer { try? runtime.close() }
        let counts = counts(runtime)
        for type in SagaEventType.allCases {
            #expect(counts[type.topic] == 1, "\(type.topic)")
        }
    }

    @Test func anExistingCountIsKeptUnlessAnotherIsAskedFor() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try open(partitions: 8).close()
        let reopened = try open(partitions: nil)
        #expect(counts(reopened)[SagaEventType.orderPending.topic] == 8)
        try reopened.close()
        #expect {
            try open(partitions: 2).close()
        } throws: { error in
            guard case SagaLogError.topicAlreadyExists(_, let partitions) = error else { return false }
            return partitions == 8
        }
    }
}
