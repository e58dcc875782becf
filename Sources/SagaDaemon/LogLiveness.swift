import MessageLog
import Synchronization

/// The log's part of liveness, from its statistics alone (reads and statistics keep answering
/// when writing does not): every partition still accepts appends, and the writer makes
/// progress. A partition whose `fdatasync` failed refuses appends until the log is reopened;
/// a write or `fdatasync` that hangs leaves appends queued while the partition's end stays put.
/// Failing liveness then lets systemd restart sagad, which reopens and recovers the log.
final class LogLiveness: Sendable {
    struct PartitionsStopped: Error, CustomStringConvertible {
        var partitions: [String]
        var description: String {
            "partitions stopped by a failed fdatasync, refusing appends until restart: \(partitions.joined(separator: ", "))"
        }
    }

    struct WriterStalled: Error, CustomStringConvertible {
        var partitions: [String]
        var limit: Duration
        var description: String {
            "appends waiting with no progress for \(limit) or more (a hung write or fdatasync): \(partitions.joined(separator: ", "))"
        }
    }

    /// How long appends may wait on a partition whose end does not move before the writer counts as hung.
    let stallLimit: Duration
    /// Partitions seen with appends waiting: their end offset then, and since when it has not moved.
    private let waiting = Mutex<[String: (endOffset: Int64, since: ContinuousClock.Instant)]>([:])

    init(stallLimit: Duration) {
        self.stallLimit = stallLimit
    }

    /// Throws `PartitionsStopped` or `WriterStalled` naming the partitions. A stall shows only
    /// across checks at least `stallLimit` apart, as the watchdog's are.
    func check(_ partitions: [PartitionStatistics], now: ContinuousClock.Instant = .now) throws {
        let stopped = partitions.filter(\.failed).map(Self.name)
        if !stopped.isEmpty { throw PartitionsStopped(partitions: stopped) }
        let stalled = waiting.withLock { waiting -> [String] in
            var next: [String: (endOffset: Int64, since: ContinuousClock.Instant)] = [:]
            for partition in partitions where partition.queuedBytes > 0 {
                let name = Self.name(partition)
                if let seen = waiting[name], seen.endOffset == partition.endOffset {
                    next[name] = seen
                } else {
                    next[name] = (partition.endOffset, now)
                }
            }
            waiting = next
            return next.filter { now - $0.value.since >= stallLimit }.keys.sorted()
        }
        if !stalled.isEmpty { throw WriterStalled(partitions: stalled, limit: stallLimit) }
    }

    private static func name(_ partition: PartitionStatistics) -> String { "\(partition.topic)/\(partition.partition)" }
}
