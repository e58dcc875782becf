import Histogram

/// Percentiles of a latency histogram recorded in microseconds, reported in milliseconds.
struct LatencySummary: Codable, Sendable, Equatable {
    var count: UInt64
    var p50Ms: Double
    var p90Ms: Double
    var p99Ms: Double
    var maxMs: Double

    enum CodingKeys: String, CodingKey {
        case count
        case p50Ms = "p50_ms"
        case p90Ms = "p90_ms"
        case p99Ms = "p99_ms"
        case maxMs = "max_ms"
    }

    /// Reads p50/p90/p99 and the exact maximum from `histogram` (values in microseconds).
    init(microseconds histogram: Histogram<UInt64>) {
        count = histogram.totalCount
        guard histogram.totalCount > 0 else {
            p50Ms = 0; p90Ms = 0; p99Ms = 0; maxMs = 0
            return
        }
        p50Ms = Self.milliseconds(histogram.valueAtPercentile(50))
        p90Ms = Self.milliseconds(histogram.valueAtPercentile(90))
        p99Ms = Self.milliseconds(histogram.valueAtPercentile(99))
        maxMs = Self.milliseconds(histogram.maxRecorded)
    }

    /// An empty auto-resizing histogram with three significant digits, for microseconds.
    static func makeHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(numberOfSignificantValueDigits: .three)
    }

    /// Records `duration` in microseconds (at least 1, so a sub-microsecond value still counts).
    static func record(_ duration: Duration, in histogram: inout Histogram<UInt64>) {
        let (seconds, attoseconds) = duration.components
        let micros = max(1, seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
        _ = histogram.record(UInt64(micros))
    }

    private static func milliseconds(_ micros: UInt64) -> Double {
        Double(micros) / 1000
    }
}
