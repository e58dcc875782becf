import Foundation
import MessageLog
@testable import SagaDaemon
import SagaMessaging
import Testing

/// The pieces of /metrics computed by sagad itself: process metrics from /proc, dead letters
/// waiting for a replay, and the state directory's disk usage.
@Suite struct MetricsExporterTests {
    @Test func procStatIsReadPastACommandNameWithSpacesAndParentheses() throws {
        // Fields 3..24 of proc(5): state, ppid, ..., utime (14), stime (15), num_threads (20),
        // starttime (22), vsize (23), rss (24).
        let fields = (3...24).map { n -> String in
            switch n {
            case 3: "S"
            case 14: "250"
            case 15: "50"
            case 20: "7"
            case 22: "1000"
            case 23: "4096000"
            case 24: "300"
            default: "0"
            }
        }
        let stat = try #require(ProcessMetrics.parseStat("42 (sagad (x) y) " + fields.joined(separator: " ") + " 0 0\n"))
        #expect(stat.utime == 250 && stat.stime == 50 && stat.threads == 7)
        #expect(stat.startTicks == 1000 && stat.vsize == 4_096_000 && stat.rssPages == 300)
        #expect(ProcessMetrics.parseStat("42 (sagad) S 1 2") == nil)
    }

    @Test func processMetricsDescribeThisProcess() throws {
        let text = ProcessMetrics.exposition()
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            values[String(parts[0])] = Double(parts[1])
        }
        #expect(text.contains("# TYPE process_cpu_seconds_total counter"))
        #expect(values["process_cpu_seconds_total", default: -1] > 0)
        #expect(values["process_resident_memory_bytes", default: 0] > 1_000_000)
        #expect(values["process_open_fds", default: 0] >= 3)
        #expect(values["process_max_fds", default: 0] >= values["process_open_fds", default: .infinity])
        let started = try #require(values["process_start_time_seconds"])
        let now = Date().timeIntervalSince1970
        #expect(started <= now + 1 && started > now - 24 * 3600, "started \(started), now \(now)")
    }

    @Test func procFilesAreReadPastTheirFirstPage() throws {
        // A Swift test process maps dozens of libraries: many pages of /proc/self/maps.
        let maps = try #require(ProcessMetrics.readWhole("/proc/self/maps"))
        #expect(maps.utf8.count > 3 * 4096)
        #expect(maps.hasSuffix("\n"))
        #expect(ProcessMetrics.readWhole("/proc/no-such-file") == nil)
    }

    @Test func deadLettersPendingAreThoseTheReplayGroupHasNotTaken() {
        func stats(_ topic: String, _ partition: Int, start: Int64 = 0, end: Int64) -> PartitionStatistics {
            PartitionStatistics(topic: topic, partition: partition, startOffset: start, endOffset: end, bytes: 0,
                                segmentCount: 1, queuedBytes: 0, writes: 0, syncs: 0, failed: false)
        }
        let statistics = [
            stats("orders", 0, end: 100), stats("orders", 1, end: 80), stats("checkout", 0, end: 50),
            stats("orders.dlq", 0, end: 5), stats("payments.dlq", 0, start: 2, end: 4),
        ]
        let replayed = GroupPartitionLag(group: DeadLetterQueue.replayGroup, topic: "orders.dlq", partition: 0,
                                         committedOffset: 3, endOffset: 5, lag: 2, members: 0)
        let other = GroupPartitionLag(group: "order", topic: "orders.dlq", partition: 0, committedOffset: 5, endOffset: 5,
                                      lag: 0, members: 1)
        #expect(MetricsExporter.pendingDeadLetters(statistics, lag: [replayed, other])
            == ["orders": 2, "checkout": 0, "payments": 2])
        #expect(MetricsExporter.pendingDeadLetters(statistics, lag: []) == ["orders": 5, "checkout": 0, "payments": 2])
    }

    @Test func stateDiskUsageCountsWhatTheFilesTake() throws {
        let directory = NSTemporaryDirectory() + "state-usage-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory + "/data/log", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let empty = try #require(StateDiskUsage.measure(directory))
        try Data(repeating: 7, count: 1 << 20).write(to: URL(fileURLWithPath: directory + "/data/log/segment"))
        let full = try #require(StateDiskUsage.measure(directory))
        #expect(full.usedBytes - empty.usedBytes >= 1 << 20)
        #expect(full.sizeBytes > 0 && full.availableBytes <= full.sizeBytes)
    }
}
