import Foundation
import SagaAPI
import Testing

@Suite struct RFC3339Tests {
    @Test func knownMomentsAreWrittenInUTCWithMilliseconds() {
        #expect(RFC3339.format(millis: 0) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.format(millis: 1_795_847_460_123) == "2026-11-28T06:31:00.123Z")
        #expect(RFC3339.format(millis: 951_782_400_007) == "2000-02-29T00:00:00.007Z")
        #expect(RFC3339.format(millis: 253_402_300_799_999) == "9999-12-31T23:59:59.999Z")
        // Before the epoch the milliseconds still count forward within their second.
        #expect(RFC3339.format(millis: -1) == "1969-12-31T23:59:59.999Z")
    }

    /// What the daemon wrote before, with `String(format:)`, for moments after the epoch.
    private func formatted(_ millis: Int64) -> String {
        var seconds = time_t(millis / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, Int32(millis % 1000))
    }

    @Test func everyMomentIsWrittenAsTheFormatStringWroteIt() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5000 {
            let millis = Int64.random(in: 0...253_402_300_799_999, using: &generator)
            #expect(RFC3339.format(millis: millis) == formatted(millis), "\(millis)")
        }
    }
}
