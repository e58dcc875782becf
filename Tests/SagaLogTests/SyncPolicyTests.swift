import Foundation
import Synchronization
import Testing
@testable import SagaLog

/// The three durability policies told apart by the `fdatasync` calls they make (counted in
/// `PartitionStatistics.syncs`), and group commit's one write and one sync per batch.
@Suite struct SyncPolicyTests {
    @Test func alwaysSyncsEachAppendBeforeAcknowledgingIt() async throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(segmentBytes: 1 << 20), logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        #expect(try log.statistics("t", 0).syncs == 0)
        for i in 1...20 {
            _ = try await log.append(record("k", "v\(i)"), to: "t")
            // Acknowledged means synced: the count already includes this append's sync.
            let stats = try log.statistics("t", 0)
            #expect(stats.syncs == i, "after append \(i)")
            #expect(stats.writes == i, "after append \(i)")
        }
        // While its sync is held, an append is neither acknowledged nor visible to readers.
        let gate = SyncGate()
        try log.partition(TopicPartition(topic: "t", partition: 0)).setSyncFault { gate.hold() }
        let acknowledged = Mutex(false)
        async let held: Void = {
            _ = try await log.append(record("k", "held"), to: "t")
            acknowledged.withLock { $0 = true }
        }()
        #expect(await waitUntil { gate.entered })
        // An absence, so observed over a window: an acknowledgment before the sync shows here.
        #expect(await !waitUntil(timeout: .milliseconds(200)) { acknowledged.withLock { $0 } })
        #expect(try log.statistics("t", 0).endOffset == 20)
        gate.release()
        try await held
        #expect(acknowledged.withLock { $0 })
        #expect(try log.statistics("t", 0).endOffset == 21)
        try log.close()
    }

    @Test func neverSyncsOnlyWhenASegmentRollsAndOnClose() async throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(
            directory: dir.path, configuration: .small(segmentBytes: 2048, durability: .never), logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        for i in 0..<100 { _ = try await log.append(record("k", "value-\(i)"), to: "t") }
        let stats = try log.statistics("t", 0)
        #expect(stats.writes == 100)
        #expect(stats.segmentCount >= 3)
        #expect(stats.syncs == stats.segmentCount - 1)
        // No timer syncs later either (an absence, so observed over a window).
        try await Task.sleep(for: .milliseconds(300))
        #expect(try log.statistics("t", 0).syncs == stats.syncs)
        try log.close()
        #expect(try log.statistics("t", 0).syncs > stats.syncs)
    }

    @Test func intervalAcknowledgesBeforeSyncing() async throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(
            directory: dir.path, configuration: .small(segmentBytes: 1 << 20, durability: .interval(milliseconds: 60_000)),
            logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        for i in 0..<20 { _ = try await log.append(record("k", "v\(i)"), to: "t") }
        let stats = try log.statistics("t", 0)
        #expect(stats.writes == 20)
        #expect(stats.endOffset == 20)
        #expect(stats.syncs == 0)
        // Not within a window far shorter than the interval either.
        try await Task.sleep(for: .milliseconds(300))
        #expect(try log.statistics("t", 0).syncs == 0)
        try log.close()
        #expect(try log.statistics("t", 0).syncs > 0)
    }

    @Test func intervalSyncsWrittenDataWithinTheInterval() async throws {
        let dir = TemporaryDirectory()
        let interval = 100
        let log = try SagaLog.open(
            directory: dir.path, configuration: .small(segmentBytes: 1 << 20, durability: .interval(milliseconds: interval)),
            logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        let clock = ContinuousClock()
        for round in 1...3 {
            _ = try await log.append(record("k", "v\(round)"), to: "t")
            let written = clock.now
            // Synced by the timer alone, with no further append, once per round. The bound is
            // the interval plus generous slack: test processes share two loaded cores.
            try #require(try await waitUntil(timeout: .seconds(10)) { try log.statistics("t", 0).syncs >= round }, "round \(round)")
            let waited = clock.now - written
            #expect(waited < .milliseconds(interval) + .seconds(4), "round \(round): \(waited)")
            #expect(try log.statistics("t", 0).syncs == round)
        }
        // Nothing written, nothing synced: idle intervals cost no fdatasync.
        try await Task.sleep(for: .milliseconds(3 * interval))
        #expect(try log.statistics("t", 0).syncs == 3)
        try log.close()
    }

    @Test func intervalSyncsOnScheduleUnderContinuousAppends() async throws {
        let dir = TemporaryDirectory()
        let interval = 50
        let clock = ContinuousClock()
        let opened = clock.now
        let log = try SagaLog.open(
            directory: dir.path, configuration: .small(segmentBytes: 64 << 20, durability: .interval(milliseconds: interval)),
            logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        // Append without pause for at least 800 ms and 100 appends, and on (up to 20 s on a starved
        // machine) until the timer has synced 4 times: the writer never idles long.
        let started = clock.now
        var appends = 0
        func timerHasSynced() throws -> Bool { try log.statistics("t", 0).syncs >= 4 || clock.now - started > .seconds(20) }
        while try clock.now - started < .milliseconds(800) || appends < 100 || !timerHasSynced() {
            _ = try await log.append(record("k", "v\(appends)"), to: "t")
            appends += 1
        }
        let stats = try log.statistics("t", 0)
        // Syncs follow the clock, not the appends: at most one per interval since the writer
        // started (at open), and several over the run; a sync per append would exceed both.
        let periods = Int((clock.now - opened) / .milliseconds(interval))
        #expect(stats.syncs >= 4, "\(stats.syncs) syncs in \(clock.now - started)")
        #expect(stats.syncs <= periods + 1, "\(stats.syncs) syncs in \(periods) intervals")
        #expect(stats.syncs < appends, "\(appends) appends, \(stats.syncs) syncs")
        try log.close()
    }

    /// Concurrent appenders to one partition under `always`: each writer pass makes one
    /// `write` and one `fdatasync` for all the appends it gathered.
    @Test func concurrentAppendsShareOneWriteAndOneSyncPerBatch() async throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(segmentBytes: 8 << 20), logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        // A 2 ms sync, like a real disk's, so appends arrive while one is in flight.
        try log.partition(TopicPartition(topic: "t", partition: 0)).setSyncFault { usleep(2000) }
        let tasks = 64
        let each = 20
        let offsets = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var mine: [Int64] = []
                    for i in 0..<each { mine.append(try await log.append(record("k", "\(task):\(i)"), to: "t").offset) }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let appends = tasks * each
        #expect(offsets.sorted() == (0..<Int64(appends)).map { $0 })
        let stats = try log.statistics("t", 0)
        #expect(stats.segmentCount == 1)
        #expect(stats.syncs == stats.writes)
        #expect(stats.syncs * 4 <= appends, "\(stats.syncs) syncs for \(appends) appends")
        try log.close()
    }
}
