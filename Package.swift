// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "sagad",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SagaLog", targets: ["SagaLog"]),
        .executable(name: "sagad", targets: ["sagad"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .target(name: "CCRC32C"),
        .target(
            name: "SagaLog",
            dependencies: [
                "CCRC32C",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "sagad",
            dependencies: [
                "SagaLog",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "SagaLogBenchmark",
            dependencies: ["SagaLog"],
            path: "Benchmarks/SagaLogBenchmark"
        ),
        .testTarget(name: "SagaLogTests", dependencies: ["SagaLog"]),
    ],
    swiftLanguageModes: [.v6]
)
