import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import SagaProto

/// Runs `body` with a `sagad.v1.Orders` client on the daemon's gRPC Unix socket (or a TCP port),
/// closing the connection afterwards.
func withOrdersClient<Result: Sendable>(
    socket: String? = nil, port: Int? = nil,
    _ body: @Sendable (Sagad_V1_Orders.Client<HTTP2ClientTransport.Posix>) async throws -> Result
) async throws -> Result {
    let target: any ResolvableTarget = if let port {
        ResolvableTargets.IPv4.ipv4(address: "127.0.0.1", port: port)
    } else {
        ResolvableTargets.UnixDomainSocket.unixDomainSocket(path: socket ?? "")
    }
    let transport = try HTTP2ClientTransport.Posix(target: target, transportSecurity: .plaintext)
    return try await withGRPCClient(transport: transport) { client in
        try await body(Sagad_V1_Orders.Client(wrapping: client))
    }
}

extension DaemonProcess {
    /// The default gRPC socket of this daemon's state directory.
    var grpcSocket: String { stateDirectory + "/run/sagad-grpc.sock" }
}

/// The `RPCError` `body` ends with, or nil when it succeeds.
func rpcError(_ body: () async throws -> Void) async -> RPCError? {
    do {
        try await body()
        return nil
    } catch let error as RPCError {
        return error
    } catch {
        return RPCError(code: .unknown, message: "not an RPCError: \(error)")
    }
}
