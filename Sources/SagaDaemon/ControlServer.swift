import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import SagaSystemd
import ServiceLifecycle

/// The control API's listeners: the Unix socket (bound here, or inherited from systemd), and
/// the optional TCP listener (behind a `TokenGate` when `http.token_file` is set). All serve
/// the same router.
enum ControlServer {
    /// The services that serve the API; `onReady` runs once the Unix socket accepts connections.
    static func services(
        configuration: DaemonConfiguration, daemon: DaemonContext, onReady: @escaping @Sendable (String) -> Void
    ) throws -> [any Service] {
        let router = ControlRouter.build(daemon)
        let settings = configuration.control
        RequestDeadline.milliseconds.store(Int(settings.requestTimeout.components.seconds * 1000
            + settings.requestTimeout.components.attoseconds / 1_000_000_000_000_000), ordering: .relaxed)
        // One count for every listener: the limit is on sagad's descriptors, not per socket.
        let connections = ConnectionCount(limit: settings.maxConnections)
        let server = GuardedHTTP1Channel.builder(
            connections: connections, idleTimeout: settings.requestTimeout, logger: daemon.logger)
        var services: [any Service] = []
        if let descriptor = try SocketActivation.inheritedListener(named: "control") {
            services.append(InheritedSocketServer(
                descriptor: descriptor, responder: router.buildResponder(), logger: daemon.logger,
                connections: connections, idleTimeout: settings.requestTimeout
            ) {
                onReady("the socket passed by systemd (fd \(descriptor))")
            })
        } else {
            services.append(try boundSocketServer(
                configuration: configuration, daemon: daemon, router: router, server: server, onReady: onReady))
        }
        if let listen = configuration.control.httpListen, let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) {
            let host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            let address = ApplicationConfiguration(address: .hostname(host, port: port), serverName: "sagad")
            if let token = settings.httpToken {
                services.append(Application(
                    responder: TokenGate(token: token, next: router.buildResponder()), server: server,
                    configuration: address, logger: daemon.logger))
            } else {
                daemon.logger.warning("the TCP listener asks for no token: any local user can use the whole API", metadata: [
                    "listen": "\(listen)", "key": "http.token_file",
                ])
                services.append(Application(router: router, server: server, configuration: address, logger: daemon.logger))
            }
        }
        return services
    }

    /// Hummingbird bound to `control.socket`, with the configured mode once it listens.
    private static func boundSocketServer(
        configuration: DaemonConfiguration, daemon: DaemonContext, router: Router<BasicRequestContext>,
        server: HTTPServerBuilder, onReady: @escaping @Sendable (String) -> Void
    ) throws -> any Service {
        let path = configuration.resolvedControlSocket
        let mode = configuration.control.socketMode
        try ControlSocket.prepare(path)
        return Application(
            router: router, server: server,
            configuration: ApplicationConfiguration(address: .unixDomainSocket(path: path), serverName: "sagad"),
            onServerRunning: { _ in
                do { try ControlSocket.setMode(path, mode) } catch {
                    daemon.logger.error("cannot set the socket mode", metadata: ["path": "\(path)", "error": "\(error)"])
                }
                onReady(path)
            },
            logger: daemon.logger)
    }
}
