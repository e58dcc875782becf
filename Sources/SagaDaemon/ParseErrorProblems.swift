import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import SagaAPI

/// Gives requests that NIO cannot parse (a bad request line or method, a head over 80 KiB, a
/// broken Content-Length or chunk) a problem body. Such a request never reaches the router:
/// Hummingbird answers it with a bare `400` (no body, `Connection: close`) once the requests
/// before it on the connection are answered. This handler, after HTTP/1 decoding, notes the
/// parser's error as it passes inward and rewrites that bare answer into the RFC 9457 problem
/// for the error (431 for a head that is too large), so every answer of the API has a problem.
final class ParseErrorProblems: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let logger: Logger
    /// The problem for the parse error seen, until its bare answer passes outward.
    private var pending: Problem?

    init(logger: Logger) { self.logger = logger }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? HTTPParserError {
            let problem = Problem.from(error)
            logger.debug("request rejected before routing", metadata: ["error": "\(error)", "status": "\(problem.status)"])
            pending = problem
        }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard let problem = pending, case .head(let head) = unwrapOutboundIn(data), Self.isBareRejection(head) else {
            context.write(data, promise: promise)
            return
        }
        pending = nil
        let body = problem.encoded()
        let fields: HTTPFields = [
            .contentType: "application/problem+json", .contentLength: "\(body.readableBytes)",
            .connection: "close", .server: "sagad",
        ]
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .init(code: problem.status), headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: promise)
    }

    /// Hummingbird's answer to a parse error: 400, `Content-Length: 0`, `Connection: close`.
    /// Every answer of the router has a body, so none of them looks like this.
    static func isBareRejection(_ head: HTTPResponse) -> Bool {
        head.status == .badRequest && head.headerFields[.contentLength] == "0" && head.headerFields[.connection] == "close"
    }
}

extension Problem {
    /// The problem for a request NIO's HTTP/1 parser refused: which part of it is wrong.
    static func from(_ error: HTTPParserError) -> Problem {
        let detail = switch error {
        case .headerOverflow:
            "the request line and header fields exceed 80 KiB, or there are too many header fields"
        case .invalidMethod: "the request method is not an HTTP method"
        case .invalidURL: "the request target is not a valid URI"
        case .invalidVersion: "the request line does not end in a valid HTTP version; sagad speaks HTTP/1.1"
        case .invalidHeaderToken: "a header field name or value holds characters HTTP does not allow"
        case .invalidContentLength, .unexpectedContentLength:
            "Content-Length is not a valid number, is repeated, or comes with Transfer-Encoding"
        case .invalidChunkSize: "a chunk size of the chunked body is not valid"
        case .lfExpected, .invalidConstant, .invalidCharactersUsed, .strictModeAssertion:
            "the request line or a header line is malformed"
        default: "the request is not valid HTTP/1.1 (\(error))"
        }
        return Problem(error == .headerOverflow ? .headersTooLarge : .malformedRequest, detail)
    }
}
