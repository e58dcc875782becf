import Foundation
@testable import SagaDaemon
import Testing

/// The loader's layers through swift-configuration's providers: precedence, the source named
/// in an error, unknown keys and variables, empty values and files.
@Suite struct ConfigurationLoaderTests {
    /// A YAML file in the temporary directory, removed when the test ends.
    final class File {
        let path = NSTemporaryDirectory() + "sagad-loader-\(UUID().uuidString.prefix(6)).yaml"
        init(_ text: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    func load(_ yaml: String? = nil, environment: [String: String] = [:], flags: [String: String] = [:])
        async throws(ConfigurationError) -> DaemonConfiguration
    {
        let file = yaml.flatMap { try? File($0) }
        defer { withExtendedLifetime(file) {} }
        return try await ConfigurationLoader.load(file: file?.path, environment: environment, flags: flags)
    }

    func failure(_ yaml: String? = nil, environment: [String: String] = [:], flags: [String: String] = [:]) async
        -> ConfigurationError?
    {
        do {
            _ = try await load(yaml, environment: environment, flags: flags)
            return nil
        } catch {
            return error
        }
    }

    @Test func laterLayersWin() async throws {
        let yaml = "state_dir: /file\nfulfillment:\n  work_ms: 300\n  failure_rate: 0.5\nlog:\n  fsync: never\n"
        let loaded = try await load(yaml, environment: ["SAGAD_STATE_DIR": "/env", "SAGAD_FULFILLMENT_WORK_MS": "400"],
                                    flags: ["state_dir": "/flag"])
        #expect(loaded.stateDirectory == "/flag")
        #expect(loaded.saga.fulfillment.workDuration == .milliseconds(400))
        #expect(loaded.saga.fulfillment.failureRate == 0.5)
        #expect(loaded.saga.log.durability == .never)
        #expect(loaded.saga.partitions == nil)
    }

    @Test func anErrorNamesTheKeyAndTheLayer() async throws {
        let fromFile = await failure("log:\n  partitions: 0\n")
        #expect(fromFile?.key == "log.partitions")
        #expect(fromFile?.source?.hasSuffix(".yaml") == true)
        #expect(fromFile?.reason == "'0' must be a whole number from 1 to 256")
        let fromEnvironment = await failure("log:\n  partitions: 0\n", environment: ["SAGAD_LOG_PARTITIONS": "x"])
        #expect(fromEnvironment?.source == "SAGAD_LOG_PARTITIONS")
        let fromFlag = await failure(flags: ["control.socket": "/" + String(repeating: "s", count: 120)])
        #expect(fromFlag == ConfigurationError(
            key: "control.socket", reason: "a Unix socket path must be shorter than 108 bytes", source: "command line"))
    }

    @Test func unknownKeysAndVariablesAreRefused() async throws {
        #expect(await failure("log:\n  partitons: 4\n")?.key == "log.partitons")
        #expect(await failure("log:\n  partitions: [1, 2]\n")?.reason == "must be a single value, not a list")
        #expect(await failure("log:\n  fsync:\n    a: b\n")?.reason == "must be a single value, not a mapping")
        #expect(await failure(environment: ["SAGAD_BOGUS_KEY": "1"])?.key == "SAGAD_BOGUS_KEY")
        #expect(await failure("log: [unclosed\n")?.key == "--config")
        #expect(await failure("- a\n- b\n")?.reason.contains("must be a mapping") == true)
        // Variables of other tools and of other programs are not sagad's business.
        _ = try await load(environment: ["SAGAD_SOCKET": "/x", "SAGAD_CONFIG": "/y", "HOME": "/root"])
    }

    @Test func emptyValuesAndFilesKeepTheDefaults() async throws {
        #expect(try await load("state_dir:\nlog:\n  partitions: ~\ncontrol:\n  socket: null\n") == DaemonConfiguration())
        #expect(try await load("") == DaemonConfiguration())
        #expect(try await load("# only a comment\n") == DaemonConfiguration())
        let absent = await failure(flags: [:]) == nil
        #expect(absent, "no file and no variables: the defaults")
        do {
            _ = try await ConfigurationLoader.load(file: "/nonexistent/sagad.yaml", environment: [:], flags: [:])
            Issue.record("a missing file must be refused")
        } catch {
            #expect(error.key == "--config" && error.reason.contains("cannot read /nonexistent/sagad.yaml"))
        }
    }

    @Test func relationsBetweenKeysAreChecked() async throws {
        let error = await failure("order:\n  random_amount_min: \"5.00\"\n  random_amount_max: \"1.00\"\n")
        #expect(error?.key == "order.random_amount_min")
        #expect(await failure("http:\n  listen: 0.0.0.0:8080\n")?.key == "http.listen")
        #expect(try await load("http:\n  listen: 0.0.0.0:8080\n  allow_remote: true\n").control.httpListen == "0.0.0.0:8080")
        // The gRPC TCP listener is held to the same rule, under its own key.
        #expect(await failure("grpc:\n  listen: 0.0.0.0:50051\n")?.key == "grpc.listen")
        #expect(await failure("grpc:\n  listen: nowhere\n")?.key == "grpc.listen")
        #expect(await failure("grpc:\n  enabled: maybe\n")?.key == "grpc.enabled")
        #expect(try await load("grpc:\n  listen: \"[::1]:50051\"\n").control.grpcListen == "[::1]:50051")
        let grpc = try await load("grpc:\n  enabled: false\n  socket: /tmp/g.sock\n")
        #expect(!grpc.control.grpcEnabled && grpc.resolvedGRPCSocket == "/tmp/g.sock")
    }

    /// Keys land in the settings of the component that uses them, in its units; 0 for a
    /// retention limit means none.
    @Test func keysSetTheComponentsSettingsInTheirUnits() async throws {
        let loaded = try await load("""
            log:
              retention_hours: 1.5
              retention_bytes: 0
            checkout:
              default_account: shop
            fulfillment:
              work_ms: 250
            """)
        #expect(loaded.saga.log.retentionAge == .seconds(5400))
        #expect(loaded.saga.log.retentionBytes == nil)
        #expect(loaded.saga.fulfillment.workDuration == .milliseconds(250))
        #expect(loaded.saga.checkout.defaultAccountID == "shop")
        #expect(loaded.saga.order.defaultAccountID == "shop", "orders without an account use checkout's default")
        let forever = try await load("log:\n  retention_hours: 0\n  retention_bytes: 4096\n")
        #expect(forever.saga.log.retentionAge == nil)
        #expect(forever.saga.log.retentionBytes == 4096)
        let key = try #require(DaemonConfiguration.key(named: "log.retention_hours"))
        #expect(key.describe(loaded) == "1.5" && key.describe(forever) == "0")
    }

    @Test func timeoutsTakeAUnitAndTurnOffWithZero() async throws {
        let defaults = try await load()
        #expect(defaults.saga.order.paymentTimeout == .seconds(900))
        #expect(defaults.saga.fulfillment.timeout == .seconds(1800))
        let loaded = try await load("order:\n  payment_timeout: 90s\nfulfillment:\n  timeout: 1500ms\n")
        #expect(loaded.saga.order.paymentTimeout == .seconds(90))
        #expect(loaded.saga.fulfillment.timeout == .milliseconds(1500))
        let payment = try #require(DaemonConfiguration.key(named: "order.payment_timeout"))
        let fulfillment = try #require(DaemonConfiguration.key(named: "fulfillment.timeout"))
        #expect(payment.reloadable && fulfillment.reloadable)
        #expect(payment.describe(loaded) == "90s" && fulfillment.describe(loaded) == "1500ms")
        for off in ["0", "off", "0s"] {
            let disabled = try await load(environment: ["SAGAD_ORDER_PAYMENT_TIMEOUT": off, "SAGAD_FULFILLMENT_TIMEOUT": off])
            #expect(disabled.saga.order.paymentTimeout == nil && disabled.saga.fulfillment.timeout == nil, "\(off)")
            #expect(payment.describe(disabled) == "off")
        }
        for bad in ["600", "50ms", "-1s", "1d", "721h", "soon"] {
            let error = await failure(environment: ["SAGAD_FULFILLMENT_TIMEOUT": bad])
            #expect(error?.key == "fulfillment.timeout", "\(bad)")
            #expect(error?.reason == "'\(bad)' must be a duration from 100ms to 720h, such as 90s, 15m or 2h (0 or off: never)")
        }
        #expect(await failure("order:\n  payment_timeout: 5\n")?.key == "order.payment_timeout")
    }
}
