import Logging
import SagaSystemd
import ServiceLifecycle
import Synchronization

/// SIGHUP: re-reads the configuration file and environment, applies the keys declared
/// reloadable (log level, fulfillment work, order limits) and logs every change; keys that need
/// a restart are reported, not applied. A bad file leaves the running configuration in place.
///
/// Each reload builds fresh providers through `ConfigurationLoader` rather than keeping a
/// swift-configuration `ReloadingFileProvider`: that one polls the file on a timer and swaps
/// values in whenever it changes, whereas sagad applies the file only on SIGHUP, all of it or
/// (when any key is unusable) none of it, and re-reads the environment at the same moment.
struct ConfigurationReloader: Service {
    let daemon: DaemonContext
    let notifier: SystemdNotifier
    let load: @Sendable () async throws(ConfigurationError) -> DaemonConfiguration
    let current: CurrentConfiguration
    /// SIGHUPs, from ``ProcessSignals``.
    let hangups: AsyncStream<Void>

    func run() async throws {
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
            next = try await load()
        } catch {
            daemon.logger.error("reload failed; keeping the running configuration", metadata: ["error": "\(error)"])
            return
        }
        let previous = current.value
        var applied: [String] = []
        var kept = previous
        for key in DaemonConfiguration.catalogue where key.differs(between: previous, and: next) {
            if key.reloadable {
                key.transfer(next, &kept)
                applied.append("\(key.name): \(key.describe(previous)) → \(key.describe(next))")
            } else {
                daemon.logger.warning("changed key needs a restart to take effect", metadata: [
                    "key": "\(key.name)", "running": "\(key.describe(previous))", "configured": "\(key.describe(next))",
                ])
            }
        }
        current.value = kept
        LogLevelControl.shared.current = kept.loggingLevel
        await daemon.runtime.orders.updateSettings(kept.saga.order)
        await daemon.runtime.fulfillment.updateSettings(kept.saga.fulfillment)
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
