import Foundation
import Synchronization
import Testing
@testable import SagaLog

/// The sync hook the daemon's fsync metrics hang on: every segment sync and offset commit
/// under `always` reaches the installed observer, with its kind.
@Suite(.serialized) struct LogSyncObserverTests {
    @Test func filesAreToldApartByTheirPlaceInTheLayout() {
        #expect(LogSyncKind(path: "/s/data/log/orders/0/00000000000000000000.log") == .segment)
        #expect(LogSyncKind(path: "/s/data/log/groups/checkout.offsets") == .offsets)
        #expect(LogSyncKind(path: "/s/data/log/lost-records.json.tmp") == .other)
    }

    @Test func everySyncUnderAlwaysReachesTheObserver() async throws {
        let seen = Mutex<[LogSyncKind: Int]>([:])
        // Other suites' logs sync meanwhile too, so only lower bounds are checked.
        LogSyncObserver.install { kind, duration in
            if duration >= .zero { seen.withLock { $0[kind, default: 0] += 1 } }
        }
        defer { LogSyncObserver.install(nil) }
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(segmentBytes: 1 << 20), logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        for i in 0..<5 { _ = try await log.append(record("k", "v\(i)"), to: "t") }
        let consumer = try log.consumer(group: "g", topics: ["t"])
        let records = try await consumer.poll(maxRecords: 10, timeout: .seconds(2))
        #expect(records.count == 5)
        try await consumer.commit(records)
        consumer.close()
        try log.close()
        let counts = seen.withLock { $0 }
        #expect(counts[.segment, default: 0] >= 5, "\(counts)")
        #expect(counts[.offsets, default: 0] >= 1, "\(counts)")
        #expect(counts[.directory, default: 0] >= 1, "\(counts)")
    }
}
