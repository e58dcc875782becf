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
        abstract: "Pause, resume or reset a service's consumer group.",
        discussion: """
            The groups are order, checkout and fulfillment. A group's offsets can be reset only \
            while it is paused:
              sagactl group pause checkout
              sagactl group reset checkout --to earliest --topic order_pending
              sagactl group resume checkout
            """,
        subcommands: [GroupPauseCommand.self, GroupResumeCommand.self, GroupResetCommand.self]
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
