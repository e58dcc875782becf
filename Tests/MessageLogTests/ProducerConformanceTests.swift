import MessageLog
import Testing

/// What every backend promises producers: records of one key stay in order in one partition,
/// offsets only grow, appends report where records landed, and acknowledged records survive.
@Suite struct ProducerConformanceTests {
    @Test(arguments: MessageLogBackend.all)
    func recordsOfOneKeyStayInOrderInOnePartition(backend: MessageLogBackend) async throws {
        let subject = try LogUnderTest(backend)
        let log = subject.log
        try log.ensureTopic("orders", partitions: 4)
        let keys = (0..<12).map { "key-\($0)" }
        // Several producers at once, each appending its keys' records in sequence.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<3 {
                group.addTask {
                    for round in 0..<20 {
                        let batch = keys.enumerated().filter { $0.offset % 3 == producer }
                            .map { record($0.element, "\($0.element)#\(round)") }
                        _ = try await log.append(batch, to: "orders")
                    }
                }
            }
            try await group.waitForAll()
        }
        var partitionOfKey: [String: Int] = [:]
        for (partition, records) in try readTopic(log, "orders") {
            for record in records {
                let key = keyText(record)
                #expect(partitionOfKey[key, default: partition] == partition, "\(key) is in two partitions")
                partitionOfKey[key] = partition
            }
            for key in Set(records.map(keyText)) {
                let values = records.filter { keyText($0) == key }.map(text)
                #expect(values == (0..<20).map { "\(key)#\($0)" }, "\(key) out of order in partition \(partition)")
            }
        }
        #expect(Set(partitionOfKey.keys) == Set(keys))
    }

    @Test(arguments: MessageLogBackend.all)
    func offsetsGrowWithinAPartitionAndAppendsSayWhereRecordsLanded(backend: MessageLogBackend) async throws {
        let subject = try LogUnderTest(backend)
        let log = subject.log
        try log.ensureTopic("events", partitions: 3)
        let positions = try await withThrowingTaskGroup(of: [(RecordPosition, String)].self) { group in
            for producer in 0..<4 {
                group.addTask {
                    var landed: [(RecordPosition, String)] = []
                    for n in 0..<25 {
                        let value = "p\(producer)-\(n)"
                        let position = try await log.append([record("k\(n % 7)", value)], to: "events")
                        landed.append((position[0], value))
                    }
                    return landed
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(Set(positions.map(\.0)).count == positions.count, "two appends got the same position")
        let partitions = try readTopic(log, "events")
        for (position, value) in positions {
            let found = partitions[position.partition]?.first { $0.offset == position.offset }
            #expect(found.map(text) == value, "\(position) does not hold \(value)")
        }
        for stats in log.topicStatistics() where stats.topic == "events" {
            let offsets = partitions[stats.partition, default: []].map(\.offset)
            #expect(offsets == offsets.sorted() && Set(offsets).count == offsets.count)
            #expect(offsets.allSatisfy { $0 >= stats.startOffset && $0 < stats.endOffset })
            if backend.denseOffsets {
                #expect(offsets == Array(stats.startOffset..<stats.endOffset))
            }
        }
        #expect(partitions.values.reduce(0) { $0 + $1.count } == 100)
    }

    @Test(arguments: MessageLogBackend.all)
    func acknowledgedRecordsSurviveAReopen(backend: MessageLogBackend) async throws {
        let subject = try LogUnderTest(backend)
        try subject.log.ensureTopic("ledger", partitions: 2)
        var acknowledged: [RecordPosition: String] = [:]
        for n in 0..<150 {
            let position = try await subject.log.append([record("k\(n % 5)", "entry-\(n)")], to: "ledger")
            acknowledged[position[0]] = "entry-\(n)"
        }
        try subject.reopen()
        #expect(try Self.holds(subject.log, acknowledged))

        guard backend.durability == .processCrash else { return }
        for n in 150..<300 {
            let position = try await subject.log.append([record("k\(n % 5)", "entry-\(n)")], to: "ledger")
            acknowledged[position[0]] = "entry-\(n)"
        }
        try subject.crashAndReopen()
        #expect(try Self.holds(subject.log, acknowledged))
        // The log goes on appending after the records it kept.
        let next = try await subject.log.append([record("k0", "after")], to: "ledger")[0]
        #expect(acknowledged.keys.filter { $0.partition == next.partition }.allSatisfy { $0.offset < next.offset })
    }

    @Test(arguments: MessageLogBackend.all)
    func failuresAreClassifiedForCallers(backend: MessageLogBackend) async throws {
        let subject = try LogUnderTest(backend)
        let log = subject.log
        try log.ensureTopic("known", partitions: 1)
        let unknownTopic = await #expect(throws: (any Error).self) {
            _ = try await log.append([record("k", "v")], to: "unknown")
        }
        #expect(unknownTopic.flatMap(failureKind) == .notFound)
        let unknownPartition = #expect(throws: (any Error).self) {
            _ = try log.read(topic: "known", partition: 5, from: 0, maxRecords: 1)
        }
        #expect(unknownPartition.flatMap(failureKind) == .notFound)
        let badName = #expect(throws: (any Error).self) { try log.ensureTopic("bad name!", partitions: 1) }
        #expect(badName.flatMap(failureKind) == .invalidRequest)
    }

    /// True when `log` holds exactly the acknowledged value at every acknowledged position.
    static func holds(_ log: any MessageLogAdmin, _ acknowledged: [RecordPosition: String]) throws -> Bool {
        let partitions = try readTopic(log, acknowledged.keys.first?.topic ?? "")
        return acknowledged.allSatisfy { position, value in
            partitions[position.partition]?.first { $0.offset == position.offset }.map(text) == value
        }
    }
}
