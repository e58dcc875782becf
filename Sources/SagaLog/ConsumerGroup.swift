import Synchronization

/// The live members of one consumer group and which partitions each owns. Membership is
/// in-process: when a member joins or leaves, the group's partitions are dealt out again
/// (round-robin over members sorted by id) and the generation moves on; members pick up the
/// new assignment on their next poll.
final class ConsumerGroup: Sendable {
    let name: String
    let offsets: OffsetStore
    private let state = Mutex(State())

    private struct State {
        var members: [String: [String]] = [:]
        var generation = 0
        var assignment: [String: [TopicPartition]] = [:]
    }

    init(name: String, offsets: OffsetStore) {
        self.name = name
        self.offsets = offsets
    }

    var memberCount: Int { state.withLock { $0.members.count } }
    /// The topics its live members subscribe to.
    var subscribedTopics: Set<String> { state.withLock { Set($0.members.values.joined()) } }
    var generation: Int { state.withLock { $0.generation } }

    /// Adds a member subscribed to `topics`; `partitionCounts` gives each topic's partitions.
    func join(member: String, topics: [String], partitionCounts: [String: Int]) {
        state.withLock { state in
            state.members[member] = topics
            Self.rebalance(&state, partitionCounts: partitionCounts)
        }
    }

    func leave(member: String, partitionCounts: [String: Int]) {
        state.withLock { state in
            guard state.members.removeValue(forKey: member) != nil else { return }
            Self.rebalance(&state, partitionCounts: partitionCounts)
        }
    }

    func assignment(of member: String) -> (generation: Int, partitions: [TopicPartition]) {
        state.withLock { ($0.generation, $0.assignment[member] ?? []) }
    }

    private static func rebalance(_ state: inout State, partitionCounts: [String: Int]) {
        state.generation += 1
        var assignment: [String: [TopicPartition]] = [:]
        let topics = Set(state.members.values.flatMap { $0 }).sorted()
        var turn = 0
        for topic in topics {
            let eligible = state.members.filter { $0.value.contains(topic) }.keys.sorted()
            for partition in 0..<(partitionCounts[topic] ?? 0) {
                let owner = eligible[turn % eligible.count]
                assignment[owner, default: []].append(TopicPartition(topic: topic, partition: partition))
                turn += 1
            }
        }
        state.assignment = assignment
    }
}
