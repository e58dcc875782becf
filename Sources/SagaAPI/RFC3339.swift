import Foundation

/// The API's timestamps: RFC 3339 in UTC with milliseconds, e.g. `2026-11-27T06:31:00.123Z`.
public enum RFC3339 {
    /// The timestamp of `millis` since the Unix epoch. Written digit by digit: every order in
    /// every response carries two or more, and `String(format:)` cost 3% of the daemon's CPU.
    public static func format(millis: Int64) -> String {
        var seconds = time_t(millis.floorDivided(by: 1000))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let year = Int(parts.tm_year) + 1900
        guard (0...9999).contains(year) else {
            return String(
                format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, parts.tm_mon + 1, parts.tm_mday,
                parts.tm_hour, parts.tm_min, parts.tm_sec, Int32(millis.floorModulo(1000)))
        }
        return String(unsafeUninitializedCapacity: 24) { text in
            func put(_ value: Int, digits: Int, at start: Int) {
                var rest = value
                for index in stride(from: start + digits - 1, through: start, by: -1) {
                    text[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
            }
            put(year, digits: 4, at: 0)
            text[4] = UInt8(ascii: "-")
            put(Int(parts.tm_mon) + 1, digits: 2, at: 5)
            text[7] = UInt8(ascii: "-")
            put(Int(parts.tm_mday), digits: 2, at: 8)
            text[10] = UInt8(ascii: "T")
            put(Int(parts.tm_hour), digits: 2, at: 11)
            text[13] = UInt8(ascii: ":")
            put(Int(parts.tm_min), digits: 2, at: 14)
            text[16] = UInt8(ascii: ":")
            put(Int(parts.tm_sec), digits: 2, at: 17)
            text[19] = UInt8(ascii: ".")
            put(Int(millis.floorModulo(1000)), digits: 3, at: 20)
            text[23] = UInt8(ascii: "Z")
            return 24
        }
    }
}

extension Int64 {
    /// Division rounding down, so that a moment before the epoch falls in the second before it.
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return self % divisor < 0 ? quotient - 1 : quotient
    }

    /// The remainder that goes with `floorDivided(by:)`: always from 0 to divisor − 1.
    fileprivate func floorModulo(_ divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
