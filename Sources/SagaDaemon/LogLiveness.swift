import MessageLog

/// The log's part of liveness: every partition still accepts appends. A partition whose
/// `fdatasync` failed refuses every append until the log is reopened, while reads and
/// statistics keep answering; failing liveness then lets systemd restart sagad, and the
/// restart reopens and recovers the log.
enum LogLiveness {
    struct PartitionsStopped: Error, CustomStringConvertible {
        var partitions: [String]
        var description: String {
            "partitions stopped by a failed fdatasync, refusing appends until restart: \(partitions.joined(separator: ", "))"
        }
    }

    /// Throws `PartitionsStopped` naming each stopped partition.
    static func check(_ partitions: [PartitionStatistics]) throws {
        let stopped = partitions.filter(\.failed).map { "\($0.topic)/\($0.partition)" }
        if !stopped.isEmpty { throw PartitionsStopped(partitions: stopped) }
    }
}
