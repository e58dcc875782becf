import Hummingbird
import Logging
import MessageLog
import SagaAPI
import SagaMessaging

/// Log administration: topics, consumer groups (lag, pause, resume, reset, skip), record
/// peeks, the scrub and the dead-letter topics.
struct LogRoutes: Sendable {
    typealias Context = ControlRouter.Context
    let daemon: DaemonContext
    private let deadLetterQueue: DeadLetterQueue

    init(daemon: DaemonContext) {
        self.daemon = daemon
        deadLetterQueue = DeadLetterQueue(log: daemon.runtime.log, logger: daemon.logger)
    }

    private var log: any MessageLog & MessageLogAdmin { daemon.runtime.log }

    @Sendable func topics(_ request: Request, _ context: Context) async throws -> Response {
        try ControlRouter.json(PartitionList(partitions: await BlockingCall.run { [log] in log.topicStatistics() }.map(PartitionInfo.init)))
    }

    @Sendable func records(_ request: Request, _ context: Context) async throws -> Response {
        let topic = try context.parameters.decoded("name")
        let partition = Int(try request.integerQuery("partition", in: 0...1023) ?? 0)
        let limit = Int(try request.integerQuery("limit", in: 1...1000) ?? 20)
        let stats = await BlockingCall.run { [log] in log.topicStatistics() }.first { $0.topic == topic && $0.partition == partition }
        guard let stats else {
            throw await BlockingCall.run({ [log] in log.topicNames }).contains(topic)
                ? Problem(.notFound, "topic '\(topic)' has no partition \(partition)")
                : Problem(.notFound, "unknown topic '\(topic)'")
        }
        let offset = try request.integerQuery("offset", in: 0...Int64.max) ?? stats.startOffset
        guard offset >= stats.startOffset, offset <= stats.endOffset else {
            throw Problem(.validation, "offset \(offset) is outside \(stats.startOffset)...\(stats.endOffset) of \(topic)-\(partition)")
        }
        let records = try await BlockingCall.run { [log] in try log.read(topic: topic, partition: partition, from: offset, maxRecords: limit) }
        return try ControlRouter.json(RecordPage(records: records.map { SagaAPI.LogRecord($0) }))
    }

    @Sendable func groups(_ request: Request, _ context: Context) async throws -> Response {
        try ControlRouter.json(GroupLagList(groups: await BlockingCall.run { [log] in log.groupLag() }.map(GroupLag.init)))
    }

    @Sendable func pause(_ request: Request, _ context: Context) async throws -> Response {
        let group = try context.parameters.decoded("group")
        let consumer = try daemon.consumer(ofGroup: group)
        try daemon.pausedGroups.set(group, paused: true)
        await consumer.pauseConsuming()
        daemon.logger.notice("consumer group paused (until resumed, also across restarts)", metadata: ["group": "\(group)"])
        return try ControlRouter.json(GroupState(group: group, paused: true))
    }

    @Sendable func resume(_ request: Request, _ context: Context) async throws -> Response {
        let group = try context.parameters.decoded("group")
        let consumer = try daemon.consumer(ofGroup: group)
        try daemon.pausedGroups.set(group, paused: false)
        consumer.resumeConsuming()
        daemon.logger.notice("consumer group resumed", metadata: ["group": "\(group)"])
        return try ControlRouter.json(GroupState(group: group, paused: false))
    }

    @Sendable func reset(_ request: Request, _ context: Context) async throws -> Response {
        let group = try context.parameters.decoded("group")
        let body = try await request.decodeBody(GroupResetRequest.self)
        let target: OffsetResetTarget
        switch body.to {
        case .earliest: target = .earliest
        case .latest: target = .latest
        case .offset:
            guard let offset = body.offset, offset >= 0 else {
                throw Problem(.validation, "'offset' (a whole number ≥ 0) is required when 'to' is 'offset'")
            }
            target = .offset(offset)
        }
        if let consumer = try? daemon.consumer(ofGroup: group), !consumer.isPaused {
            throw Problem(.groupActive, "pause the group first: POST \(try APIOperation.pauseGroup.path(group))")
        }
        try await BlockingCall.run { [log] in try Self.outOfRangeIsConflict { try log.resetGroup(group, to: target, topic: body.topic) } }
        daemon.logger.notice("consumer group offsets reset", metadata: ["group": "\(group)", "to": "\(target)"])
        let lag = await BlockingCall.run { [log] in log.groupLag() }
        return try ControlRouter.json(GroupLagList(groups: lag.filter { $0.group == group }.map(GroupLag.init)))
    }

    /// `POST /v1/groups/{group}/skip`: moves a paused group past records of one partition.
    @Sendable func skip(_ request: Request, _ context: Context) async throws -> Response {
        let group = try context.parameters.decoded("group")
        let body = try await request.decodeBody(GroupSkipRequest.self)
        if let consumer = try? daemon.consumer(ofGroup: group), !consumer.isPaused {
            throw Problem(.groupActive, "pause the group first: POST \(try APIOperation.pauseGroup.path(group))")
        }
        let skipped = try await BlockingCall.run { [log] in
            try Self.outOfRangeIsConflict { try log.skip(group: group, topic: body.topic, partition: body.partition, to: body.to) }
        }
        return try ControlRouter.json(SkippedRange(skipped))
    }

    /// `GET /v1/log/verify`: the scrub, over every partition or the one asked for.
    @Sendable func verify(_ request: Request, _ context: Context) async throws -> Response {
        let topic = request.uri.queryParameters.get("topic")
        let partition = try request.integerQuery("partition", in: 0...1023).map(Int.init)
        let verification = try await BlockingCall.run { [log] in try log.verify(topic: topic, partition: partition) }
        daemon.logger.notice("log verified", metadata: [
            "segments": "\(verification.segments)", "records": "\(verification.records)",
            "damaged_ranges": "\(verification.damaged.count)",
        ])
        return try ControlRouter.json(LogVerification(verification))
    }

    /// A well-formed offset that the partition's current range (or the group's position) does
    /// not allow is a conflict with the log's state, not a malformed request: 409.
    private static func outOfRangeIsConflict<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as any MessageLogError where error.kind == .invalidRequest {
            throw Problem(.conflict, error.description)
        }
    }

    @Sendable func deadLetters(_ request: Request, _ context: Context) async throws -> Response {
        let limit = Int(try request.integerQuery("limit", in: 1...1000) ?? 100)
        let records = try await BlockingCall.run { [deadLetterQueue] in try deadLetterQueue.list(limit: limit) }.map { entry in
            SagaAPI.LogRecord(entry.record, extraHeaders: [DeadLetterHeaders.replayedName: entry.replayed ? "true" : "false"])
        }
        return try ControlRouter.json(RecordPage(records: records))
    }

    @Sendable func replay(_ request: Request, _ context: Context) async throws -> Response {
        let body = try await request.decodeBody(ReplayRequest.self, optional: true)
        let replayed = try await deadLetterQueue.replay(topic: body.topic)
        daemon.logger.notice("dead letters replayed", metadata: ["records": "\(replayed)"])
        return try ControlRouter.json(ReplayResult(replayed: replayed))
    }

    /// `/v1/lost-records`: records found missing from the log at start, until acknowledged.
    @Sendable func lostRecords(_ request: Request, _ context: Context) async throws -> Response {
        try ControlRouter.json(LostRecordList(lost: log.lostRecords.map(LostRecordRange.init)))
    }

    @Sendable func acknowledgeLostRecords(_ request: Request, _ context: Context) async throws -> Response {
        let seen = log.lostRecords.count
        try await BlockingCall.run { [log] in try log.acknowledgeLostRecords() }
        daemon.logger.notice("lost records acknowledged", metadata: ["ranges": "\(seen)"])
        return try ControlRouter.json(LostRecordList(lost: log.lostRecords.map(LostRecordRange.init)))
    }
}
