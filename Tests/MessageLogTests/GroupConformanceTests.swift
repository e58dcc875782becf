import MessageLog
import Testing

/// What every backend promises consumer groups: committed progress is where the next member
/// resumes, partitions are shared out among members, offsets can be reset while the group is
/// empty, and lag counts what is left.
@Suite struct GroupConformanceTests {
    @Test(arguments: MessageLogBackend.all)
    func aNewMemberResumesAtTheCommittedOffset(backend: MessageLogBackend) async throws {
        let subject = try LogUnderTest(backend)
        try subject.log.ensureTopic("work", partitions: 2)
        _ = try await subject.log.append((0..<40).map { record("k\($0)", "v\($0)") }, to: "work")
        let first = try subject.log.subscribe(group: "workers", topics: ["work"])
        let all = try await drain(first, count: 40)
        #expect(all.count == 40)
        // Commit only the first half of each partition's records.
        let committed = Dictionary(grouping: all, by: \.partition).values.flatMap { $0.prefix($0.count / 2) }
        try await first.commit(committed)
        first.close()
        let resumeAt = Dictionary(grouping: committed, by: \.partition).mapValues { $0.map(\.offset).max()! + 1 }

        for reopened in [false, true] {
            if reopened { try subject.reopen() }
            let next = try subject.log.subscribe(group: "workers", topics: ["work"])
            let rest = try await drain(next, count: 40 - committed.count)
            next.close()
            #expect(Set(rest.map(text)) == Set(all.map(text)).subtracting(committed.map(text)))
            for (partition, records) in Dictionary(grouping: rest, by: \.partition) {
                #expect(records.first?.offset == resumeAt[partition], "reopened: \(reopened)")
            }
        }
    }

    @Test(arguments: MessageLogBackend.all)
    func eachPartitionIsReadByOneMemberAndTheLastMemberGetsAll(backend: MessageLogBackend) async throws {
        let subject = try LogUnderTest(backend)
        let log = subject.log
        try log.ensureTopic("jobs", partitions: 4)
        let a = try log.subscribe(group: "pool", topics: ["jobs"])
        let b = try log.subscribe(group: "pool", topics: ["jobs"])
        let total = 80
        _ = try await log.append((0..<total).map { record("key\($0)", "job\($0)") }, to: "jobs")
        var byMember: [[LogRecord]] = [[], []]
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while byMember[0].count + byMember[1].count < total, clock.now < deadline {
            for (index, member) in [a, b].enumerated() {
                let batch = try await member.poll(maxRecords: 10, timeout: .milliseconds(50))
                try await member.commit(batch)
                byMember[index] += batch
            }
        }
        let partitionsOf = byMember.map { Set($0.map(\.partition)) }
        #expect(byMember[0].count + byMember[1].count == total)
        #expect(partitionsOf[0].isDisjoint(with: partitionsOf[1]), "a partition was read by both members")
        #expect(partitionsOf[0].union(partitionsOf[1]) == [0, 1, 2, 3])
        #expect(!partitionsOf[0].isEmpty && !partitionsOf[1].isEmpty, "one member got no partition")

        a.close()
        _ = try await log.append((0..<40).map { record("key\($0)", "more\($0)") }, to: "jobs")
        let rest = try await drain(b, count: 40)
        b.close()
        #expect(Set(rest.map(text)) == Set((0..<40).map { "more\($0)" }))
        #expect(Set(rest.map(\.partition)) == [0, 1, 2, 3])
    }

    @Test(arguments: MessageLogBackend.all)
    func offsetsResetToEarliestLatestOrAnOffsetOnlyWithoutMembers(backend: MessageLogBackend) async throws {
        let subject = try LogUnderTest(backend)
        let log = subject.log
        try log.ensureTopic("audit", partitions: 1)
        _ = try await log.append((0..<30).map { record("k", "r\($0)") }, to: "audit")
        let member = try log.subscribe(group: "auditors", topics: ["audit"])
        try await member.commit(try await drain(member, count: 10))
        let busy = #expect(throws: (any Error).self) { try log.resetGroup("auditors", to: .earliest, topic: "audit") }
        #expect(busy.flatMap(failureKind) == .groupHasMembers)
        member.close()

        let cases: [(OffsetResetTarget, Int64)] = [(.earliest, 0), (.latest, 30), (.offset(17), 17)]
        for (target, expected) in cases {
            try log.resetGroup("auditors", to: target, topic: "audit")
            #expect(log.groupLag().first { $0.group == "auditors" }?.committedOffset == expected, "\(target)")
            let reader = try log.subscribe(group: "auditors", topics: ["audit"])
            let records = try await drain(reader, count: Int(30 - expected), timeout: .seconds(2))
            reader.close()
            #expect(records.first?.offset == (expected < 30 ? expected : nil), "\(target)")
            #expect(records.count == Int(30 - expected), "\(target)")
        }
        let outside = #expect(throws: (any Error).self) { try log.resetGroup("auditors", to: .offset(31), topic: "audit") }
        #expect(outside.flatMap(failureKind) == .invalidRequest)
        let unknown = #expect(throws: (any Error).self) { try log.resetGroup("nobody", to: .earliest, topic: "audit") }
        #expect(unknown.flatMap(failureKind) == .notFound)
    }

    @Test(arguments: MessageLogBackend.all)
    func lagCountsTheRecordsAGroupHasNotCommitted(backend: MessageLogBackend) async throws {
        let subject = try LogUnderTest(backend)
        let log = subject.log
        try log.ensureTopic("feed", partitions: 1)
        _ = try await log.append((0..<30).map { record("k", "f\($0)") }, to: "feed")
        let member = try log.subscribe(group: "readers", topics: ["feed"])
        let read = try await drain(member, count: 10)
        try await member.commit(read)
        let row = try #require(log.groupLag().first { $0.group == "readers" && $0.topic == "feed" })
        #expect(row.committedOffset == 10)
        #expect(row.endOffset == 30)
        #expect(row.lag == 20)
        #expect(row.members == 1)
        member.close()
        _ = try await log.append((30..<35).map { record("k", "f\($0)") }, to: "feed")
        let after = try #require(log.groupLag().first { $0.group == "readers" && $0.topic == "feed" })
        #expect(after.lag == 25)
        #expect(after.members == 0)
    }
}
