import KafkaLog
import Logging
import Prometheus
import SagaAPI
import SagaMessaging
import Synchronization

/// What the API handlers and the daemon's services share: the running saga, the logger, the
/// metrics registry and the daemon's phase.
public final class DaemonContext: Sendable {
    public enum Phase: String, Sendable {
        case starting, ready, reloading, stopping
    }

    public let runtime: SagaRuntime
    public let metrics: PrometheusCollectorRegistry
    public let logger: Logger
    /// Where the log and databases live, for the disk-usage gauges (`nil`: not measured).
    let stateDirectory: String?
    /// Groups an operator paused; they stay paused across restarts.
    let pausedGroups: PausedGroups
    /// Requests refused for a full disk or a failing database, until a write goes through again.
    let requestStorageFaults = RequestStorageFaults()
    private let phaseState = Mutex(Phase.starting)
    private let liveness: [LivenessComponent]
    /// On Kafka, a metadata round trip to the cluster: `/healthz` fails while no broker answers.
    private let cluster: LivenessComponent?
    /// On PostgreSQL, a round trip to the database: `/healthz` fails while it does not answer.
    private let stateDatabase: LivenessComponent?

    /// `logStallLimit`: how long appends may wait with no progress before the log counts as hung.
    /// `pausedGroups`: where pauses are kept (`nil`: in memory only).
    /// `stateDirectory`: what the disk-usage gauges measure (`nil`: nothing).
    init(runtime: SagaRuntime, metrics: PrometheusCollectorRegistry, logger: Logger,
         logStallLimit: Duration = .seconds(10), pausedGroups: PausedGroups? = nil, stateDirectory: String? = nil) {
        self.runtime = runtime
        self.stateDirectory = stateDirectory
        self.pausedGroups = pausedGroups ?? PausedGroups.inMemory()
        self.metrics = metrics
        self.logger = logger
        // Each service's check is a round trip through its actor and database (checkout's through
        // the database writer, where a held lock shows); the log's looks for partitions that
        // refuse appends or whose writer makes no progress.
        let log = LogLiveness(stallLimit: logStallLimit)
        liveness = runtime.participants.map { participant in
            LivenessComponent(participant.name) { try await participant.checkLiveness() }
        } + [LivenessComponent("log") { [messageLog = runtime.log] in
            try log.check(await BlockingCall.run { messageLog.topicStatistics() })
        }]
        cluster = (runtime.log as? KafkaLog).map { kafka in
            LivenessComponent("log_cluster") { try await BlockingCall.run { try kafka.checkReachable() } }
        }
        stateDatabase = runtime.postgres.map { postgres in
            LivenessComponent("state_database") { try await postgres.checkReachable() }
        }
    }

    public var phase: Phase { phaseState.withLock { $0 } }
    func setPhase(_ phase: Phase) { phaseState.withLock { $0 = phase } }

    /// The consumer loop behind a service's group name.
    func consumer(ofGroup group: String) throws -> any ConsumerControl {
        if let participant = runtime.participants.first(where: { $0.consumerControl.group == group }) {
            return participant.consumerControl
        }
        var names = runtime.participants.map(\.consumerControl.group)
        let last = names.popLast() ?? ""
        let choices = names.isEmpty ? last : names.joined(separator: ", ") + " or " + last
        throw Problem(.notFound, "no service consumes as group '\(group)'; use \(choices)")
    }

    /// `/healthz`: liveness, plus whether every consumer group can read on and apply and whether
    /// records went missing. A group stuck on a damaged or deleted record, a consumer or relay
    /// waiting out a full disk (or requests refused for one), or lost records not yet
    /// acknowledged fail health (an operator must act) but not the watchdog: a restart would
    /// repair none of them, only loop.
    func healthChecks(timeout: Duration = .seconds(2)) async -> [String: String] {
        var checks = await livenessChecks(timeout: timeout)
        for component in [cluster, stateDatabase].compactMap({ $0 }) {
            checks[component.name] = await component.status(within: timeout)
        }
        let stalls = runtime.log.stalledReads
        checks["log_reads"] = stalls.isEmpty ? "ok" : "error: " + stalls.map {
            "group \($0.group) stuck at \($0.topic)/\($0.partition) offset \($0.offset): \($0.reason)"
        }.joined(separator: "; ")
        // Records found missing at start: failing until an operator acknowledges them.
        let lost = runtime.log.lostRecords
        checks["log_recovery"] = lost.isEmpty ? "ok" : "error: records missing from the log: " + lost.map {
            "\($0.topic)/\($0.partition) \($0.from)..<\($0.upTo) (group \($0.group) had consumed them)"
        }.joined(separator: "; ") + "; acknowledge with POST /v1/lost-records/acknowledge"
        // A consumer or relay waiting out a full disk or a failing database, or requests refused
        // for one: degraded until it passes.
        let faults = runtime.participants.flatMap { service in
            [service.consumerControl.storageFault.map { "\(service.name) waits out a storage fault: \($0)" },
             service.relayStorageFault.map { "\(service.name)'s outbox relay waits out a storage fault: \($0)" }]
        }.compactMap { $0 } + [requestStorageFaults.current().map { "requests: \($0)" }].compactMap { $0 }
        checks["storage"] = faults.isEmpty ? "ok" : "error: " + faults.joined(separator: "; ")
        return checks
    }

    /// One round trip through every service actor, its database and the log, each answering
    /// within `timeout` even when it hangs: the liveness behind the systemd watchdog.
    func livenessChecks(timeout: Duration = .seconds(2)) async -> [String: String] {
        await withTaskGroup(of: (String, String).self) { group in
            for component in liveness {
                group.addTask { (component.name, await component.status(within: timeout)) }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
    }
}
