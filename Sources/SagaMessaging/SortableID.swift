/// Ids that sort by creation time: UUIDv7 (48-bit Unix milliseconds, then 74 random bits) as
/// lowercase text, so `ORDER BY id` is creation order and pages by `after=<id>` are stable.
/// Event ids are made the same way: inserted in time order, an inbox's or outbox's unique index
/// grows at its right edge instead of touching a random page per event (random ids made the
/// saga slower as the inbox grew past SQLite's cache). The random bits come from the kernel's
/// generator through `RandomBits` (`getrandom`, which needs no file descriptor): Foundation's
/// `UUID()` reads `/dev/urandom` and, out of descriptors, has returned the same all-zero id for
/// every event.
public enum SortableID {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    public static func make(millis: Int64 = nowMillis()) -> String {
        var bytes = (RandomBits.next(), RandomBits.next())
        // Big-endian milliseconds in the first 48 bits, then the version and variant bits.
        bytes.0 = (UInt64(truncatingIfNeeded: millis) << 16) | ((bytes.0 & 0x0FFF) | 0x7000)
        bytes.1 = (bytes.1 & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000  // RFC 4122 variant
        return text(bytes.0, bytes.1)
    }

    /// The text every id made at or after `millis` sorts after and every earlier one before:
    /// the timestamp's 12 hex digits (`xxxxxxxx-xxxx`). `id < lowerBound(millis: t)` selects the
    /// ids made before `t` through an index on the id, with no timestamp column.
    public static func lowerBound(millis: Int64) -> String {
        String(text(UInt64(truncatingIfNeeded: max(0, millis)) << 16, 0).prefix(13))
    }

    /// The 128 bits as 8-4-4-4-12 lowercase hex digits: 36 characters.
    private static func text(_ high: UInt64, _ low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { text in
            var position = 0
            func put(_ word: UInt64) {
                for digit in 0..<16 {
                    if position == 8 || position == 13 || position == 18 || position == 23 {
                        text[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    text[position] = hexDigits[Int((word >> UInt64(60 - 4 * digit)) & 0xF)]
                    position += 1
                }
            }
            put(high)
            put(low)
            return position
        }
    }
}
