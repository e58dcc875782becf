import Foundation
import MessageLog

/// Turns events into log records and back: JSON values (written and, in the common case, read
/// by `EventJSON`; `JSONDecoder` decides the rest), the order id as key, and the event id and
/// type as headers so tools can read them without parsing the value.
public enum EventCodec {
    public static let eventIDHeader = "event-id"
    public static let eventTypeHeader = "event-type"

    public static func record(for event: SagaEvent) throws -> ProducerRecord {
        ProducerRecord(key: event.orderID, value: Array(try value(for: event)), headers: headers(eventID: event.id, type: event.type))
    }

    /// The record value of `event`: what the outbox stores and the relay appends as it is.
    public static func value(for event: SagaEvent) throws -> Data { Data(EventJSON.encode(event)) }

    /// The headers of the record of event `eventID` of `type`.
    public static func headers(eventID: String, type: SagaEventType) -> [RecordHeader] {
        [RecordHeader(name: eventIDHeader, string: eventID), RecordHeader(name: eventTypeHeader, string: type.rawValue)]
    }

    public static func event(from record: LogRecord) throws(EventDecodingError) -> SagaEvent {
        if let event = EventJSON.decode(record.value) { return event }
        do {
            return try JSONDecoder().decode(SagaEvent.self, from: Data(record.value))
        } catch {
            throw EventDecodingError(topic: record.topic, offset: record.offset, reason: "\(error)")
        }
    }
}
