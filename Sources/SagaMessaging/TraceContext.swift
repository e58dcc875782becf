/// A W3C Trace Context (`traceparent`, https://www.w3.org/TR/trace-context/): the trace an
/// order belongs to and the span of one hop. An order keeps the context it was placed with;
/// each of its events carries the same trace id with a span id of its own in a record header.
public struct TraceContext: Sendable, Hashable {
    /// 32 lowercase hex digits, not all zero.
    public let traceID: String
    /// 16 lowercase hex digits, not all zero.
    public let spanID: String
    /// The trace flags; only the sampled bit (0x01) is defined for version 00 and kept.
    public let flags: UInt8
    /// The `traceparent` value, always version 00; made once, as every hop writes it.
    public let header: String

    /// The record header and HTTP header name.
    public static let headerName = "traceparent"

    /// A context from its parts, or nil when they break the spec's rules.
    public init?(traceID: String, spanID: String, flags: UInt8) {
        guard Self.isHex(traceID, count: 32), Self.isHex(spanID, count: 16) else { return nil }
        self.init(uncheckedTraceID: traceID, spanID: spanID, flags: flags & 0x01)
    }

    /// Parses a `traceparent` value as the spec's section 4 asks of a receiver: version 00
    /// exactly 55 characters; a later version at least 55, its first four fields read as 00's
    /// and anything after them set off by a dash; version ff, upper-case hex and all-zero ids
    /// invalid. Nil for anything invalid: the receiver then starts a new trace.
    public init?(header: String) {
        let bytes = Array(header.utf8)
        guard bytes.count >= 55, bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"),
              bytes[52] == UInt8(ascii: "-") else { return nil }
        let version = String(decoding: bytes[0..<2], as: UTF8.self)
        guard Self.isHex(version, count: 2, allowZero: true), version != "ff" else { return nil }
        if version == "00" {
            guard bytes.count == 55 else { return nil }
        } else if bytes.count > 55, bytes[55] != UInt8(ascii: "-") {
            return nil
        }
        let flagText = String(decoding: bytes[53..<55], as: UTF8.self)
        guard Self.isHex(flagText, count: 2, allowZero: true), let flags = UInt8(flagText, radix: 16) else { return nil }
        self.init(
            traceID: String(decoding: bytes[3..<35], as: UTF8.self),
            spanID: String(decoding: bytes[36..<52], as: UTF8.self), flags: flags)
    }

    /// A new trace (sampled), for an order placed without a valid `traceparent`.
    public static func newTrace() -> TraceContext {
        TraceContext(uncheckedTraceID: hex(RandomBits.nonZero()) + hex(RandomBits.next()), spanID: hex(RandomBits.nonZero()), flags: 1)
    }

    /// The same trace with a new span: the context of an event this hop emits.
    public func child() -> TraceContext {
        TraceContext(uncheckedTraceID: traceID, spanID: Self.hex(RandomBits.nonZero()), flags: flags)
    }

    private init(uncheckedTraceID: String, spanID: String, flags: UInt8) {
        traceID = uncheckedTraceID
        self.spanID = spanID
        self.flags = flags
        header = "00-" + uncheckedTraceID + "-" + spanID + (flags == 0 ? "-00" : "-01")
    }

    private static func hex(_ word: UInt64) -> String {
        let digits = String(word, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    private static func isHex(_ text: String, count: Int, allowZero: Bool = false) -> Bool {
        var nonZero = false
        var length = 0
        for byte in text.utf8 {
            length += 1
            switch byte {
            case UInt8(ascii: "0"): break
            case UInt8(ascii: "1")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): nonZero = true
            default: return false
            }
        }
        return length == count && (allowZero || nonZero)
    }
}

extension RandomBits {
    /// A random word that is not zero (an id of all zeros is invalid in a trace context).
    static func nonZero() -> UInt64 {
        while true {
            let word = next()
            if word != 0 { return word }
        }
    }
}
