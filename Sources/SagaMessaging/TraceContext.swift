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
        var text = header
        text.makeContiguousUTF8()  // native strings already are: no copy
        guard let parsed = text.utf8.withContiguousStorageIfAvailable(Self.parse) ?? nil else { return nil }
        self.init(uncheckedTraceID: parsed.traceID, spanID: parsed.spanID, flags: parsed.flags & 0x01)
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> (traceID: String, spanID: String, flags: UInt8)? {
        guard bytes.count >= 55, bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"),
              bytes[52] == UInt8(ascii: "-"), isHex(bytes[0..<2], allowZero: true),
              !(bytes[0] == UInt8(ascii: "f") && bytes[1] == UInt8(ascii: "f"))
        else { return nil }
        if bytes[0] == UInt8(ascii: "0") && bytes[1] == UInt8(ascii: "0") {
            guard bytes.count == 55 else { return nil }
        } else if bytes.count > 55, bytes[55] != UInt8(ascii: "-") {
            return nil
        }
        guard isHex(bytes[53..<55], allowZero: true), isHex(bytes[3..<35]), isHex(bytes[36..<52]) else { return nil }
        let flags = hexValue(bytes[53]) << 4 | hexValue(bytes[54])
        return (String(decoding: bytes[3..<35], as: UTF8.self), String(decoding: bytes[36..<52], as: UTF8.self), flags)
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
        // 55 bytes for valid ids; sized from the parts, so that no id can write past the end.
        header = String(unsafeUninitializedCapacity: 7 + uncheckedTraceID.utf8.count + spanID.utf8.count) { out in
            var count = 0
            func put(_ bytes: some Sequence<UInt8>) {
                for byte in bytes {
                    out[count] = byte
                    count += 1
                }
            }
            put("00-".utf8)
            put(uncheckedTraceID.utf8)
            put("-".utf8)
            put(spanID.utf8)
            put((flags == 0 ? "-00" : "-01").utf8)
            return count
        }
    }

    /// 16 lowercase hex digits, leading zeros kept.
    private static func hex(_ word: UInt64) -> String {
        String(unsafeUninitializedCapacity: 16) { buffer in
            for index in 0..<16 {
                let nibble = UInt8(truncatingIfNeeded: word >> (60 - 4 * UInt64(index))) & 0xF
                buffer[index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
            }
            return 16
        }
    }

    /// Whether `text` is lowercase hex digits, at least one of them not zero unless `allowZero`.
    private static func isHex(_ text: some Collection<UInt8>, allowZero: Bool = false) -> Bool {
        var nonZero = false
        for byte in text {
            switch byte {
            case UInt8(ascii: "0"): break
            case UInt8(ascii: "1")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): nonZero = true
            default: return false
            }
        }
        return allowZero || nonZero
    }

    private static func isHex(_ text: String, count: Int) -> Bool { text.utf8.count == count && isHex(text.utf8) }

    /// The value of a digit `isHex` accepted.
    private static func hexValue(_ digit: UInt8) -> UInt8 {
        digit <= UInt8(ascii: "9") ? digit - UInt8(ascii: "0") : digit - UInt8(ascii: "a") + 10
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
