import CRdKafka

/// One librdkafka client handle (producer or consumer) and the metadata calls every handle
/// answers. librdkafka handles are thread-safe; this one is destroyed with the object.
final class RdKafkaClient: @unchecked Sendable {
    let handle: OpaquePointer
    let requestTimeoutMillis: Int32
    /// What the handle's callbacks point at (their opaque): released only after the handle.
    private let callbackTarget: AnyObject?

    private init(handle: OpaquePointer, requestTimeoutMillis: Int32, callbackTarget: AnyObject?) {
        self.handle = handle
        self.requestTimeoutMillis = requestTimeoutMillis
        self.callbackTarget = callbackTarget
    }

    /// A client of `type` with `properties`; `configure` may add callbacks to the configuration,
    /// and `callbackTarget` is kept alive as long as the handle.
    static func make(
        _ type: rd_kafka_type_t, properties: [String: String], requestTimeoutMillis: Int32,
        callbackTarget: AnyObject? = nil, configure: (OpaquePointer) -> Void = { _ in }
    ) throws -> RdKafkaClient {
        guard let conf = rd_kafka_conf_new() else { throw KafkaLogError.badSetting(key: "*", reason: "out of memory") }
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            guard rd_kafka_conf_set(conf, key, value, &errorText, errorText.count) == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                throw KafkaLogError.badSetting(key: key, reason: text(of: errorText))
            }
        }
        configure(conf)
        // On success the handle owns the configuration; on failure it is still ours.
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaLogError.badSetting(key: "*", reason: text(of: errorText))
        }
        return RdKafkaClient(handle: handle, requestTimeoutMillis: requestTimeoutMillis, callbackTarget: callbackTarget)
    }

    deinit { rd_kafka_destroy(handle) }

    /// The partition count of every topic on the cluster, by its cluster name.
    func partitionCounts() throws -> [String: Int] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let code = rd_kafka_metadata(handle, 1, nil, &metadata, requestTimeoutMillis)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw code == RD_KAFKA_RESP_ERR__TIMED_OUT
                ? KafkaLogError.timedOut(operation: "metadata request") : KafkaLogError.client("metadata request", code)
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        var counts: [String: Int] = [:]
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let topic = metadata.pointee.topics[index]
            guard topic.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            counts[String(cString: topic.topic)] = Int(topic.partition_cnt)
        }
        return counts
    }

    /// The first offset held and the offset the next record gets, asked of the partition's leader.
    func watermarks(topic: String, partition: Int) throws -> (low: Int64, high: Int64) {
        var low: Int64 = 0
        var high: Int64 = 0
        let code = rd_kafka_query_watermark_offsets(handle, topic, Int32(partition), &low, &high, requestTimeoutMillis)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw code == RD_KAFKA_RESP_ERR__TIMED_OUT
                ? KafkaLogError.timedOut(operation: "watermark query") : KafkaLogError.client("watermark query of \(topic)-\(partition)", code)
        }
        return (low, high)
    }
}

/// A librdkafka partition list built from `(topic, partition, offset)` triples; freed by the caller.
func makePartitionList(_ entries: [(topic: String, partition: Int, offset: Int64)]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
    let list = rd_kafka_topic_partition_list_new(Int32(entries.count))!
    for entry in entries {
        rd_kafka_topic_partition_list_add(list, entry.topic, Int32(entry.partition)).pointee.offset = entry.offset
    }
    return list
}

/// The `(topic, partition, offset, error)` entries of a librdkafka partition list.
func partitionEntries(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>)
    -> [(topic: String, partition: Int, offset: Int64, error: rd_kafka_resp_err_t)]
{
    (0..<Int(list.pointee.cnt)).map { index in
        let element = list.pointee.elems[index]
        return (String(cString: element.topic), Int(element.partition), element.offset, element.err)
    }
}

/// The NUL-terminated text librdkafka wrote into `buffer`.
func text(of buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
