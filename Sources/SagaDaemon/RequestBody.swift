import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SagaAPI

extension Request {
    /// The body decoded straight into its API type (at most `ControlRouter.maxBodyBytes`,
    /// JSON only); an empty body is `{}` when `optional`. Amounts are checked by `Money` as they
    /// are decoded.
    /// - Throws: `Problem` naming the field that does not fit, or 413/415 for the body as a whole.
    func decodeBody<Body: APIRequestBody>(_ type: Body.Type, optional: Bool = false) async throws -> Body {
        let buffer = try await body.collect(upTo: ControlRouter.maxBodyBytes)
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
