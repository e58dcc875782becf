import Foundation
@testable import SagaDaemon
import Testing

/// `log.backend`, the `kafka.*` keys and `state.backend` as the loader reads them: what they
/// set, and the key an unusable value is refused under.
@Suite struct LogBackendConfigurationTests {
    func load(_ yaml: String) async throws(ConfigurationError) -> DaemonConfiguration {
        let path = NSTemporaryDirectory() + "sagad-backend-\(UUID().uuidString.prefix(6)).yaml"
        try? yaml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await ConfigurationLoader.load(file: path, environment: [:], flags: [:])
    }

    func refusedKey(_ yaml: String) async -> String? {
        do {
            _ = try await load(yaml)
            return nil
        } catch {
            return error.key + ": " + error.reason
        }
    }

    @Test func theEmbeddedLogIsTheDefault() async throws {
        let configuration = try await load("state_dir: /tmp/x\n")
        #expect(configuration.saga.backend == LogBackendSettings())
        #expect(try configuration.saga.backend.kafkaConfiguration() == nil)
        #expect(configuration.saga.stateBackend == .sqlite)
    }

    @Test func kafkaKeysBecomeTheClientsConfiguration() async throws {
        let configuration = try await load("""
            log:
              backend: kafka
            kafka:
              bootstrap_servers: 10.0.0.5:9092, 10.0.0.6:9092
              namespace: shop-a.
              properties: linger.ms=5,socket.timeout.ms=30000
            """)
        let kafka = try #require(try configuration.saga.backend.kafkaConfiguration())
        #expect(kafka.bootstrapServers == "10.0.0.5:9092,10.0.0.6:9092")
        #expect(kafka.namespace == "shop-a.")
        #expect(kafka.properties == ["linger.ms": "5", "socket.timeout.ms": "30000"])
    }

    @Test func secretsAmongTheKafkaPropertiesArePrintedRedactedButAChangeIsStillSeen() async throws {
        let yaml = { (password: String) in
            "kafka:\n  properties: sasl.username=shop,sasl.password=\(password),ssl.key.password=k3y,linger.ms=5\n"
        }
        let before = try await load(yaml("hunter2"))
        let after = try await load(yaml("hunter3"))
        let key = try #require(DaemonConfiguration.key(named: "kafka.properties"))
        #expect(key.describe(before)
            == "linger.ms=5,sasl.password=<redacted>,sasl.username=shop,ssl.key.password=<redacted>")
        #expect(key.describe(after) == key.describe(before))
        #expect(key.differs(between: before, and: after))
        #expect(!key.differs(between: before, and: before))
        #expect(after.saga.backend.properties["sasl.password"] == "hunter3")
    }

    @Test func postgresStateOnKafkaIsAcceptedAndItsPasswordPrintedRedacted() async throws {
        let yaml = { (password: String) in
            """
            log:
              backend: kafka
            kafka:
              bootstrap_servers: 127.0.0.1:9092
            state:
              backend: PostgreSQL
            postgres:
              url: postgres://sagad:\(password)@db.internal:5433/shop?sslmode=require
            """
        }
        let before = try await load(yaml("s3cret"))
        let after = try await load(yaml("other"))
        #expect(before.saga.stateBackend == .postgres)
        #expect(before.saga.postgresURL == "postgres://sagad:s3cret@db.internal:5433/shop?sslmode=require")
        let key = try #require(DaemonConfiguration.key(named: "postgres.url"))
        #expect(key.describe(before) == "postgres://sagad:<redacted>@db.internal:5433/shop?sslmode=require")
        #expect(key.describe(after) == key.describe(before))
        #expect(key.differs(between: before, and: after))
        let passwordless = try await load("postgres:\n  url: postgres://sagad@localhost/shop\n")
        #expect(key.describe(passwordless) == "postgres://sagad@localhost/shop")
    }

    @Test func unusableValuesAreRefusedUnderTheirKey() async {
        let refused = [
            "log:\n  backend: kafka\n": "kafka.bootstrap_servers",
            "log:\n  backend: pulsar\n": "log.backend",
            "kafka:\n  bootstrap_servers: 10.0.0.5\n": "kafka.bootstrap_servers",
            "kafka:\n  bootstrap_servers: 10.0.0.5:0\n": "kafka.bootstrap_servers",
            "kafka:\n  properties: acks\n": "kafka.properties",
            "kafka:\n  properties: a=1,a=2\n": "kafka.properties",
            "kafka:\n  namespace: a/b\n": "kafka.namespace",
            "log:\n  backend: kafka\nkafka:\n  bootstrap_servers: h:1\n  properties: acks=1\n": "kafka.properties: Kafka setting acks",
            "log:\n  backend: kafka\nkafka:\n  bootstrap_servers: h:1\n  properties: group.id=x\n": "kafka.properties: Kafka setting group.id",
            "state:\n  backend: postgres\n": "postgres.url: is required when state.backend is postgres",
            "state:\n  backend: postgres\npostgres:\n  url: postgres://u@h/d\n": "state.backend: postgres needs log.backend kafka",
            "postgres:\n  url: mysql://u@h/d\n": "postgres.url",
            "postgres:\n  url: postgres://u@h/d?sslmode=sometimes\n": "postgres.url",
            "state:\n  backend: mysql\n": "state.backend: 'mysql' must be sqlite or postgres",
        ]
        for (yaml, key) in refused {
            let answer = await refusedKey(yaml)
            #expect(answer?.hasPrefix(key) == true, "\(yaml) → \(answer ?? "accepted")")
        }
    }
}
