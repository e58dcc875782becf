import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import SagaSystemd
import ServiceLifecycle

/// The gRPC API's listeners (`grpc.*`): its own Unix socket (bound here, or the socket systemd
/// passes as `grpc`), and the optional loopback TCP listener, which asks for the bearer token
/// of `http.token_file` like the HTTP one. Off when `grpc.enabled` is false.
enum GRPCListeners {
    static func services(configuration: DaemonConfiguration, daemon: DaemonContext) throws -> [any Service] {
        let settings = configuration.control
        guard settings.grpcEnabled else { return [] }
        let orders = OrdersGRPCService(operations: OrderOperations(orders: daemon.runtime.orders, logger: daemon.logger))
        var services: [any Service] = []
        if let descriptor = try SocketActivation.namedListener("grpc") {
            let transport = HTTP2ServerTransport.Posix(
                listeningSocketDescriptor: Int(descriptor), transportSecurity: .plaintext)
            services.append(GRPCServerService(
                server: GRPCServer(transport: transport, services: [orders], interceptors: [TraceparentInterceptor()]),
                transport: transport, description: "the socket passed by systemd (fd \(descriptor))", logger: daemon.logger))
        } else {
            let path = configuration.resolvedGRPCSocket
            try ControlSocket.prepare(path, key: "grpc.socket")
            let transport = HTTP2ServerTransport.Posix(address: .unixDomainSocket(path: path), transportSecurity: .plaintext)
            let mode = settings.socketMode
            services.append(GRPCServerService(
                server: GRPCServer(transport: transport, services: [orders], interceptors: [TraceparentInterceptor()]),
                transport: transport, description: path, logger: daemon.logger
            ) {
                // The same file mode as the control socket: it guards both the same way.
                do { try ControlSocket.setMode(path, mode) } catch {
                    daemon.logger.error("cannot set the socket mode", metadata: ["path": "\(path)", "error": "\(error)"])
                }
            })
        }
        if let listen = settings.grpcListen, let colon = listen.lastIndex(of: ":"),
           let port = Int(listen[listen.index(after: colon)...]) {
            let host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            let address: GRPCNIOTransportCore.SocketAddress = host.contains(":")
                ? .ipv6(host: host, port: port) : .ipv4(host: host == "localhost" ? "127.0.0.1" : host, port: port)
            let transport = HTTP2ServerTransport.Posix(address: address, transportSecurity: .plaintext)
            var interceptors: [any ServerInterceptor] = [TraceparentInterceptor()]
            if let token = settings.httpToken {
                interceptors.append(BearerTokenInterceptor(token: token))
            } else {
                daemon.logger.warning("the gRPC TCP listener asks for no token: any local user can use it", metadata: [
                    "listen": "\(listen)", "key": "http.token_file",
                ])
            }
            services.append(GRPCServerService(
                server: GRPCServer(transport: transport, services: [orders], interceptors: interceptors),
                transport: transport, description: listen, logger: daemon.logger))
        }
        return services
    }
}

/// One gRPC server as a service of the daemon's group: it serves until graceful shutdown, then
/// stops accepting calls and lets the running ones finish (watches end with UNAVAILABLE).
struct GRPCServerService: Service {
    let server: GRPCServer<HTTP2ServerTransport.Posix>
    let transport: HTTP2ServerTransport.Posix
    let description: String
    let logger: Logger
    var onListening: @Sendable () -> Void = {}

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await server.serve() }
                let address = try await transport.listeningAddress
                onListening()
                logger.info("serving the gRPC API on \(description)", metadata: ["address": "\(address)"])
            }
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
        logger.info("gRPC API stopped on \(description)")
    }
}

/// The gRPC TCP listener's door when `http.token_file` is set: a call without metadata
/// `authorization: Bearer <token>` ends UNAUTHENTICATED. The Unix socket has none: its file mode
/// decides who connects, as for the HTTP API.
struct BearerTokenInterceptor: ServerInterceptor {
    let token: BearerToken

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let authorization = request.metadata[stringValues: "authorization"].first { _ in true }
        guard token.admits(authorization) else {
            throw RPCError(
                code: .unauthenticated,
                message: authorization == nil
                    ? "the TCP listener needs metadata 'authorization: Bearer <token>' with the token of http.token_file"
                    : "the bearer token is not the one of http.token_file")
        }
        return try await next(request, context)
    }
}
