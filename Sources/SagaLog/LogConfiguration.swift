/// How a `SagaLog` lays out, syncs and trims its files.
public struct LogConfiguration: Sendable, Equatable {
    /// A segment is rolled once its data file would grow past this many bytes.
    public var segmentBytes: Int64 = 64 * 1024 * 1024
    /// A non-empty active segment older than this is rolled at the next append.
    public var segmentMaxAge: Duration = .seconds(24 * 3600)
    /// One sparse index entry is written every this many bytes of records.
    public var indexIntervalBytes: Int = 4096
    public var durability: DurabilityPolicy = .always
    /// Closed segments whose last write is older than this are deleted (`nil`: keep forever).
    public var retentionAge: Duration? = .seconds(7 * 24 * 3600)
    /// Oldest closed segments are deleted while a partition holds more bytes than this.
    public var retentionBytes: Int64? = nil
    /// The most bytes one group-commit write gathers from a partition's queue.
    public var maxBatchBytes: Int = 4 * 1024 * 1024
    /// Largest single record (key + value + headers).
    public var maxRecordBytes: Int = 8 * 1024 * 1024
    /// Where a new consumer group starts reading.
    public var newGroupStart: GroupStartPosition = .earliest

    public init() {}

    /// Throws `invalidConfiguration` naming the first bad field.
    public func validate() throws {
        if segmentBytes < 1024 { throw SagaLogError.invalidConfiguration(key: "segmentBytes", reason: "must be at least 1024") }
        if segmentBytes > Int64(UInt32.max) {
            throw SagaLogError.invalidConfiguration(key: "segmentBytes", reason: "must be below 4 GiB (index positions are 32-bit)")
        }
        if segmentMaxAge <= .zero { throw SagaLogError.invalidConfiguration(key: "segmentMaxAge", reason: "must be positive") }
        if indexIntervalBytes < 64 { throw SagaLogError.invalidConfiguration(key: "indexIntervalBytes", reason: "must be at least 64") }
        if case .interval(let ms) = durability, ms <= 0 {
            throw SagaLogError.invalidConfiguration(key: "durability", reason: "interval must be positive")
        }
        if let age = retentionAge, age <= .zero {
            throw SagaLogError.invalidConfiguration(key: "retentionAge", reason: "must be positive")
        }
        if let bytes = retentionBytes, bytes <= 0 {
            throw SagaLogError.invalidConfiguration(key: "retentionBytes", reason: "must be positive")
        }
        if maxRecordBytes <= 0 || Int64(maxRecordBytes) + 64 > segmentBytes {
            throw SagaLogError.invalidConfiguration(key: "maxRecordBytes", reason: "must be positive and fit in a segment")
        }
    }
}

/// The offset a consumer group with no committed offset starts from.
public enum GroupStartPosition: String, Sendable, Equatable {
    case earliest
    case latest
}
