import Hummingbird
import MessageLog
import SagaMessaging

/// Log administration: topics, consumer groups (lag, pause, resume, reset), record peeks and
/// the dead-letter topics.
enum LogRoutes {
    static func register(on table: RouteTable, _ daemon: DaemonContext) {
        let log = daemon.runtime.log

        table.add(.get, "/v1/topics") { _, _ in
            try ControlRouter.json(["partitions": log.topicStatistics().map(PartitionJSON.init)])
        }

        table.add(.get, "/v1/topics/:name/records") { request, context in
            let topic = try context.parameters.required("name")
            let partition = Int(try request.integerQuery("partition", in: 0...1023) ?? 0)
            let limit = Int(try request.integerQuery("limit", in: 1...1000) ?? 20)
            let stats = log.topicStatistics().first { $0.topic == topic && $0.partition == partition }
            guard let stats else {
                throw log.topicNames.contains(topic)
                    ? Problem(.notFound, "topic '\(topic)' has no partition \(partition)")
                    : Problem(.notFound, "unknown topic '\(topic)'")
            }
            let offset = try request.integerQuery("offset", in: 0...Int64.max) ?? stats.startOffset
            guard offset >= stats.startOffset, offset <= stats.endOffset else {
                throw Problem(.validation, "offset \(offset) is outside \(stats.startOffset)...\(stats.endOffset) of \(topic)-\(partition)")
            }
            let records = try log.read(topic: topic, partition: partition, from: offset, maxRecords: limit)
            return try ControlRouter.json(["records": records.map { RecordJSON($0) }])
        }

        table.add(.get, "/v1/groups") { _, _ in
            try ControlRouter.json(["groups": log.groupLag().map(GroupLagJSON.init)])
        }

        table.add(.post, "/v1/groups/:group/pause") { _, context in
            let group = try context.parameters.required("group")
            try await daemon.consumer(ofGroup: group).pauseConsuming()
            daemon.logger.notice("consumer group paused", metadata: ["group": "\(group)"])
            return try ControlRouter.json(GroupStateJSON(group: group, paused: true))
        }

        table.add(.post, "/v1/groups/:group/resume") { _, context in
            let group = try context.parameters.required("group")
            try daemon.consumer(ofGroup: group).resumeConsuming()
            daemon.logger.notice("consumer group resumed", metadata: ["group": "\(group)"])
            return try ControlRouter.json(GroupStateJSON(group: group, paused: false))
        }

        table.add(.post, "/v1/groups/:group/reset") { request, context in
            let group = try context.parameters.required("group")
            let body = try await RequestBody.read(request, allowed: ["to", "offset", "topic"])
            let target: OffsetResetTarget
            switch try body.requiredString("to") {
            case "earliest": target = .earliest
            case "latest": target = .latest
            case "offset":
                guard let offset = try body.integer("offset"), offset >= 0 else {
                    throw Problem(.validation, "'offset' (a whole number ≥ 0) is required when 'to' is 'offset'")
                }
                target = .offset(offset)
            case let other: throw Problem(.validation, "'to' must be earliest, latest or offset, not '\(other)'")
            }
            if let consumer = try? daemon.consumer(ofGroup: group), !consumer.isPaused {
                throw Problem(.groupActive, "pause the group first: POST /v1/groups/\(group)/pause")
            }
            try log.resetGroup(group, to: target, topic: try body.string("topic"))
            daemon.logger.notice("consumer group offsets reset", metadata: ["group": "\(group)", "to": "\(target)"])
            return try ControlRouter.json(["groups": log.groupLag().filter { $0.group == group }.map(GroupLagJSON.init)])
        }

        let deadLetters = DeadLetterQueue(log: log, logger: daemon.logger)
        table.add(.get, "/v1/dlq") { request, _ in
            let limit = Int(try request.integerQuery("limit", in: 1...1000) ?? 100)
            let records = try deadLetters.list(limit: limit).map { entry in
                RecordJSON(entry.record, extraHeaders: [DeadLetterHeaders.replayedName: entry.replayed ? "true" : "false"])
            }
            return try ControlRouter.json(["records": records])
        }

        table.add(.post, "/v1/dlq/replay") { request, _ in
            let body = try await RequestBody.read(request, allowed: ["topic"], optional: true)
            let replayed = try await deadLetters.replay(topic: try body.string("topic"))
            daemon.logger.notice("dead letters replayed", metadata: ["records": "\(replayed)"])
            return try ControlRouter.json(["replayed": replayed])
        }
    }
}

struct GroupStateJSON: Encodable {
    var group: String
    var paused: Bool
}
