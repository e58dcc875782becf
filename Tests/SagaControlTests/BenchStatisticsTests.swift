import Foundation
import Testing
@testable import SagaControl

@Suite("bench statistics")
struct BenchStatisticsTests {
    @Test("percentiles of 1...1000 µs come out at the expected ranks, in milliseconds")
    func percentilesOfKnownValues() {
        var histogram = LatencySummary.makeHistogram()
        for micros in 1...1000 { LatencySummary.record(.microseconds(micros), in: &histogram) }
        let summary = LatencySummary(microseconds: histogram)
        #expect(summary.count == 1000)
        #expect(summary.p50Ms == 0.5)
        #expect(summary.p90Ms == 0.9)
        #expect(summary.p99Ms == 0.99)
        #expect(summary.maxMs == 1.0)
    }

    @Test("a skewed distribution: p99 and max see the outliers, p50 does not")
    func skewed() {
        var histogram = LatencySummary.makeHistogram()
        for _ in 0..<98 { LatencySummary.record(.milliseconds(2), in: &histogram) }
        LatencySummary.record(.milliseconds(150), in: &histogram)
        LatencySummary.record(.seconds(3), in: &histogram)
        let summary = LatencySummary(microseconds: histogram)
        #expect(summary.p50Ms == 2)
        #expect(summary.p90Ms == 2)
        #expect(abs(summary.p99Ms - 150) <= 0.15)  // three significant digits
        #expect(summary.maxMs == 3000)
    }

    @Test("an empty histogram reports zeros under the JSON keys; sub-microsecond values count as 1 µs")
    func emptyAndTiny() throws {
        let empty = LatencySummary(microseconds: LatencySummary.makeHistogram())
        #expect(fields(empty) == [0, 0, 0, 0, 0])
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(empty)) as? [String: Double]
        #expect(json == ["count": 0, "p50_ms": 0, "p90_ms": 0, "p99_ms": 0, "max_ms": 0])
        var histogram = LatencySummary.makeHistogram()
        LatencySummary.record(.nanoseconds(10), in: &histogram)
        LatencySummary.record(.zero, in: &histogram)
        #expect(fields(LatencySummary(microseconds: histogram)) == [2, 0.001, 0.001, 0.001, 0.001])
    }

    /// count, p50, p90, p99 and max, in that order.
    private func fields(_ summary: LatencySummary) -> [Double] {
        [Double(summary.count), summary.p50Ms, summary.p90Ms, summary.p99Ms, summary.maxMs]
    }

    @Test("the summary counts statuses and failures and derives throughput from wall time")
    func summaryFromResult() throws {
        var result = BenchResult(orders: 4, concurrency: 2, amount: "1.00")
        result.add(BenchOrderOutcome(finalStatus: "finished", createLatency: .milliseconds(1),
                                     terminalLatency: .milliseconds(10), overloadRetries: 2))
        result.add(BenchOrderOutcome(finalStatus: "finished", createLatency: .milliseconds(1),
                                     terminalLatency: .milliseconds(30)))
        result.add(BenchOrderOutcome(finalStatus: "refunded", createLatency: .milliseconds(3),
                                     terminalLatency: .milliseconds(20)))
        result.add(BenchOrderOutcome(failure: "Unprocessable: amount too large"))
        result.wallTime = .seconds(2)
        let summary = BenchSummary(result)
        #expect(summary.completed == 3)
        #expect(summary.ordersPerSecond == 1.5)
        #expect(summary.statuses == ["finished": 2, "refunded": 1])
        #expect(summary.failures == ["Unprocessable: amount too large": 1])
        #expect(summary.overloadRetries == 2)
        #expect(abs(summary.createToTerminal.p50Ms - 20) <= 0.02)  // three significant digits
        #expect(summary.createToTerminal.maxMs == 30)
        #expect(summary.createRequest.count == 3)
        let report = summary.reportLines()
        let statusHeader = try #require(report.first { $0.hasPrefix("STATUS") })
        let finishedRow = try #require(report.first { $0.hasPrefix("finished ") })
        #expect(finishedRow.hasSuffix(" 2"))
        #expect(finishedRow.count == statusHeader.count)  // right-aligned under ORDERS
        #expect(report.contains("     1  Unprocessable: amount too large"))
        #expect(report.contains("failed      1 orders (see ERRORS)"))
        #expect(report.contains { $0.hasPrefix("throughput  1.5 orders/s") })
    }
}

@Suite("bench progress")
struct BenchProgressTests {
    @Test("without a terminal, one line per completed tenth")
    func linesEveryTenth() {
        var progress = BenchProgress(total: 20, isTerminal: false)
        let lines = (1...20).compactMap { progress.update(completed: $0, elapsed: .seconds($0)) }
        #expect(lines.count == 10)
        #expect(lines.first == "2/20 orders (10%), 1.0 orders/s\n")
        #expect(lines.last == "20/20 orders (100%), 1.0 orders/s\n")
        #expect(progress.finish() == nil)
    }

    @Test("on a terminal, a redrawn bar, throttled but always drawn at the end")
    func barOnTerminal() {
        var progress = BenchProgress(total: 4, isTerminal: true)
        progress.barWidth = 8
        #expect(progress.update(completed: 1, elapsed: .milliseconds(500)) == "\r[##......] 25% 1/4  2.0 orders/s")
        #expect(progress.update(completed: 2, elapsed: .milliseconds(550)) == nil)
        #expect(progress.update(completed: 4, elapsed: .milliseconds(560))?.hasPrefix("\r[########] 100% 4/4") == true)
        #expect(progress.finish() == "\r\u{1B}[2K")
    }
}
