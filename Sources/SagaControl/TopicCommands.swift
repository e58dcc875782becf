import ArgumentParser

/// `sagactl topics`: GET /v1/topics.
struct TopicsCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "List every topic partition of the log with its offsets and size.",
        discussion: "START is the oldest offset still kept, END the offset the next record will get."
    )

    @OptionGroup var global: GlobalOptions

    func perform(with session: DaemonSession) async throws {
        let request = ControlRequest.get("/v1/topics")
        let response = try await session.client.send(request).requireSuccess()
        if session.wantsJSON { return session.console.printLine(JSONOutput.prettyPrinted(response.body)) }
        let list = try response.decode(PartitionList.self, path: request.path)
        session.printTable(LogPresenter().topicsTable(list.partitions))
    }
}

/// `sagactl tail TOPIC`: peeks at a partition's records, optionally following new ones.
struct TailCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print the latest records of a topic partition.",
        discussion: """
            Prints offset, time, key, headers and value of each record, starting 10 records \
            before the end (or at the start with --from-beginning). --follow keeps polling \
            every 500 ms for new records until interrupted. With --json, prints one JSON \
            object per record and line.
            """
    )

    @Argument(help: "The topic, e.g. order_pending (see 'sagactl topics').")
    var topic: String

    @Option(help: ArgumentHelp("The partition to read.", valueName: "n"))
    var partition = 0

    @Flag(help: "Start at the oldest record still kept.")
    var fromBeginning = false

    @Flag(help: "Keep printing new records as they arrive.")
    var follow = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard partition >= 0 else { throw ValidationError("--partition must be 0 or more.") }
    }

    func perform(with session: DaemonSession) async throws {
        let partitions = try await session.client.fetch(PartitionList.self, .get("/v1/topics")).partitions
        guard let info = partitions.first(where: { $0.topic == topic && $0.partition == partition }) else {
            throw ControlError.notFound("topic \(topic) has no partition \(partition) (see 'sagactl topics')")
        }
        let start = fromBeginning ? info.startOffset : max(info.startOffset, info.endOffset - 10)
        let path = "/v1/topics/\(ControlRequest.pathSegment(topic))/records"
        let client = session.client
        let tail = RecordTail(follow: follow)
        let presenter = LogPresenter()
        try await tail.run(
            from: start,
            fetch: { [partition] offset, limit in
                try await client.fetch(RecordPage.self, .get(path, query: [
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

/// Reads a partition page by page from an offset; at the end it stops, or with `follow`
/// waits `pollInterval` and asks again.
struct RecordTail: Sendable {
    typealias Fetch = @Sendable (_ offset: Int, _ limit: Int) async throws -> [LogRecord]

    var follow: Bool
    var pageSize = 100
    var pollInterval: Duration = .milliseconds(500)

    /// Calls `onRecord` for each record from `offset` on; returns at the end unless following.
    func run(from offset: Int, fetch: Fetch, onRecord: (LogRecord) -> Void) async throws {
        var next = offset
        while true {
            let records = try await fetch(next, pageSize)
            for record in records where record.offset >= next {
                onRecord(record)
                next = record.offset + 1
            }
            if records.count < pageSize {
                guard follow else { return }
                try await Task.sleep(for: pollInterval)
            }
        }
    }
}
