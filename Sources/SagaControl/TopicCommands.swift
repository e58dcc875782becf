import ArgumentParser
import SagaAPI

/// `sagactl topics`: GET /v1/topics.
struct TopicsCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "List the log's topics with their record counts and size.",
        discussion: """
            One row per topic: its partitions, the records it keeps (summed over partitions), \
            bytes and segments. --partitions shows each partition instead: START is the oldest \
            offset still kept, END the offset the next record will get.
            """
    )

    @Flag(help: "One row per partition, with its START and END offsets.")
    var partitions = false

    @OptionGroup var global: GlobalOptions

    func perform(with session: DaemonSession) async throws {
        let request = try ControlRequest(.listTopics)
        let response = try await session.client.send(request).requireSuccess()
        if session.wantsJSON { return session.console.printLine(JSONOutput.prettyPrinted(response.body)) }
        let list = try response.decode(PartitionList.self, path: request.path)
        let presenter = LogPresenter()
        session.printTable(partitions ? presenter.partitionsTable(list.partitions) : presenter.topicsTable(list.partitions))
    }
}

/// `sagactl tail TOPIC`: peeks at a topic's records (every partition, or one), optionally
/// following new ones.
struct TailCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print the latest records of a topic.",
        discussion: """
            Prints partition/offset, time, key, headers and value of each record: the last 10 \
            records of the topic by time (of one partition with --partition), or every record \
            kept with --from-beginning. --follow keeps polling every 500 ms for new records \
            until interrupted. With --json, prints one JSON object per record and line.
            """
    )

    @Argument(help: "The topic, e.g. order_pending (see 'sagactl topics').")
    var topic: String

    @Option(help: ArgumentHelp("Read only this partition.", valueName: "n"))
    var partition: Int?

    @Option(help: ArgumentHelp("How many of the latest records to print first.", valueName: "n"))
    var last = 10

    @Flag(help: "Start at the oldest record still kept.")
    var fromBeginning = false

    @Flag(help: "Keep printing new records as they arrive.")
    var follow = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let partition, partition < 0 { throw ValidationError("--partition must be 0 or more.") }
        guard last >= 0 else { throw ValidationError("--last must be 0 or more.") }
    }

    func perform(with session: DaemonSession) async throws {
        let all = try await session.client.fetch(PartitionList.self, ControlRequest(.listTopics)).partitions
        let selected = all.filter { $0.topic == topic && (partition == nil || $0.partition == partition) }
        guard !selected.isEmpty else {
            let what = partition.map { "topic \(topic) has no partition \($0)" } ?? "no topic \(topic)"
            throw ControlError.notFound("\(what) (see 'sagactl topics')")
        }
        let client = session.client
        let tail = RecordTail(
            follow: follow, latest: fromBeginning ? nil : last,
            starts: Dictionary(uniqueKeysWithValues: selected.map {
                ($0.partition, fromBeginning ? $0.startOffset : max($0.startOffset, $0.endOffset - Int64(last)))
            }))
        let presenter = LogPresenter()
        try await tail.run(
            fetch: { partition, offset, limit in
                try await client.fetch(RecordPage.self, ControlRequest(.peekRecords, topic, query: [
                    ("partition", String(partition)), ("offset", String(offset)), ("limit", String(limit)),
                ])).records
            },
            onRecord: { record in
                if session.wantsJSON, let line = try? JSONOutput.singleLine(record) {
                    session.console.printLine(line)
                } else {
                    session.console.printLine(presenter.recordLine(record))
                }
            })
    }
}

/// Reads partitions page by page from an offset each; prints what each pass found in time
/// order (the first pass only its `latest` records, when set). At the end it stops, or with
/// `follow` waits `pollInterval` and asks again.
struct RecordTail: Sendable {
    typealias Fetch = @Sendable (_ partition: Int, _ offset: Int64, _ limit: Int) async throws -> [LogRecord]

    var follow: Bool
    /// How many records the first pass prints (the newest); `nil` prints them all.
    var latest: Int?
    /// The offset to start at, per partition.
    var starts: [Int: Int64]
    var pageSize = 100
    var pollInterval: Duration = .milliseconds(500)

    func run(fetch: Fetch, onRecord: (LogRecord) -> Void) async throws {
        var next = starts
        var firstPass = true
        while true {
            var found: [LogRecord] = []
            for partition in next.keys.sorted() {
                while true {
                    let page = try await fetch(partition, next[partition]!, pageSize).filter { $0.offset >= next[partition]! }
                    found += page
                    if let last = page.last { next[partition] = last.offset + 1 }
                    if page.count < pageSize { break }
                }
            }
            found.sort { ($0.timestamp, $0.partition, $0.offset) < ($1.timestamp, $1.partition, $1.offset) }
            if firstPass, let latest { found = Array(found.suffix(latest)) }
            found.forEach(onRecord)
            firstPass = false
            guard follow else { return }
            try await Task.sleep(for: pollInterval)
        }
    }
}
