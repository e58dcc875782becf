import Foundation
import MessageLog

/// Turns events into log records and back: JSON values, the order id as key, and the event
/// id and type as headers so tools can read them without parsing the value.
public enum EventCodec {
    public static let eventIDHeader = "event-id"
    public static let eventTypeHeader = "event-type"

    public static func record(for event: SagaEvent) throws -> ProducerRecord {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return ProducerRecord(
            key: event.orderID, value: Array(try encoder.encode(event)),
            headers: [
                RecordHeader(name: eventIDHeader, string: event.id),
                RecordHeader(name: eventTypeHeader, string: event.type.rawValue),
            ])
    }

    public static func event(from record: LogRecord) throws(EventDecodingError) -> SagaEvent {
        do {
            return try JSONDecoder().decode(SagaEvent.self, from: Data(record.value))
        } catch {
            throw EventDecodingError(topic: record.topic, offset: record.offset, reason: "\(error)")
        }
    }
}
