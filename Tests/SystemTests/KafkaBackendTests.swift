import Foundation
import Testing

/// `log.backend: kafka`: the keys are checked before anything starts (exit 78 naming the key),
/// and the real sagad runs the saga on a Kafka cluster — the emulator `Tests/cluster-tests.sh`
/// starts and names in `SAGAD_KAFKA_BOOTSTRAP` — with its services still on SQLite.
@Suite(.blockingCalls) struct KafkaBackendTests {
    /// `sagad --check-config` with `settings` as SAGAD_* variables.
    func checkConfig(_ settings: [String: String]) async throws -> (status: Int32, output: String) {
        var environment: [String: String] = [:]
        for (key, value) in settings { environment["SAGAD_" + key.uppercased().replacingOccurrences(of: ".", with: "_")] = value }
        let run = try await runSagad(["--check-config"], environment: environment)
        return (run.status, run.stdout + run.stderr)
    }

    @Test func kafkaWithoutBootstrapServersExits78NamingTheKey() async throws {
        let daemon = DaemonProcess(settings: ["log.backend": "kafka"])
        defer { daemon.cleanUp() }
        try daemon.launch()
        #expect(try await daemon.waitForExit(timeout: .seconds(20)) == 78)
        #expect(daemon.log.contains("kafka.bootstrap_servers"), "\(daemon.log)")
        let checked = try await checkConfig(["log.backend": "kafka"])
        #expect(checked.status == 78 && checked.output.contains("kafka.bootstrap_servers"), "\(checked.output)")
    }

    @Test func badBackendsAndKafkaSettingsExit78NamingTheKey() async throws {
        let cases: [([String: String], String)] = [
            (["log.backend": "redis"], "log.backend"),
            (["log.backend": "kafka", "kafka.bootstrap_servers": "no-port-here"], "kafka.bootstrap_servers"),
            (["log.backend": "kafka", "kafka.bootstrap_servers": "127.0.0.1:9092", "kafka.properties": "acks=1"], "acks"),
            (["log.backend": "kafka", "kafka.bootstrap_servers": "127.0.0.1:9092", "kafka.properties": "enable.idempotence=false"],
             "enable.idempotence"),
            (["kafka.properties": "linger.ms"], "kafka.properties"),
            (["kafka.namespace": "no spaces"], "kafka.namespace"),
            (["state.backend": "postgres"], "postgres.url"),
            (["state.backend": "postgres", "postgres.url": "postgres://sagad@127.0.0.1/shop"], "needs log.backend kafka"),
            (["postgres.url": "http://127.0.0.1/shop"], "postgres.url"),
        ]
        for (settings, named) in cases {
            let checked = try await checkConfig(settings)
            #expect(checked.status == 78, "\(settings): \(checked.output)")
            #expect(checked.output.contains(named), "\(settings): \(checked.output)")
        }
        let accepted = try await checkConfig([
            "log.backend": "kafka", "kafka.bootstrap_servers": "127.0.0.1:9092,127.0.0.2:9093",
            "kafka.namespace": "shop-a.", "kafka.properties": "socket.timeout.ms=30000,acks=all",
        ])
        #expect(accepted.status == 0, "\(accepted.output)")
        #expect(accepted.output.contains("acks=all,socket.timeout.ms=30000"), "\(accepted.output)")
    }

    @Test func theSagaRunsOnKafkaWithExactMoney() async throws {
        guard let bootstrap = ProcessInfo.processInfo.environment["SAGAD_KAFKA_BOOTSTRAP"] else {
            print("KafkaBackendTests.theSagaRunsOnKafkaWithExactMoney skipped: SAGAD_KAFKA_BOOTSTRAP names no running "
                + "Kafka emulator (make test-cluster starts one and sets it)")
            return
        }
        let daemon = DaemonProcess(settings: [
            "log.backend": "kafka", "kafka.bootstrap_servers": bootstrap,
            "kafka.namespace": "sagad-system-\(UUID().uuidString.prefix(8).lowercased())-",
            "fulfillment.failure_rate": "0",
        ])
        defer { daemon.cleanUp() }
        try await daemon.start(timeout: .seconds(60))

        let amounts = ["12.34", "0.01", "99.99", "5.00", "7.50"]
        let ids = try amounts.map { try daemon.placeOrder(amount: $0) }
        for id in ids {
            let order = try daemon.settledOrder(id, timeout: 60)
            #expect(order["status"] as? String == "finished", "\(id): \(order)")
        }
        let spent = amounts.map(cents).reduce(0, +)
        #expect(cents(try daemon.balance()) == 100_000_000 - spent)
        #expect(try daemon.call("GET", "/v1/ledger").json["balanced"] as? Bool == true)

        let health = try daemon.call("GET", "/healthz")
        #expect(health.status == 200, "\(health.text)")
        #expect(health.json["log_backend"] as? String == "kafka", "\(health.text)")
        #expect((health.json["checks"] as? [String: String])?["log_cluster"] == "ok", "\(health.text)")

        let verify = try daemon.call("GET", "/v1/log/verify")
        #expect(verify.status == 409, "\(verify.text)")
        #expect(verify.header("content-type")?.hasPrefix("application/problem+json") == true)
        #expect((verify.json["detail"] as? String)?.contains("not available on the Kafka backend") == true, "\(verify.text)")
        #expect(try daemon.call("POST", "/v1/lost-records/acknowledge").status == 409)
        #expect(try daemon.call("GET", "/v1/lost-records").status == 200)
        #expect(try await daemon.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.stateDirectory + "/data/log/order_pending-0"))
    }
}
