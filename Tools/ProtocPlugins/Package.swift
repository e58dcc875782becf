// swift-tools-version:6.2
// Builds the protoc plugins `make proto` needs (protoc-gen-swift, protoc-gen-grpc-swift-2), apart
// from the main package so that a plain `swift build` of sagad never compiles them.
import PackageDescription

let package = Package(
    name: "ProtocPlugins",
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", exact: "2.4.1"),
    ],
    targets: []
)
