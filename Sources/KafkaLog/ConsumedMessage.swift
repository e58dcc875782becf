import CRdKafka
import MessageLog

/// A record librdkafka handed over, as the log API's `LogRecord` (topic named without the
/// namespace); nil for a topic outside it.
func logRecord(_ message: UnsafeMutablePointer<rd_kafka_message_t>, configuration: KafkaConfiguration) -> LogRecord? {
    guard let topicHandle = message.pointee.rkt,
        let topic = configuration.logName(String(cString: rd_kafka_topic_name(topicHandle)))
    else { return nil }
    var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
    let timestamp = rd_kafka_message_timestamp(message, &timestampType)
    return LogRecord(
        topic: topic, partition: Int(message.pointee.partition), offset: message.pointee.offset,
        timestampMillis: max(timestamp, 0),
        key: bytes(message.pointee.key, message.pointee.key_len),
        value: bytes(message.pointee.payload, message.pointee.len),
        headers: headers(of: message))
}

private func bytes(_ pointer: UnsafeMutableRawPointer?, _ count: Int) -> [UInt8] {
    guard let pointer, count > 0 else { return [] }
    return Array(UnsafeRawBufferPointer(start: pointer, count: count))
}

private func headers(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> [RecordHeader] {
    var list: OpaquePointer?
    guard rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
    var headers: [RecordHeader] = []
    var index = 0
    var name: UnsafePointer<CChar>?
    var value: UnsafeRawPointer?
    var size = 0
    while rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
        let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
        headers.append(RecordHeader(name: name.map { String(cString: $0) } ?? "", value: bytes))
        index += 1
    }
    return headers
}
