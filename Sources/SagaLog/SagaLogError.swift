#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything the log can refuse or fail with. Each case says what went wrong and where,
/// so that a caller can log it as is or map it to a response.
public enum SagaLogError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownTopic(String)
    case topicAlreadyExists(String, partitions: Int)
    case invalidTopicName(String)
    case invalidPartitionCount(Int)
    case unknownPartition(topic: String, partition: Int)
    /// A read or commit asked for an offset outside `[start, end]` of the partition.
    case offsetOutOfRange(topic: String, partition: Int, offset: Int64, start: Int64, end: Int64)
    /// The filesystem is full; nothing of the failed append was kept.
    case diskFull(path: String)
    /// A system call failed; `errno` is the C error number.
    case io(operation: String, path: String, errno: Int32)
    /// A record before the tail failed its checksum: the damage is not a torn write.
    case corruptSegment(path: String, position: Int64, reason: String)
    /// A record is larger than a segment may hold.
    case recordTooLarge(bytes: Int, limit: Int)
    /// A previous fsync failed, so the page cache can no longer be trusted until reopen.
    case partitionFailed(topic: String, partition: Int, reason: String)
    case logClosed
    /// Offsets of a group can be reset only while it has no live members.
    case groupHasMembers(group: String, members: Int)
    case unknownGroup(String)
    case consumerClosed
    case invalidConfiguration(key: String, reason: String)
    /// The state directory is held by another process.
    case locked(path: String)

    public var description: String {
        switch self {
        case .unknownTopic(let name): "unknown topic '\(name)'"
        case .topicAlreadyExists(let name, let partitions):
            "topic '\(name)' already exists with \(partitions) partitions"
        case .invalidTopicName(let name):
            "invalid topic name '\(name)': use 1-200 of [A-Za-z0-9._-]"
        case .invalidPartitionCount(let count): "invalid partition count \(count): use 1...1024"
        case .unknownPartition(let topic, let partition): "topic '\(topic)' has no partition \(partition)"
        case .offsetOutOfRange(let topic, let partition, let offset, let start, let end):
            "offset \(offset) is out of range for \(topic)-\(partition) (valid: \(start)...\(end))"
        case .diskFull(let path): "disk full while writing \(path); the append was not kept"
        case .io(let operation, let path, let errno):
            "\(operation) failed on \(path): \(String(cString: strerror(errno))) (errno \(errno))"
        case .corruptSegment(let path, let position, let reason):
            "corrupt record in \(path) at byte \(position): \(reason)"
        case .recordTooLarge(let bytes, let limit): "record of \(bytes) bytes exceeds the limit of \(limit)"
        case .partitionFailed(let topic, let partition, let reason):
            "partition \(topic)-\(partition) stopped accepting writes: \(reason); reopen the log"
        case .logClosed: "the log is closed"
        case .groupHasMembers(let group, let members):
            "consumer group '\(group)' has \(members) live member(s); stop them before resetting offsets"
        case .unknownGroup(let group): "unknown consumer group '\(group)'"
        case .consumerClosed: "the consumer is closed"
        case .invalidConfiguration(let key, let reason): "invalid log configuration \(key): \(reason)"
        case .locked(let path): "\(path) is locked by another process"
        }
    }
}

extension SagaLogError {
    /// `error` as a `SagaLogError`; anything else (not thrown by this module) as an I/O failure.
    static func from(_ error: any Error) -> SagaLogError {
        if let error = error as? SagaLogError { return error }
        return .io(operation: String(describing: error), path: "", errno: 0)
    }
}
