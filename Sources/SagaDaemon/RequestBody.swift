import Foundation
import HTTPTypes
import Hummingbird
import MessageLog
import NIOCore
import SagaAPI
import Synchronization

extension Request {
    /// The body decoded straight into its API type (at most `ControlRouter.maxBodyBytes`,
    /// JSON only); an empty body is `{}` when `optional`. Amounts are checked by `Money` as they
    /// are decoded.
    /// - Throws: `Problem` naming the field that does not fit, or 413/415 for the body as a whole.
    func decodeBody<Body: APIRequestBody>(_ type: Body.Type, optional: Bool = false) async throws -> Body {
        let buffer = try await RequestDeadline.collect(body)
        if buffer.readableBytes == 0 {
            guard optional else { throw Problem(.invalidJSON, "a JSON object body is required") }
            return try RequestDecoding.decode(type, from: Data("{}".utf8), amounts: Amount.moneyParser)
        }
        if let contentType = headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw Problem(.unsupportedMediaType, "Content-Type is '\(contentType)'; send application/json")
        }
        return try RequestDecoding.decode(type, from: Data(buffer.readableBytesView), amounts: Amount.moneyParser)
    }
}

/// How long a request's body may take to arrive (`control.request_timeout_ms`, set once at
/// start): a body that trickles in, or stops, gets `408` instead of holding its connection.
enum RequestDeadline {
    static let milliseconds = Atomic<Int>(30_000)
    /// Never notified: a wait on it ends at its timeout, or at once when cancelled (see
    /// `KeyedChangeSignal`, whose one sweeper keeps every timeout).
    private static let timeouts = KeyedChangeSignal()

    /// The body, at most `ControlRouter.maxBodyBytes`, or a `requestTimeout` problem.
    static func collect(_ body: RequestBody) async throws -> ByteBuffer {
        let limit = milliseconds.load(ordering: .relaxed)
        return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await body.collect(upTo: ControlRouter.maxBodyBytes) }
            group.addTask {
                // Not Task.sleep: on Linux a cancelled sleep keeps its timer until the deadline,
                // so every request would hold one for request_timeout_ms after it was answered.
                await timeouts.wait(for: "request-body", changingFrom: 0, timeout: .milliseconds(limit))
                try Task.checkCancellation()
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let buffer = first else {
                throw Problem(.requestTimeout, "the body did not arrive within \(limit) ms (control.request_timeout_ms)")
            }
            return buffer
        }
    }
}
