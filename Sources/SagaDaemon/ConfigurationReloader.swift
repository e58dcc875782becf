import Logging
import SagaSystemd
import ServiceLifecycle
import Synchronization
import UnixSignals

/// SIGHUP: re-reads the configuration file and environment, applies what can change at run
/// time (log level, fulfillment work, order limits) and logs every change; keys that need a
/// restart are reported, not applied. A bad file leaves the running configuration in place.
struct ConfigurationReloader: Service {
    let daemon: DaemonContext
    let notifier: SystemdNotifier
    let load: @Sendable () throws(ConfigurationError) -> DaemonConfiguration
    let current: CurrentConfiguration

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in hangups {
                await reload()
            }
        }
    }

    func reload() async {
        _ = notifier.reloading()
        daemon.setPhase(.reloading)
        defer {
            daemon.setPhase(.ready)
            _ = notifier.ready(status: "configuration reloaded")
        }
        let next: DaemonConfiguration
        do {
            next = try load()
        } catch {
            daemon.logger.error("reload failed; keeping the running configuration", metadata: ["error": "\(error)"])
            return
        }
        let previous = current.value
        var applied: [String] = []
        for key in DaemonConfiguration.keys where previous.describe(key) != next.describe(key) {
            if DaemonConfiguration.reloadableKeys.contains(key) {
                applied.append("\(key): \(previous.describe(key)) → \(next.describe(key))")
            } else {
                daemon.logger.warning("changed key needs a restart to take effect", metadata: [
                    "key": "\(key)", "running": "\(previous.describe(key))", "configured": "\(next.describe(key))",
                ])
            }
        }
        var kept = previous
        kept.loggingLevel = next.loggingLevel
        kept.fulfillmentWorkMilliseconds = next.fulfillmentWorkMilliseconds
        kept.fulfillmentFailureRate = next.fulfillmentFailureRate
        kept.fulfillmentConcurrency = next.fulfillmentConcurrency
        kept.orderRandomAmountMinCents = next.orderRandomAmountMinCents
        kept.orderRandomAmountMaxCents = next.orderRandomAmountMaxCents
        kept.orderMaxInFlight = next.orderMaxInFlight
        current.value = kept
        LogLevelControl.shared.current = kept.loggingLevel
        let settings = kept.runtimeSettings
        await daemon.runtime.orders.updateSettings(settings.order)
        await daemon.runtime.fulfillment.updateSettings(settings.fulfillment)
        daemon.logger.notice("configuration reloaded", metadata: [
            "changed": "\(applied.isEmpty ? "nothing" : applied.joined(separator: "; "))",
        ])
    }
}

/// The configuration in force, shared by the reloader and whoever reports it.
final class CurrentConfiguration: Sendable {
    private let state: Mutex<DaemonConfiguration>
    init(_ configuration: DaemonConfiguration) { state = Mutex(configuration) }
    var value: DaemonConfiguration {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
