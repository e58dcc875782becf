/// What a caller must tell apart when a log call fails, whatever the backend: the HTTP edge
/// answers 404, 422, 409, 503 or 507 from it, the daemon exits "already running" on `storageInUse`.
public enum MessageLogFailureKind: Sendable, Equatable {
    /// No such topic, partition or consumer group.
    case notFound
    /// The call named something invalid: a topic name, an offset outside a partition.
    case invalidRequest
    /// A group's offsets were to be reset while it still has live members.
    case groupHasMembers
    /// The member's partitions were handed to others (a rebalance) before it committed its
    /// offsets: they are not committed, and the new owners read those records again.
    case membershipLost
    /// The log's storage at `path` is held by another process.
    case storageInUse(path: String)
    /// The filesystem holding the log is full; nothing of the failed write was kept. A fault of
    /// the machine, not of the call: it succeeds once space is freed.
    case storageFull
    /// The log cannot serve the call (closed, I/O failure, bad setting); the description says which.
    case unavailable
}

/// An error a log backend throws, classified so callers need not know the backend's own type.
public protocol MessageLogError: Error, CustomStringConvertible, Sendable {
    var kind: MessageLogFailureKind { get }
}
