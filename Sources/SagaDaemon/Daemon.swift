import Foundation
import Hummingbird
import Logging
import MessageLog
import SagaMessaging
import SagaSystemd
import ServiceLifecycle

/// sagad from configuration to exit: opens and recovers the saga, serves the control API,
/// tells systemd how it is doing, and shuts down gracefully on SIGTERM/SIGINT.
public enum Daemon {
    /// Exit codes beyond 0: what went wrong, so that scripts and systemd can tell.
    public enum ExitCode: Int32 {
        case failure = 1
        /// EX_SOFTWARE-style: the state could not be opened or recovered.
        case cannotOpenState = 73
        /// Another sagad holds the state directory or serves the socket.
        case alreadyRunning = 75
        /// EX_CONFIG: a configuration key is unusable.
        case configuration = 78
    }

    /// Runs until shut down; returns the process exit code.
    public static func run(
        configuration: DaemonConfiguration, reload: @escaping @Sendable () async throws(ConfigurationError) -> DaemonConfiguration
    ) async -> Int32 {
        let logger = Logger(label: "sagad")
        let notifier = SystemdNotifier(logger: logger)
        // What sagad creates is its own (the databases hold balances, the log every order): no
        // access for group or others, whatever umask it was started with. The control socket
        // gets control.socket_mode explicitly.
        umask(umask(0o077) | 0o077)
        do {
            try StateDirectory.prepare(configuration.stateDirectory)
        } catch {
            logger.critical("state directory is not usable", metadata: ["key": "state_dir", "error": "\(error)"])
            return ExitCode.configuration.rawValue
        }
        _ = notifier.status("recovering the log and databases")
        _ = notifier.extendTimeout(.seconds(120))
        let registry = MetricsExporter.bootstrap()
        // Before the runtime opens the first database: SQLite takes this setup only then.
        if ServiceDatabase.setUpSQLite() {
            logger.info("SQLite in multi-thread mode, without memory statistics")
        } else {
            logger.warning("SQLite keeps its serialized mode: a database was opened before sagad could set it up")
        }
        let runtime: SagaRuntime
        do {
            runtime = try await SagaRuntime.open(settings: configuration.saga, logger: logger)
        } catch {
            if case .storageInUse(let path) = (error as? any MessageLogError)?.kind {
                logger.critical("another sagad is already using this state directory", metadata: [
                    "state_dir": "\(configuration.stateDirectory)", "lock": "\(path)",
                ])
                return ExitCode.alreadyRunning.rawValue
            }
            logger.critical("cannot open the saga state", metadata: ["error": "\(error)"])
            return ExitCode.cannotOpenState.rawValue
        }
        MetricsExporter.initializeSeries(runtime)
        if runtime.logBackend == .embedded {
            let report = runtime.log.recoveryReport
            logger.info("log recovered", metadata: [
                "segments": "\(report.checkedSegments)", "truncated_bytes": "\(report.truncatedBytes)",
                "durability": "\(configuration.saga.log.durability)",
            ])
        } else {
            logger.info("log topics created or checked on the Kafka cluster")
        }
        let daemon: DaemonContext
        do {
            let paused = try PausedGroups.load(from: configuration.stateDirectory + "/data/paused-groups.json")
            daemon = DaemonContext(runtime: runtime, metrics: registry, logger: logger, pausedGroups: paused,
                                   stateDirectory: configuration.stateDirectory)
            for group in paused.all.sorted() {
                guard let consumer = try? daemon.consumer(ofGroup: group) else {
                    logger.warning("a paused group no service consumes as; ignored", metadata: ["group": "\(group)"])
                    continue
                }
                await consumer.pauseConsuming()
                logger.notice("consumer group stays paused, as an operator left it", metadata: ["group": "\(group)"])
            }
        } catch {
            logger.critical("cannot read which consumer groups are paused", metadata: ["error": "\(error)"])
            try? await runtime.shutDown()
            return ExitCode.cannotOpenState.rawValue
        }
        let current = CurrentConfiguration(configuration)

        var servers: [any Service]
        do {
            servers = try ControlServer.services(configuration: configuration, daemon: daemon) { description in
                daemon.setPhase(.ready)
                _ = notifier.ready(status: "serving on \(description)")
                logger.notice("sagad ready", metadata: ["listening": "\(description)"])
            }
            servers += try GRPCListeners.services(configuration: configuration, daemon: daemon)
        } catch let error as ControlSocket.InUse {
            logger.critical("\(error)")
            try? await runtime.shutDown()
            return ExitCode.alreadyRunning.rawValue
        } catch {
            logger.critical("cannot serve the control API", metadata: ["error": "\(error)"])
            try? await runtime.shutDown()
            return ExitCode.failure.rawValue
        }

        let signals: ProcessSignals
        do {
            signals = try ProcessSignals.install(logger: logger)
        } catch {
            logger.critical("\(error)")
            try? await runtime.shutDown()
            return ExitCode.failure.rawValue
        }
        var services: [any Service] = [
            SagaRuntimeService(daemon: daemon),
            MaintenanceService(daemon: daemon, notifier: notifier),
            ConfigurationReloader(daemon: daemon, notifier: notifier, load: reload, current: current,
                                  hangups: signals.hangups),
        ]
        if let watchdog = try? SystemdWatchdog(notifier: notifier, logger: logger, livenessCheck: {
            await daemon.livenessChecks().values.allSatisfy { $0 == "ok" }
        }), watchdog.isEnabled {
            services.append(WatchdogService(watchdog: watchdog))
        }
        services += servers
        services.append(ShutdownAnnouncer(daemon: daemon, notifier: notifier))

        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [],
            logger: logger))
        signals.onFirstStop { Task { await group.triggerGracefulShutdown() } }
        do {
            try await group.run()
        } catch {
            logger.critical("stopped on an error", metadata: ["error": "\(error)"])
            try? await runtime.shutDown()
            return ExitCode.failure.rawValue
        }
        logger.notice("sagad stopped")
        return 0
    }
}

/// Checks that the state directory exists (creating it) and is writable, and that its `data`
/// directory (log and databases) is the owner's alone, also when an older sagad made it 0755.
enum StateDirectory {
    static func prepare(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path + "/data", withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path + "/data")
        let probe = path + "/data/.write-probe"
        guard FileManager.default.createFile(atPath: probe, contents: Data()) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        try FileManager.default.removeItem(atPath: probe)
    }
}

extension Daemon {
    /// Sends swift-log to stderr (with journald priorities under systemd) at `level`, which a
    /// reload may change later. Call once, before anything logs.
    public static func bootstrapLogging(level: Logger.Level) {
        LogLevelControl.bootstrap(level: level)
    }
}
