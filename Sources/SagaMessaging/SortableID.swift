/// Ids that sort by creation time: UUIDv7 (48-bit Unix milliseconds, then random bits) as
/// lowercase text, so `ORDER BY id` is creation order and pages by `after=<id>` are stable.
public enum SortableID {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    public static func make(millis: Int64 = nowMillis()) -> String {
        var bytes = (UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max))
        // Big-endian milliseconds in the first 48 bits, then the version and variant bits.
        let high = (UInt64(truncatingIfNeeded: millis) << 16) | ((bytes.0 & 0x0FFF) | 0x7000)
        bytes.0 = high
        bytes.1 = (bytes.1 & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000  // RFC 4122 variant
        // 8-4-4-4-12 hex digits: 36 characters.
        return String(unsafeUninitializedCapacity: 36) { text in
            var position = 0
            func put(_ word: UInt64, digits: Range<Int>) {
                for digit in digits {
                    if position == 8 || position == 13 || position == 18 || position == 23 {
                        text[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    text[position] = hexDigits[Int((word >> UInt64(60 - 4 * digit)) & 0xF)]
                    position += 1
                }
            }
            put(bytes.0, digits: 0..<16)
            put(bytes.1, digits: 0..<16)
            return position
        }
    }
}
