import ArgumentParser
import Foundation
import SagaDaemon

/// `sagad`: the order-saga daemon. Configuration: defaults < `--config FILE` (YAML) <
/// `SAGAD_<KEY>` environment variables < flags.
@main
struct SagadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sagad",
        abstract: "Runs the order saga (order, checkout, fulfillment) over its durable log.",
        discussion: """
            Every key of config/sagad.yaml can also be set with an environment variable named
            SAGAD_<KEY> (dots become underscores), e.g. SAGAD_FULFILLMENT_FAILURE_RATE=0.1.
            SIGTERM or SIGINT drain in-flight work and stop (a second one stops at once);
            SIGHUP reloads the log level, fulfillment settings and order limits.
            Exit codes: 0 stopped cleanly, 1 failure, 73 state cannot be opened,
            75 another sagad holds the state directory or socket, 78 configuration error.
            """)

    @Option(name: .long, help: "YAML configuration file (see config/sagad.yaml).")
    var config: String?

    @Option(name: .long, help: "State directory (key state_dir); default ./var.")
    var stateDir: String?

    @Option(name: .long, help: "Control socket path (key control.socket); default <state_dir>/run/sagad.sock.")
    var socket: String?

    @Flag(name: .long, help: "Check the configuration, print it, and exit (0 when valid, 78 otherwise).")
    var checkConfig = false

    func run() async throws {
        var flags: [String: String] = [:]
        if let stateDir { flags["state_dir"] = stateDir }
        if let socket { flags["control.socket"] = socket }
        let file = config ?? ProcessInfo.processInfo.environment["SAGAD_CONFIG"]
        let load: @Sendable () async throws(ConfigurationError) -> DaemonConfiguration = { [flags] () async throws(ConfigurationError) in
            try await ConfigurationLoader.load(file: file, environment: ProcessInfo.processInfo.environment, flags: flags)
        }
        let configuration: DaemonConfiguration
        do {
            configuration = try await load()
        } catch {
            FileHandle.standardError.write(Data("sagad: \(error)\n".utf8))
            throw ExitCode(Daemon.ExitCode.configuration.rawValue)
        }
        if checkConfig {
            for key in DaemonConfiguration.catalogue { print("\(key.name): \(key.describe(configuration))") }
            return
        }
        Daemon.bootstrapLogging(level: configuration.loggingLevel)
        MemoryTrim.keepFreedMemory()
        let code = await Daemon.run(configuration: configuration, reload: load)
        if code != 0 { throw ExitCode(code) }
    }
}
