import Foundation

/// The API's timestamps: RFC 3339 in UTC with milliseconds, e.g. `2026-11-27T06:31:00.123Z`.
public enum RFC3339 {
    /// The timestamp of `millis` since the Unix epoch.
    public static func format(millis: Int64) -> String {
        var seconds = time_t(millis / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, Int32(millis % 1000))
    }
}
