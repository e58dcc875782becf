import SagaAPI

/// Turns the log's partitions, consumer groups and records into human-readable output.
struct LogPresenter {
    var timestamps = TimestampFormatter(includeMilliseconds: true)

    /// The `topics` table, one row per topic: TOPIC, PARTITIONS, RECORDS, BYTES, SEGMENTS.
    func topicsTable(_ partitions: [PartitionInfo]) -> TextTable {
        var table = TextTable([
            .init("TOPIC"), .init("PARTITIONS", .right), .init("RECORDS", .right), .init("BYTES", .right),
            .init("SEGMENTS", .right),
        ])
        for (topic, parts) in Dictionary(grouping: partitions, by: \.topic).sorted(by: { $0.key < $1.key }) {
            table.append([topic, String(parts.count), String(parts.reduce(0) { $0 + $1.endOffset - $1.startOffset }),
                          String(parts.reduce(0) { $0 + $1.bytes }), String(parts.reduce(0) { $0 + $1.segments })])
        }
        return table
    }

    /// The `topics --partitions` table: TOPIC, PARTITION, START, END, BYTES, SEGMENTS.
    func partitionsTable(_ partitions: [PartitionInfo]) -> TextTable {
        var table = TextTable([
            .init("TOPIC"), .init("PARTITION", .right), .init("START", .right), .init("END", .right),
            .init("BYTES", .right), .init("SEGMENTS", .right),
        ])
        for info in partitions.sorted(by: { ($0.topic, $0.partition) < ($1.topic, $1.partition) }) {
            table.append([info.topic, String(info.partition), String(info.startOffset), String(info.endOffset),
                          String(info.bytes), String(info.segments)])
        }
        return table
    }

    /// The `groups` table: GROUP, TOPIC, PARTITION, COMMITTED, END, LAG, MEMBERS.
    func groupsTable(_ groups: [GroupLag]) -> TextTable {
        var table = TextTable([
            .init("GROUP"), .init("TOPIC"), .init("PARTITION", .right), .init("COMMITTED", .right),
            .init("END", .right), .init("LAG", .right), .init("MEMBERS", .right),
        ])
        let ordered = groups.sorted { ($0.group, $0.topic, $0.partition) < ($1.group, $1.topic, $1.partition) }
        for lag in ordered {
            table.append([lag.group, lag.topic, String(lag.partition), lag.committedOffset.map(String.init) ?? "-",
                          String(lag.endOffset), String(lag.lag), String(lag.members)])
        }
        return table
    }

    /// The `dlq list` table; the value comes last so long values do not widen other columns.
    func deadLetterTable(_ records: [LogRecord]) -> TextTable {
        var table = TextTable([
            .init("TOPIC"), .init("PARTITION", .right), .init("OFFSET", .right), .init("KEY"), .init("AT"),
            .init("HEADERS"), .init("VALUE"),
        ])
        for record in records {
            table.append([record.topic, String(record.partition), String(record.offset), record.key,
                          timestamps.format(record.timestamp), headerText(record.headers), record.value])
        }
        return table
    }

    /// The line `tail` prints for one record: partition/offset, time, key, headers, value.
    func recordLine(_ record: LogRecord) -> String {
        "\(record.partition)/\(record.offset)  \(timestamps.format(record.timestamp))  key=\(record.key)  "
            + "\(headerText(record.headers))  \(record.value)"
    }

    /// Headers as `{name=value, …}` sorted by name, or `{}`.
    func headerText(_ headers: [String: String]) -> String {
        "{" + headers.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + "}"
    }
}
