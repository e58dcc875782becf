import Foundation
import MessageLog

/// Turns events into log records and back: JSON values (written and, in the common case, read
/// by `EventJSON`; `JSONDecoder` decides the rest), the order id as key, and the event id and
/// type as headers so tools can read them without parsing the value, and the order's trace
/// context (`traceparent`) as a header when the event has one.
public enum EventCodec {
    public static let eventIDHeader = "event-id"
    public static let eventTypeHeader = "event-type"

    public static func record(for event: SagaEvent) throws -> ProducerRecord {
        ProducerRecord(
            key: event.orderID, value: value(for: event),
            headers: headers(eventID: event.id, type: event.type, traceparent: event.trace?.header))
    }

    /// The record value of `event`: what the outbox stores and the relay appends as it is.
    public static func value(for event: SagaEvent) -> [UInt8] { EventJSON.encode(event) }

    /// The headers of the record of event `eventID` of `type`.
    /// The headers of the record of event `eventID` of `type`, with its `traceparent` if any.
    public static func headers(eventID: String, type: SagaEventType, traceparent: String? = nil) -> [RecordHeader] {
        var headers = [RecordHeader(name: eventIDHeader, string: eventID), RecordHeader(name: eventTypeHeader, string: type.rawValue)]
        if let traceparent { headers.append(RecordHeader(name: TraceContext.headerName, string: traceparent)) }
        return headers
    }

    /// The event of `record`, with the trace context of its `traceparent` header (none when
    /// the header is absent or invalid).
    public static func event(from record: LogRecord) throws(EventDecodingError) -> SagaEvent {
        var event: SagaEvent
        if let fast = EventJSON.decode(record.value) {
            event = fast
        } else {
            do {
                event = try JSONDecoder().decode(SagaEvent.self, from: Data(record.value))
            } catch {
                throw EventDecodingError(topic: record.topic, offset: record.offset, reason: "\(error)")
            }
        }
        event.trace = trace(of: record)
        return event
    }

    /// The trace context of a record's `traceparent` header, if it has a valid one.
    public static func trace(of record: LogRecord) -> TraceContext? {
        guard let header = record.headers.first(where: { $0.name == TraceContext.headerName }) else { return nil }
        return TraceContext(header: header.stringValue)
    }
}
