import Foundation

/// Ids that sort by creation time: UUIDv7 (48-bit Unix milliseconds, then random bits) as
/// lowercase text, so `ORDER BY id` is creation order and pages by `after=<id>` are stable.
public enum SortableID {
    public static func make(millis: Int64 = nowMillis()) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - i))) }
        for i in 6..<16 { bytes[i] = UInt8.random(in: 0...255) }
        bytes[6] = (bytes[6] & 0x0F) | 0x70  // version 7
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        return text(bytes)
    }

    /// A random UUID (version 4) as lowercase text, for event ids. Its bits come from the
    /// standard library's system generator (the `getrandom` system call, which needs no file
    /// descriptor): Foundation's `UUID()` reads `/dev/urandom` and, out of descriptors, has
    /// returned the same all-zero id for every event.
    public static func randomUUID() -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40  // version 4
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        return text(bytes)
    }

    private static func text(_ bytes: [UInt8]) -> String {
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4),
                     hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }
}
