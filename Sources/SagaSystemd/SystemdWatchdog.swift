import CSystemd
import Logging

/// Pings systemd's watchdog (`WatchdogSec=`) at half its timeout, but only after a liveness
/// check (a round-trip through every actor and the log) succeeded, so a wedged daemon stops
/// pinging and systemd restarts it.
///
/// `run()` returns at once when the watchdog is off, and otherwise loops until its task is
/// cancelled. In a swift-service-lifecycle `ServiceGroup`, add it only when ``isEnabled`` (or
/// give it `successTerminationBehavior: .ignore`) and wrap it in `cancelWhenGracefulShutdown`.
public struct SystemdWatchdog: Sendable {
    /// Answers true when the daemon is healthy; it may hang, the watchdog will not wait for it.
    public typealias LivenessCheck = @Sendable () async -> Bool

    /// systemd's watchdog timeout (`WATCHDOG_USEC`), or nil when no watchdog is expected.
    public let timeout: Duration?
    private let notifier: SystemdNotifier
    private let livenessCheck: LivenessCheck
    private let logger: Logger

    /// Reads `WATCHDOG_USEC`/`WATCHDOG_PID` through `sd_watchdog_enabled` (a watchdog meant for
    /// another pid counts as off). Throws ``SystemdError/invalidWatchdogEnvironment(errno:)`` when they are malformed.
    public init(
        notifier: SystemdNotifier = SystemdNotifier(),
        logger: Logger = Logger(label: "sagad.systemd"),
        livenessCheck: @escaping LivenessCheck
    ) throws {
        var microseconds: UInt64 = 0
        let result = sd_watchdog_enabled(0, &microseconds)
        if result < 0 { throw SystemdError.invalidWatchdogEnvironment(errno: -result) }
        let timeout: Duration? = result > 0 && microseconds > 0 ? .microseconds(microseconds) : nil
        self.init(timeout: timeout, notifier: notifier, logger: logger, livenessCheck: livenessCheck)
    }

    /// Uses an explicit timeout instead of the environment; nil disables the watchdog.
    public init(
        timeout: Duration?,
        notifier: SystemdNotifier = SystemdNotifier(),
        logger: Logger = Logger(label: "sagad.systemd"),
        livenessCheck: @escaping LivenessCheck
    ) {
        self.timeout = timeout
        self.notifier = notifier
        self.logger = logger
        self.livenessCheck = livenessCheck
    }

    /// True when systemd expects keep-alive pings from this process.
    public var isEnabled: Bool { timeout != nil }

    /// How often the liveness check runs and a ping may be sent: half the timeout, as sd_watchdog_enabled(3) advises.
    public var pingInterval: Duration? { timeout.map { $0 / 2 } }

    /// Checks liveness and pings every ``pingInterval`` until the task is cancelled; returns at once when disabled.
    public func run() async {
        guard let interval = pingInterval else {
            logger.debug("systemd watchdog not enabled; not pinging")
            return
        }
        logger.debug("systemd watchdog enabled", metadata: ["interval": "\(interval)"])
        let probe = LivenessProbe(check: livenessCheck)
        let clock = ContinuousClock()
        var nextTick = clock.now
        while !Task.isCancelled {
            // A check that answers after the interval is as good as none: the ping would come too late.
            switch await probe.run(deadline: interval) {
            case .alive:
                notifier.watchdogPing()
            case .failed:
                logger.warning("liveness check failed; skipping the watchdog ping")
            case .timedOut:
                logger.warning("liveness check did not answer in time; skipping the watchdog ping",
                               metadata: ["deadline": "\(interval)"])
            case .stillRunning:
                logger.warning("previous liveness check is still running; skipping the watchdog ping")
            case .cancelled:
                return
            }
            nextTick = nextTick.advanced(by: interval)
            if nextTick < clock.now { nextTick = clock.now }  // after a stall, do not fire a burst
            do {
                try await Task.sleep(until: nextTick, clock: clock)
            } catch {
                return
            }
        }
    }
}
