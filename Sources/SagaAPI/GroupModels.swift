/// A consumer group's position in one partition (`GroupLag`).
public struct GroupLag: APISchema, Equatable {
    public var group: String
    public var topic: String
    public var partition: Int
    public var committedOffset: Int64?
    public var endOffset: Int64
    public var lag: Int64
    public var members: Int

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case group, topic, partition
        case committedOffset = "committed_offset"
        case endOffset = "end_offset"
        case lag, members
    }

    public init(
        group: String, topic: String, partition: Int, committedOffset: Int64?, endOffset: Int64, lag: Int64, members: Int
    ) {
        self.group = group
        self.topic = topic
        self.partition = partition
        self.committedOffset = committedOffset
        self.endOffset = endOffset
        self.lag = lag
        self.members = members
    }
}

/// The body of `GET /v1/groups` and the answer of a group reset (`GroupLagList`).
public struct GroupLagList: APISchema {
    public var groups: [GroupLag]

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case groups
    }

    public init(groups: [GroupLag]) {
        self.groups = groups
    }
}

/// Whether a service's consumer group is paused (`GroupState`).
public struct GroupState: APISchema, Equatable {
    public var group: String
    public var paused: Bool

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case group, paused
    }

    public init(group: String, paused: Bool) {
        self.group = group
        self.paused = paused
    }
}

/// The body of `POST /v1/groups/{group}/reset` (`GroupResetRequest`).
public struct GroupResetRequest: APIRequestBody {
    /// Where to move the committed offsets.
    public enum Target: String, WireEnum {
        case earliest, latest, offset
    }

    public var to: Target
    /// Required when `to` is `offset`.
    public var offset: Int64?
    /// Only this topic; absent for all the group's topics.
    public var topic: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case to, offset, topic
    }

    public init(to: Target, offset: Int64?, topic: String?) {
        self.to = to
        self.offset = offset
        self.topic = topic
    }

    public init(from decoder: any Decoder) throws {
        try Self.rejectUnknownProperties(in: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        to = try container.decode(Target.self, forKey: .to)
        offset = try container.decodeWholeNumberIfPresent(forKey: .offset)
        topic = try container.decodeIfPresent(String.self, forKey: .topic)
    }
}
