import Foundation
import SagaMessaging

/// The keys under one name of the YAML file (`log:`), read by one component through
/// `reader.scoped(to: name)`; `nil` is the top level.
public struct ConfigurationScope: Sendable {
    /// The scope's name in the file and the first part of its keys' names.
    public let name: String?
    /// Who reads the scope's keys, for the reader of this declaration.
    public let component: String
    /// The scope's keys, in the file's order.
    public let keys: [ConfigurationKey]

    init(_ name: String?, component: String, _ keys: [ConfigurationKey]) {
        precondition(keys.allSatisfy { $0.scope == name }, "every key of scope \(name ?? "-") must be named after it")
        self.name = name
        self.component = component
        self.keys = keys
    }
}

extension DaemonConfiguration {
    /// Every key this version understands, by scope, in the order of `config/sagad.yaml`: the
    /// one place a key is declared (name, documentation, reload flag, parser and the field whose
    /// initial value is its default).
    public static let scopes: [ConfigurationScope] = [
        .init(nil, component: "the daemon: state directory", [
            .init("state_dir", \.stateDirectory, """
                Where the log (data/log), the three SQLite databases (data/*.sqlite) and, by default, the
                control socket (run/sagad.sock) live. Created if missing; must be writable.
                """, parse: Parse.text(max: 4096)),
        ]),
        .init("control", component: "ControlServer: the Unix socket of the control API", [
            .init("control.socket", \.control.socket, """
                Unix socket of the control API (HTTP/1.1 + JSON). Empty: <state_dir>/run/sagad.sock.
                Under systemd, sagad.socket passes /run/sagad/sagad.sock instead (socket activation).
                """, parse: Parse.socketPath, describe: { $0.resolvedControlSocket }),
            .init("control.socket_mode", \.control.socketMode, "File mode of the socket when sagad binds it (octal).",
                  parse: Parse.fileMode, describe: { "0" + String($0.control.socketMode, radix: 8) }),
            .init("control.max_connections", \.control.maxConnections, """
                Connections open at once on all listeners. The next one is answered 503 (a problem body
                with Retry-After) and closed at once, so idle connections cannot use up file descriptors.
                """, parse: Parse.integer(1...1_000_000)),
            .init("control.request_timeout_ms", \.control.requestTimeout, """
                A connection that sends nothing (or stops inside a request head) this long is closed, and a
                request body must arrive within it (else 408). Requests being answered, long polls included,
                are never cut.
                """, parse: Parse.milliseconds(min: 100, max: 3_600_000), describe: { Parse.describeMilliseconds($0.control.requestTimeout) }),
        ]),
        .init("http", component: "ControlServer: the optional TCP listener", [
            .init("http.listen", \.control.httpListen, """
                Optional TCP listener for the same API, as host:port (e.g. 127.0.0.1:8080). Empty: off.
                """, parse: Parse.listenAddress, describe: { $0.control.httpListen ?? "" }),
            .init("http.token_file", \.control.httpToken, """
                File holding the token every request on the TCP listener must carry, as
                Authorization: Bearer <token> (else 401): one line of at least 16 visible ASCII
                characters, in a file other users cannot read. Empty: no token, and any local user
                can use the whole API over TCP. The Unix socket is guarded by its file mode instead.
                """, parse: Parse.tokenFile, describe: { $0.control.httpToken?.file ?? "" }),
            .init("http.allow_remote", \.control.httpAllowRemote, """
                Allow a non-loopback http.listen address. The token crosses the network in clear text
                (no TLS): keep false unless something in front of sagad encrypts and controls access.
                """, parse: Parse.boolean),
        ]),
        .init("grpc", component: "GRPCListeners: the gRPC API (proto/sagad/v1/orders.proto)", [
            .init("grpc.enabled", \.control.grpcEnabled, """
                Serve the gRPC API (sagad.v1.Orders) beside the HTTP one. false: no gRPC socket at all.
                """, parse: Parse.boolean),
            .init("grpc.socket", \.control.grpcSocket, """
                Unix socket of the gRPC API (HTTP/2, plaintext), with the file mode of control.socket_mode
                and, like the control socket, no token. Empty: <state_dir>/run/sagad-grpc.sock. Under
                systemd, sagad-grpc.socket passes /run/sagad/sagad-grpc.sock instead (socket activation).
                """, parse: Parse.socketPath, describe: { $0.resolvedGRPCSocket }),
            .init("grpc.listen", \.control.grpcListen, """
                Optional TCP listener for the gRPC API, as host:port (e.g. 127.0.0.1:50051). Empty: off.
                Loopback only unless http.allow_remote; with http.token_file set every call must carry
                the metadata authorization: Bearer <token> (else UNAUTHENTICATED).
                """, parse: Parse.listenAddress, describe: { $0.control.grpcListen ?? "" }),
        ]),
        .init("log", component: "SagaLog (LogConfiguration) and the topics' partitions", [
            .init("log.backend", \.saga.backend.backend, """
                The log the saga runs on: embedded (SagaLog under <state_dir>/data/log, the default) or
                kafka (KafkaLog on the cluster kafka.bootstrap_servers names). The segment, fsync and
                retention keys below apply to the embedded log only; Kafka's brokers retain by their
                topics' retention.ms and retention.bytes.
                """, parse: Parse.logBackend),
            .init("log.partitions", \.saga.partitions, """
                Partitions per saga topic (1-256). Empty: the count the state dir's topics already have,
                and 1 for new ones (each service reads with one consumer, and every partition written costs
                its own fdatasync). Changing the count of existing topics is refused.
                """, parse: Parse.optionalInteger(1...256), describe: { $0.saga.partitions.map(String.init) ?? "" }),
            .init("log.segment_bytes", \.logSegmentBytes, "A segment file rolls once it would grow past this many bytes.",
                  parse: Parse.integer(65_536...(1 << 31))),
            .init("log.fsync", \.saga.log.durability, """
                When appends are forced to disk:
                  always        an append returns only after fdatasync (group commit); nothing acknowledged
                                is lost even on power failure. The default.
                  interval:<ms> appends return once written; a sync runs every <ms>. A power loss may lose
                                up to <ms> of acknowledged events (a process crash loses nothing).
                  never         sync only when a segment rolls and at clean shutdown.
                """, parse: Parse.durability),
            .init("log.retention_hours", \.saga.log.retentionAge, """
                Closed segments older than this are deleted (0: keep forever). The active segment never is,
                nor a segment holding records a consumer group has not consumed yet.
                """, parse: Parse.hoursOrForever(max: 1_000_000), describe: { Parse.describeHours($0.saga.log.retentionAge) }),
            .init("log.retention_bytes", \.saga.log.retentionBytes, """
                Closed segments are deleted, oldest first, while a partition holds more bytes (0: no limit),
                but not past what a consumer group has consumed (sagad_log_retention_held_bytes shows it).
                """, parse: Parse.limit(max: 1 << 50), describe: { "\($0.saga.log.retentionBytes ?? 0)" }),
        ]),
        .init("kafka", component: "KafkaLog (KafkaConfiguration), when log.backend is kafka", [
            .init("kafka.bootstrap_servers", \.saga.backend.bootstrapServers, """
                host:port[,host:port...] of one or more brokers of the Kafka cluster (any Kafka-protocol
                broker). Required when log.backend is kafka; unused otherwise.
                """, parse: Parse.bootstrapServers, describe: { $0.saga.backend.bootstrapServers ?? "" }),
            .init("kafka.namespace", \.saga.backend.namespace, """
                Prefixed to every topic and consumer group sagad uses on the cluster, so several
                deployments can share it (ASCII letters, digits, '.', '_', '-'). Empty: no prefix.
                """, parse: Parse.kafkaNamespace),
            .init("kafka.properties", \.saga.backend.properties, """
                librdkafka settings for every Kafka client, as key=value pairs separated by commas (e.g.
                security.protocol=ssl,socket.timeout.ms=30000). The settings the log relies on (acks=all,
                enable.idempotence=true, manual commits) cannot be changed. Passwords, secrets and keys
                among them are printed as <redacted> (--check-config, reload logs). Empty: none.
                """, parse: Parse.kafkaProperties, describe: { Parse.describeProperties($0.saga.backend.properties) },
                identity: { Parse.describeProperties($0.saga.backend.properties, redacting: false) }),
        ]),
        .init("state", component: "the services' databases", [
            .init("state.backend", \.saga.stateBackend, """
                Where the services keep their state: sqlite (a database per service under
                <state_dir>/data), or postgres (a schema per service in the database postgres.url names,
                shared by every sagad instance pointed at it; needs log.backend kafka, so that the
                instances share the log too).
                """, parse: Parse.stateBackend),
        ]),
        .init("postgres", component: "the services' state on PostgreSQL, when state.backend is postgres", [
            .init("postgres.url", \.saga.postgresURL, """
                postgres://user[:password]@host[:port]/database[?sslmode=...] of the
                database the services keep their state in. Required when state.backend is postgres;
                unused otherwise. sslmode is disable, prefer (the default) or require. The password is
                printed as <redacted>.
                """, parse: Parse.postgresURL, describe: { Parse.describePostgresURL($0.saga.postgresURL) },
                identity: { $0.saga.postgresURL ?? "" }),
        ]),
        .init("checkout", component: "CheckoutService", [
            .init("checkout.default_account", \.defaultAccount, """
                Account used by orders that name none; created on first start with default_balance.
                """, parse: Parse.text(max: 128)),
            .init("checkout.default_balance", \.saga.checkout.defaultBalanceCents, """
                Opening balance of the default account, as a decimal amount.
                """, parse: Parse.money(allowZero: true), describe: { Money.format($0.saga.checkout.defaultBalanceCents) }),
        ]),
        .init("order", component: "OrderService", [
            .init("order.random_amount_min", \.saga.order.randomAmountMinCents, reload: true, """
                An order placed without an amount gets a random one in [min, max]: this is min.
                """, parse: Parse.money(allowZero: false), describe: { Money.format($0.saga.order.randomAmountMinCents) }),
            .init("order.random_amount_max", \.saga.order.randomAmountMaxCents, reload: true, """
                An order placed without an amount gets a random one in [min, max]: this is max.
                """, parse: Parse.money(allowZero: false), describe: { Money.format($0.saga.order.randomAmountMaxCents) }),
            .init("order.max_in_flight", \.saga.order.maxInFlight, reload: true, """
                New orders are refused (503 with Retry-After) while this many are created or
                processing: back-pressure instead of unbounded growth.
                """, parse: Parse.integer(1...10_000_000)),
            .init("order.payment_timeout", \.saga.order.paymentTimeout, reload: true, """
                An order still created (its payment not taken) this long after it was placed is canceled,
                as a cancel request would cancel it; a payment that comes later is refunded. A duration
                such as 90s, 15m or 2h (at least 100ms); 0 or off: never. A change applies to orders
                already waiting.
                """, parse: Parse.timeout, describe: { Parse.describeTimeout($0.saga.order.paymentTimeout) }),
        ]),
        .init("fulfillment", component: "FulfillmentService", [
            .init("fulfillment.work_ms", \.saga.fulfillment.workDuration, reload: true, """
                Duration of the simulated "time-consuming work" per order, in milliseconds.
                """, parse: Parse.milliseconds(max: 3_600_000), describe: { Parse.describeMilliseconds($0.saga.fulfillment.workDuration) }),
            .init("fulfillment.failure_rate", \.saga.fulfillment.failureRate, reload: true, """
                Fraction of fulfillments that fail (0 none, 1 all); a failed order is refunded.
                """, parse: Parse.number(0...1)),
            .init("fulfillment.concurrency", \.saga.fulfillment.maxConcurrentWork, reload: true, "Orders worked on at once.",
                  parse: Parse.integer(1...100_000)),
            .init("fulfillment.timeout", \.saga.fulfillment.timeout, reload: true, """
                An order still being fulfilled this long after its payment was taken fails
                (fulfill_failed), and is compensated and refunded as a failed fulfillment is; work that
                finishes later changes nothing. A duration such as 90s, 30m or 2h (at least 100ms);
                0 or off: never. A change applies to orders already waiting.
                """, parse: Parse.timeout, describe: { Parse.describeTimeout($0.saga.fulfillment.timeout) }),
        ]),
        .init("logging", component: "the log handler (LogLevelControl)", [
            .init("logging.level", \.loggingLevel, reload: true, """
                trace, debug, info, notice, warning, error or critical. Under systemd each line
                carries its priority, so journalctl -p filters work.
                """, parse: Parse.logLevel, describe: { $0.loggingLevel.rawValue }),
        ]),
    ]

    /// Every key, in the order of `config/sagad.yaml`.
    public static let catalogue: [ConfigurationKey] = scopes.flatMap(\.keys)

    /// The declared key named `name`, if any.
    public static func key(named name: String) -> ConfigurationKey? { catalogue.first { $0.name == name } }

    /// Checks relations between keys once all are set, and the log's own checks, so that
    /// `--check-config` refuses whatever the daemon would.
    func validateTogether() throws(ConfigurationError) {
        _ = try saga.backend.kafkaConfiguration()
        if saga.stateBackend == .postgres {
            guard saga.postgresURL != nil else {
                throw ConfigurationError(key: "postgres.url", reason: "is required when state.backend is postgres")
            }
            guard saga.backend.backend == .kafka else {
                throw ConfigurationError(key: "state.backend", reason: """
                    postgres needs log.backend kafka: the instances sharing the database must share the log \
                    (the embedded log is one host's alone)
                    """)
            }
        }
        do {
            try saga.log.validate()
        } catch {
            throw ConfigurationError(key: "log", reason: "\(error)")
        }
        if saga.order.randomAmountMinCents > saga.order.randomAmountMaxCents {
            throw ConfigurationError(key: "order.random_amount_min", reason: "is larger than order.random_amount_max")
        }
        for (key, listen) in [("http.listen", control.httpListen), ("grpc.listen", control.grpcListen)] {
            guard let listen, !control.httpAllowRemote else { continue }
            let host = String(listen[..<listen.lastIndex(of: ":")!]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            if !["127.0.0.1", "localhost", "::1"].contains(host) {
                throw ConfigurationError(
                    key: key, reason: "'\(listen)' is not a loopback address; set http.allow_remote: true to allow it")
            }
        }
    }
}
