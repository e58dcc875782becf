import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Serves the control API on a listening socket that systemd passed in (socket activation).
/// Hummingbird's `Application` can only bind its own socket, so this runs the same router
/// over Hummingbird's HTTP/1 channel on NIO's `bind(_ socket:)`. The socket itself belongs to
/// systemd: it stays open across daemon restarts, and clients queue while sagad restarts.
struct InheritedSocketServer: Service {
    let descriptor: Int32
    let responder: RouterResponder<BasicRequestContext>
    let logger: Logger
    let connections: ConnectionCount
    let idleTimeout: Duration
    let onReady: @Sendable () -> Void

    func run() async throws {
        let responder = self.responder
        let logger = self.logger
        let http = GuardedHTTP1Channel(responder: { request, writer, channel in
            let context = BasicRequestContext(source: .init(channel: channel, logger: logger))
            var response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch {
                response = Response(status: .internalServerError)
            }
            response.headers[.server] = "sagad"
            try await writer.write(response: response.head, body: response.body)
        }, connections: connections, idleTimeout: idleTimeout, logger: logger)
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .bind(NIOBSDSocket.Handle(descriptor), serverBackPressureStrategy: nil) { channel in
                http.setup(channel: channel, logger: logger)
            }
        logger.info("serving the control API on the socket passed by systemd", metadata: ["fd": "\(descriptor)"])
        onReady()
        // On graceful shutdown stop accepting; connections already accepted finish their request.
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await listener.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await http.handle(value: connection, logger: logger) }
                    }
                }
            }
        } onGracefulShutdown: {
            listener.channel.close(promise: nil)
        }
    }
}
