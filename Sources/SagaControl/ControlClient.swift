import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SagaAPI

/// Talks HTTP/1.1 to sagad over its Unix socket (`http+unix://`) with one AsyncHTTPClient,
/// turning transport failures into `ControlError`s that say whether the daemon is there.
final class ControlClient: Sendable {
    /// The absolute path of the control socket.
    let socketPath: String
    /// Largest response body accepted; sagad's pages are far smaller.
    static let maximumBodyBytes = 32 * 1024 * 1024

    private let http: HTTPClient

    /// A client for the socket at `socketPath`, keeping up to `connectionLimit` connections.
    init(socketPath: String, connectionLimit: Int = 8) {
        self.socketPath = socketPath
        var configuration = HTTPClient.Configuration()
        // Fail at once when nothing listens, rather than retrying until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(connectionLimit, 1)
        configuration.timeout.connect = .seconds(5)
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Releases the connections; call once when the command is done.
    func shutdown() async {
        try? await http.shutdown()
    }

    /// Sends `request` and returns the whole response, whatever its status.
    func send(_ request: ControlRequest) async throws -> ControlResponse {
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: request.uri) else {
            throw ControlError.daemonUnreachable(socketPath: socketPath, reason: "not a usable socket path")
        }
        var outgoing = HTTPClientRequest(url: url.absoluteString)
        outgoing.method = request.method == .get ? .GET : .POST
        outgoing.headers.add(name: "Accept", value: "application/json, application/problem+json")
        for header in request.headers {
            outgoing.headers.add(name: header.name, value: header.value)
        }
        if let body = request.body {
            outgoing.headers.add(name: "Content-Type", value: "application/json")
            outgoing.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await http.execute(outgoing, timeout: Self.timeAmount(request.timeout))
            let body = try await response.body.collect(upTo: Self.maximumBodyBytes)
            var headers: [String: String] = [:]
            for (name, value) in response.headers {
                headers[name.lowercased()] = value
            }
            return ControlResponse(status: Int(response.status.code), headers: headers, body: Data(body.readableBytesView))
        } catch let error as ControlError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw classifyTransportFailure(error)
        }
    }

    /// Sends `request`, requires a 2xx answer and decodes its body as `Value`.
    func fetch<Value: Decodable>(_ type: Value.Type, _ request: ControlRequest) async throws -> Value {
        try await send(request).requireSuccess().decode(type, path: request.path)
    }

    /// Unreachable when a fresh connect fails too; otherwise the exchange itself broke.
    private func classifyTransportFailure(_ error: any Error) -> ControlError {
        if let reason = UnixSocketProbe.connectionFailure(at: socketPath) {
            return .daemonUnreachable(socketPath: socketPath, reason: reason)
        }
        return .exchangeFailed(socketPath: socketPath, reason: String(describing: error))
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
