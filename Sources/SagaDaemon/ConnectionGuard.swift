import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import SagaAPI
import Synchronization

/// Bounds what clients can hold of the control API: at most `maxConnections` connections at
/// once (the next one is answered `503` with a problem body and closed at once, so a flood of
/// idle connections cannot use up sagad's file descriptors), and Hummingbird's idle timeout
/// closes a connection that sends nothing, or stops halfway through a request head, for
/// `idleTimeout`. Long polls are not idle: a request being answered is never timed out.
/// A request NIO cannot parse gets a problem body too (`ParseErrorProblems`).
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http: HTTP1Channel
    let connections: ConnectionCount

    init(responder: @escaping HTTPChannelHandler.Responder, connections: ConnectionCount, idleTimeout: Duration, logger: Logger) {
        http = HTTP1Channel(responder: responder, configuration: .init(
            additionalChannelHandlers: [ParseErrorProblems(logger: logger)], idleTimeout: TimeAmount(idleTimeout)))
        self.connections = connections
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            try channel.pipeline.syncOperations.addHandler(ConnectionGuard(connections: connections, logger: logger))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return http.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await http.handle(value: value, logger: logger)
    }

    /// For `Application(router:server:)`.
    static func builder(connections: ConnectionCount, idleTimeout: Duration, logger: Logger) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            GuardedHTTP1Channel(responder: responder, connections: connections, idleTimeout: idleTimeout, logger: logger)
        }
    }
}

/// Connections open on every listener of the control API, against one limit.
final class ConnectionCount: Sendable {
    let limit: Int
    private let open = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    /// Counts a new connection; false when that would pass the limit (then it is not counted).
    func admit() -> Bool {
        let now = open.wrappingAdd(1, ordering: .relaxed).newValue
        if now <= limit { return true }
        open.wrappingSubtract(1, ordering: .relaxed)
        return false
    }

    func release() { open.wrappingSubtract(1, ordering: .relaxed) }
}

/// First in each connection's pipeline: admits it against the limit, or writes a complete
/// `503` problem response in raw bytes (no request need be read) and closes it.
final class ConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let connections: ConnectionCount
    private let logger: Logger
    private var admitted = false

    init(connections: ConnectionCount, logger: Logger) {
        self.connections = connections
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        guard connections.admit() else {
            logger.warning("control API connection refused: too many open", metadata: ["limit": "\(connections.limit)"])
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: Self.refusal(limit: connections.limit))), promise: nil)
            context.close(promise: nil)
            return
        }
        admitted = true
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if admitted {
            admitted = false
            connections.release()
        }
        context.fireChannelInactive()
    }

    /// The whole refusal as HTTP/1.1 bytes: 503, `Retry-After`, an RFC 9457 body, and close.
    static func refusal(limit: Int) -> String {
        let problem = Problem(.tooManyConnections, "sagad already holds \(limit) connections (control.max_connections); retry shortly")
        let body = String(buffer: problem.encoded())
        return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\nRetry-After: 1\r\n"
            + "Connection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
    }
}
