import ArgumentParser
import SagaAPI

/// `sagactl groups`: GET /v1/groups.
struct GroupsCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups",
        abstract: "Show each consumer group's committed offset and lag per topic partition.",
        discussion: "LAG is END minus COMMITTED: records the group has yet to process."
    )

    @OptionGroup var global: GlobalOptions

    func perform(with session: DaemonSession) async throws {
        let request = try ControlRequest(.listGroups)
        let response = try await session.client.send(request).requireSuccess()
        if session.wantsJSON { return session.console.printLine(JSONOutput.prettyPrinted(response.body)) }
        let list = try response.decode(GroupLagList.self, path: request.path)
        session.printTable(LogPresenter().groupsTable(list.groups))
    }
}

/// `sagactl group …`: pause, resume and reset a service's consumer group.
struct GroupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group",
        abstract: "Pause, resume, reset or skip a service's consumer group.",
        discussion: """
            The groups are order, checkout and fulfillment. A group's offsets can be reset or \
            skipped only while it is paused:
              sagactl group pause checkout
              sagactl group reset checkout --to earliest --topic order_pending
              sagactl group resume checkout
            """,
        subcommands: [GroupPauseCommand.self, GroupResumeCommand.self, GroupResetCommand.self, GroupSkipCommand.self]
    )
}

/// Posts a pause or resume and prints the group's new state.
private func changeGroupState(_ group: String, action: APIOperation, session: DaemonSession) async throws {
    let request = try ControlRequest(action, group)
    let response = try await session.client.send(request).requireSuccess()
    if session.wantsJSON { return session.console.printLine(JSONOutput.prettyPrinted(response.body)) }
    let state = try response.decode(GroupState.self, path: request.path)
    session.console.printLine("\(state.group): \(state.paused ? "paused" : "running")")
}

/// `sagactl group pause GROUP`.
struct GroupPauseCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Stop a consumer group; its members leave and nothing is consumed.")

    @Argument(help: "order, checkout or fulfillment.")
    var group: String

    @OptionGroup var global: GlobalOptions

    func perform(with session: DaemonSession) async throws {
        try await changeGroupState(group, action: .pauseGroup, session: session)
    }
}

/// `sagactl group resume GROUP`.
struct GroupResumeCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Restart a paused consumer group.")

    @Argument(help: "order, checkout or fulfillment.")
    var group: String

    @OptionGroup var global: GlobalOptions

    func perform(with session: DaemonSession) async throws {
        try await changeGroupState(group, action: .resumeGroup, session: session)
    }
}

/// Where `group reset` moves the committed offsets.
extension GroupResetRequest.Target: ExpressibleByArgument {}

/// `sagactl group reset GROUP --to …`: POST /v1/groups/{group}/reset.
struct GroupResetCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Move a paused group's committed offsets.",
        discussion: "earliest replays everything still kept, latest skips to the end, offset sets --offset."
    )

    @Argument(help: "order, checkout or fulfillment.")
    var group: String

    @Option(help: ArgumentHelp("earliest, latest or offset.", valueName: "target"))
    var to: GroupResetRequest.Target

    @Option(help: ArgumentHelp("The offset to move to (with --to offset).", valueName: "n"))
    var offset: Int?

    @Option(help: ArgumentHelp("Only this topic (default: all the group's topics).", valueName: "topic"))
    var topic: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if to == .offset && offset == nil { throw ValidationError("--to offset needs --offset N.") }
        if to != .offset && offset != nil { throw ValidationError("--offset goes only with --to offset.") }
        if let offset, offset < 0 { throw ValidationError("--offset must be 0 or more.") }
    }

    func perform(with session: DaemonSession) async throws {
        let body = GroupResetRequest(to: to, offset: offset.map(Int64.init), topic: topic)
        let request = try ControlRequest(.resetGroup, group, json: body)
        let response = try await session.client.send(request).requireSuccess()
        if session.wantsJSON { return session.console.printLine(JSONOutput.prettyPrinted(response.body)) }
        let list = try response.decode(GroupLagList.self, path: request.path)
        session.printTable(LogPresenter().groupsTable(list.groups))
    }
}

/// `sagactl group skip GROUP --topic T --partition P --to N`: POST /v1/groups/{group}/skip.
struct GroupSkipCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "skip",
        abstract: "Move a paused group past records of one partition it cannot read (a damaged range).",
        discussion: """
            The group's committed offset on the partition moves forward to --to; the records \
            before it are never delivered to the group. sagad logs the skip as a warning and \
            keeps it in data/log/skipped-records.json. 'sagactl log verify' names damaged \
            ranges; /healthz names the offset a group is stuck at.
            """
    )

    @Argument(help: "order, checkout or fulfillment.")
    var group: String

    @Option(help: ArgumentHelp("The topic.", valueName: "topic"))
    var topic: String

    @Option(help: ArgumentHelp("The partition.", valueName: "n"))
    var partition: Int

    @Option(help: ArgumentHelp("The new committed offset: the first record the group reads next.", valueName: "offset"))
    var to: Int64

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if !(0...1023).contains(partition) { throw ValidationError("--partition must be 0-1023.") }
        if to < 0 { throw ValidationError("--to must be 0 or more.") }
    }

    func perform(with session: DaemonSession) async throws {
        let request = try ControlRequest(.skipGroup, group, json: GroupSkipRequest(topic: topic, partition: partition, to: to))
        let response = try await session.client.send(request).requireSuccess()
        if session.wantsJSON { return session.console.printLine(JSONOutput.prettyPrinted(response.body)) }
        let skipped = try response.decode(SkippedRange.self, path: request.path)
        session.console.printLine(
            "\(skipped.group) skipped \(skipped.topic)/\(skipped.partition) offsets \(skipped.from)..<\(skipped.to)")
    }
}
