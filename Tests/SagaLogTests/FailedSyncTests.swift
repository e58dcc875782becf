import Foundation
import Synchronization
import Testing
@testable import SagaLog

/// A failed `fdatasync` stops its partition (README, "Durability policies"): the kernel may
/// have dropped the dirty pages, so nothing after it is acknowledged or shown until the log is
/// reopened and recovered. Failures are injected through `Partition.setSyncFault`.
@Suite struct FailedSyncTests {
    /// What a failing disk reports to `fdatasync`.
    static func diskError(_ path: String) -> SagaLogError { .io(operation: "fdatasync", path: path, errno: EIO) }

    /// The error every append gets once the partition stopped.
    static func stopped(_ path: String) -> SagaLogError {
        .partitionFailed(topic: "t", partition: 0, reason: "\(diskError(path))")
    }

    /// An append's outcome as a value, so concurrent outcomes can be compared.
    static func outcome(_ append: () async throws -> RecordPosition) async -> Result<Int64, SagaLogError> {
        do { return .success(try await append().offset) } catch { return .failure(SagaLogError.from(error)) }
    }

    @Test func aFailedSyncFailsItsAppendsAndStopsThePartitionUntilReopen() async throws {
        let dir = TemporaryDirectory()
        let configuration = LogConfiguration.small(segmentBytes: 1 << 20)
        let log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: silentLogger)
        try log.createTopic("t", partitions: 1)
        for i in 0..<5 { #expect(try await log.append(record("k", "acked-\(i)"), to: "t").offset == Int64(i)) }
        let partition = try log.partition(TopicPartition(topic: "t", partition: 0))
        let path = partition.activeSegment.logPath

        // The next sync is held until two more appends queue behind it, then fails once. A
        // retry would succeed, as it can after a real EIO whose dirty pages the kernel dropped.
        let gate = SyncGate()
        let syncCalls = Mutex(0)
        partition.setSyncFault {
            gate.hold()
            let first = syncCalls.withLock { calls in
                calls += 1
                return calls == 1
            }
            if first { throw Self.diskError(path) }
        }
        async let failing = Self.outcome { try await log.append(record("k", "unacked-0"), to: "t") }
        #expect(await waitUntil { gate.entered })
        async let queuedA = Self.outcome { try await log.append(record("k", "unacked-1"), to: "t") }
        async let queuedB = Self.outcome { try await log.append(record("k", "unacked-2"), to: "t") }
        #expect(await waitUntil { partition.queuedAppends == 2 })
        gate.release()

        // The append whose sync failed, and those queued behind it, all fail: none is written
        // after the failure, and none becomes visible.
        #expect(await failing == .failure(Self.stopped(path)))
        #expect(await queuedA == .failure(Self.stopped(path)))
        #expect(await queuedB == .failure(Self.stopped(path)))
        let stats = try log.statistics("t", 0)
        #expect(stats.failed)
        #expect(stats.endOffset == 5)
        #expect(try log.read(topic: "t", partition: 0, from: 5).isEmpty)

        // With the disk healthy again, appends stay refused until reopen, and the log is not
        // marked clean on close.
        partition.setSyncFault(nil)
        await #expect(throws: Self.stopped(path)) { try await log.append(record("k", "refused"), to: "t") }
        #expect(try log.statistics("t", 0).writes == stats.writes)
        #expect(throws: Self.stopped(path)) { try log.close() }
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/" + SagaLog.markerName))

        // Reopened (and fully checked), every acknowledged record is there; of the rest only
        // the one written before the failed sync may have survived (at-least-once).
        let reopened = try SagaLog.open(directory: dir.path, configuration: configuration, logger: silentLogger)
        #expect(reopened.recoveryReports.allSatisfy { $0.scannedRecords >= 5 })
        let values = try readAll(reopened, topic: "t", partition: 0).map(text)
        #expect(Array(values.prefix(5)) == (0..<5).map { "acked-\($0)" })
        #expect(values.dropFirst(5).allSatisfy { $0 == "unacked-0" })
        let end = try reopened.statistics("t", 0).endOffset
        #expect(try await reopened.append(record("k", "after reopen"), to: "t").offset == end)
        try reopened.close()
    }

    /// Without `always` no append waits for a sync, but a failed background or roll sync
    /// still stops the partition for every later append.
    @Test(arguments: [DurabilityPolicy.interval(milliseconds: 20), .never])
    func aFailedBackgroundOrRollSyncStopsThePartition(policy: DurabilityPolicy) async throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(segmentBytes: 2048, durability: policy), logger: silentLogger)
        try log.createTopic("t", partitions: 1)
        let partition = try log.partition(TopicPartition(topic: "t", partition: 0))
        let path = partition.activeSegment.logPath
        partition.setSyncFault { throw Self.diskError(path) }
        var acknowledged = 0
        var failure: SagaLogError? = nil
        // `interval` fails at its first timed sync; `never` when the first segment rolls.
        for i in 0..<200 where failure == nil {
            switch await Self.outcome({ try await log.append(record("k", "v\(i)"), to: "t") }) {
            case .success(let offset):
                #expect(offset == Int64(acknowledged))
                acknowledged += 1
                if case .interval = policy, acknowledged == 1 {
                    // Wait for the timed sync to fail rather than for a fixed time.
                    #expect(await waitUntil { partition.statistics.failed })
                }
            case .failure(let error):
                failure = error
            }
        }
        #expect(failure == Self.stopped(path))
        #expect(acknowledged > 0)
        #expect(try log.statistics("t", 0).failed)
        await #expect(throws: Self.stopped(path)) { try await log.append(record("k", "refused"), to: "t") }
        #expect(throws: Self.stopped(path)) { try log.close() }
    }
}
