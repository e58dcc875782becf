import MessageLog
import Testing
@testable import SagaMessaging

/// A consumer's uncommitted progress: the last record per partition, due after the commit
/// interval or at once when the consumer runs idle.
@Suite struct UncommittedProgressTests {
    func record(_ topic: String, _ partition: Int, _ offset: Int64) -> LogRecord {
        LogRecord(topic: topic, partition: partition, offset: offset, timestampMillis: 0, key: [], value: [], headers: [])
    }

    @Test func keepsTheLastRecordOfEachPartition() {
        var progress = UncommittedProgress(interval: EventConsumer.commitInterval)
        #expect(!progress.isDue(idle: true), "nothing to commit")
        progress.add([record("a", 0, 3), record("a", 1, 7), record("a", 0, 4)])
        progress.add([record("a", 0, 2), record("b", 0, 9)])
        let last = Dictionary(uniqueKeysWithValues: progress.records.map { ("\($0.topic)-\($0.partition)", $0.offset) })
        #expect(last == ["a-0": 4, "a-1": 7, "b-0": 9])
        progress.clear()
        #expect(progress.records.isEmpty)
        #expect(!progress.isDue(idle: true))
    }

    @Test func isDueWhenIdleOrAfterTheInterval() {
        var progress = UncommittedProgress(interval: EventConsumer.commitInterval)
        let start = ContinuousClock.now
        #expect(progress.pollTimeout(idle: .milliseconds(500), now: start) == .milliseconds(500))
        progress.add([record("a", 0, 1)])
        #expect(progress.isDue(idle: true))
        #expect(!progress.isDue(idle: false, now: .now))
        #expect(progress.pollTimeout(idle: .milliseconds(500), now: .now) <= EventConsumer.commitInterval)
        let later = ContinuousClock.now + EventConsumer.commitInterval
        #expect(progress.isDue(idle: false, now: later))
        #expect(progress.pollTimeout(idle: .milliseconds(500), now: later) == .milliseconds(1))
    }
}
