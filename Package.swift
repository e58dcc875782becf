// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "sagad",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "MessageLog", targets: ["MessageLog"]),
        .library(name: "SagaLog", targets: ["SagaLog"]),
        .library(name: "KafkaLog", targets: ["KafkaLog"]),
        .executable(name: "sagad", targets: ["sagad"]),
        .executable(name: "sagactl", targets: ["sagactl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: ["YAML"]),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
    ],
    targets: [
        .target(name: "CCRC32C"),
        .target(name: "CSQLiteSetup", linkerSettings: [.linkedLibrary("sqlite3")]),
        // The control API's one source of truth: openapi.yaml (embedded), its operations and its bodies.
        .target(name: "SagaAPI", resources: [.embedInCode("openapi.yaml")]),
        // The log seam: producer, consumer and admin protocols and the record value types.
        .target(name: "MessageLog"),
        .target(
            name: "SagaLog",
            dependencies: [
                "CCRC32C", "MessageLog",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // librdkafka (Debian librdkafka-dev) and the log API on it, for a Kafka cluster.
        .systemLibrary(
            name: "CRdKafka",
            path: "Sources/CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .target(name: "KafkaLog", dependencies: ["CRdKafka", "MessageLog"]),
        // The services' state on PostgreSQL, for several sagad instances sharing one database:
        // connection, per-service schemas and migrations, the outbox relay lock, order notifications.
        .target(
            name: "ServiceStorePostgres",
            dependencies: [
                "MessageLog", "SagaMessaging",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The saga's three services with their state in PostgreSQL, one instance of several
        // sharing a database and a log: the hosts wired with the same saga steps as on SQLite.
        .target(
            name: "SagaPostgres",
            dependencies: [
                "ServiceStorePostgres", "MessageLog", "SagaMessaging", "OrderService", "CheckoutService", "FulfillmentService",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SagaMessaging",
            dependencies: [
                "MessageLog", "CSQLiteSetup",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "OrderService",
            dependencies: [
                "MessageLog", "SagaMessaging",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "CheckoutService",
            dependencies: [
                "MessageLog", "SagaMessaging",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "FulfillmentService",
            dependencies: [
                "MessageLog", "SagaMessaging",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The gRPC API's messages and service stubs, generated from proto/sagad/v1 by `make proto`.
        .target(
            name: "SagaProto",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .target(
            name: "SagaDaemon",
            dependencies: [
                "MessageLog", "SagaLog", "KafkaLog", "CRdKafka", "SagaMessaging", "OrderService", "CheckoutService", "FulfillmentService",
                "SagaSystemd", "SagaAPI", "SagaProto", "SagaPostgres", "ServiceStorePostgres",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .systemLibrary(
            name: "CSystemd",
            path: "Sources/CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .target(
            name: "SagaSystemd",
            dependencies: [
                "CSystemd",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "sagad",
            dependencies: [
                "SagaDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "SagaControl",
            dependencies: [
                "SagaAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(name: "sagactl", dependencies: ["SagaControl"]),
        .executableTarget(
            name: "SagaLogBenchmark",
            dependencies: ["SagaLog", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/SagaLogBenchmark"
        ),
        .executableTarget(
            name: "KafkaLogBenchmark",
            dependencies: ["KafkaLog", "SagaLog", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/KafkaLogBenchmark"
        ),
        .executableTarget(
            name: "ClusterBenchmark",
            dependencies: [
                "SagaPostgres", "ServiceStorePostgres", "SagaMessaging", "SagaLog", "KafkaLog", "MessageLog",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/ClusterBenchmark"
        ),
        .executableTarget(
            name: "SagaBenchmark",
            dependencies: ["SagaDaemon", "SagaLog", "SagaMessaging", "OrderService", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/SagaBenchmark"
        ),
        // The conformance suite every log backend must pass, run here against SagaLog (and KafkaLog
        // on the emulator, when SAGAD_KAFKA_BOOTSTRAP names one).
        .testTarget(
            name: "MessageLogTests",
            dependencies: ["MessageLog", "SagaLog", "KafkaLog", .product(name: "Logging", package: "swift-log")]
        ),
        // KafkaLog's parts that need no broker: settings, partitioning, error mapping.
        .testTarget(
            name: "KafkaLogTests",
            dependencies: ["KafkaLog", "CRdKafka", "SagaLog", .product(name: "Logging", package: "swift-log")]
        ),
        // Runs against a real PostgreSQL when SAGAD_POSTGRES_URL names one (Tests/postgres-tests.sh);
        // the services' SQLite schemas are here to check that both stores name the same steps.
        .testTarget(
            name: "ServiceStorePostgresTests",
            dependencies: [
                "ServiceStorePostgres", "SagaPostgres", "MessageLog", "SagaLog", "KafkaLog", "SagaMessaging", "OrderService", "CheckoutService",
                "FulfillmentService",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SagaLogTests",
            dependencies: ["SagaLog", "CCRC32C", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "SagaSystemdTests",
            dependencies: ["SagaSystemd", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "SagaMessagingTests",
            dependencies: [
                "SagaMessaging", "SagaLog",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SagaDaemonTests",
            dependencies: [
                "SagaDaemon", "SagaLog", "SagaMessaging", "OrderService", "CheckoutService", "FulfillmentService",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
            ]
        ),
        .testTarget(
            name: "SagaControlTests",
            dependencies: ["SagaControl", "SagaAPI", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Checks the route table and every body type against openapi.yaml.
        .testTarget(name: "SagaAPITests", dependencies: ["SagaAPI", .product(name: "Yams", package: "Yams")]),
        // Starts the real sagad and sagactl binaries; depends on them so they are built first.
        // GRDB reads a stopped daemon's databases (the payment journal) to check the invariants;
        // SagaLog writes poison records into a stopped daemon's log (dead-letter tests).
        .testTarget(name: "SystemTests", dependencies: [
            "sagad", "sagactl", "SagaLog", "SagaProto", .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
