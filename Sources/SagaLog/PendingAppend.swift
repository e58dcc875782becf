/// One caller's records waiting in a partition's queue for the group-commit writer: their
/// frames are encoded already, with offset and CRC still blank.
struct PendingAppend: Sendable {
    var frames: [UInt8]
    var frameStarts: [Int]
    var completion: @Sendable (Result<Int64, SagaLogError>) -> Void

    var byteCount: Int { frames.count }
    var recordCount: Int { frameStarts.count }

    /// Encodes `records`; the result's completion receives the first offset.
    init(records: [ProducerRecord], now: Int64, completion: @escaping @Sendable (Result<Int64, SagaLogError>) -> Void) {
        var frames: [UInt8] = []
        frames.reserveCapacity(records.reduce(0) { $0 + RecordFrame.encodedLength(of: $1) })
        var starts: [Int] = []
        starts.reserveCapacity(records.count)
        for record in records {
            starts.append(frames.count)
            RecordFrame.encode(record, timestampMillis: record.timestampMillis ?? now, into: &frames)
        }
        self.frames = frames
        self.frameStarts = starts
        self.completion = completion
    }
}
