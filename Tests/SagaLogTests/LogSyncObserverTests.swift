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

    /// Regression: the observer's function value, held directly in the lock, was re-wrapped
    /// in two more thunks by every sync, so the n-th sync walked ~2n of them (100k syncs: about
    /// 10^10 calls). Held in a class, each call costs the same; the bound is generous on purpose.
    @Test func theNthSyncCostsNoMoreThanTheFirst() {
        let calls = Mutex(0)
        LogSyncObserver.install { kind, _ in if kind == .directory { calls.withLock { $0 += 1 } } }
        defer { LogSyncObserver.install(nil) }
        let started = ContinuousClock.now
        for _ in 0..<100_000 { LogSyncObserver.timed(.directory) {} }
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(calls.withLock { $0 } >= 100_000)
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
