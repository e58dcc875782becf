import Foundation
import HTTPTypes
import Hummingbird
import SagaAPI

/// The TCP listener's shared secret, read from `http.token_file`: a request on TCP must carry
/// `Authorization: Bearer <token>`. Only the file's path is ever printed, never the secret.
public struct BearerToken: Sendable, Equatable, CustomStringConvertible {
    private typealias Invalid = ConfigurationKey.InvalidValue
    /// Fewer characters than this are too easy to guess.
    static let minimumLength = 16

    /// The file the token was read from.
    public let file: String
    private let secret: [UInt8]

    public var description: String { file }

    /// Reads the token from `file`: one line (a final newline is dropped) of at least
    /// `minimumLength` visible ASCII characters, in a file other users cannot read.
    /// - Throws: why the file is not usable, naming it.
    static func read(_ file: String) throws(ConfigurationKey.InvalidValue) -> BearerToken {
        var status = stat()
        guard stat(file, &status) == 0 else {
            throw Invalid(reason: "cannot read '\(file)': \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & S_IFMT == S_IFREG else { throw Invalid(reason: "'\(file)' is not a regular file") }
        guard status.st_mode & S_IROTH == 0 else {
            throw Invalid(reason: "'\(file)' is readable by every user, who could then use the token; chmod o-r it")
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw Invalid(reason: "cannot read '\(file)': \(String(cString: strerror(errno)))")
        }
        var text = String(decoding: data, as: UTF8.self)
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        guard !text.isEmpty else {
            throw Invalid(reason: "'\(file)' is empty; write a token of at least \(minimumLength) characters into it")
        }
        guard text.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw Invalid(reason: "the token in '\(file)' must be one line of visible ASCII characters, without spaces")
        }
        guard text.utf8.count >= minimumLength else {
            throw Invalid(reason: "the token in '\(file)' has \(text.utf8.count) characters; use at least \(minimumLength)")
        }
        return BearerToken(file: file, secret: Array(text.utf8))
    }

    /// Whether an `Authorization` header value is `Bearer <this token>` (the scheme in any case);
    /// the token is compared in time that does not depend on where it differs.
    func admits(_ authorization: String?) -> Bool {
        guard let authorization else { return false }
        let bytes = Array(authorization.utf8)
        let scheme = Array("bearer ".utf8)
        guard bytes.count == scheme.count + secret.count,
              bytes.prefix(scheme.count).map({ $0 | 0x20 }) == scheme.map({ $0 | 0x20 })
        else { return false }
        var difference: UInt8 = 0
        for (given, expected) in zip(bytes.dropFirst(scheme.count), secret) { difference |= given ^ expected }
        return difference == 0
    }
}

/// The TCP listener's door when `http.token_file` is set: a request without the bearer token
/// gets a `401` problem with `WWW-Authenticate: Bearer`; the others go on to the router. The
/// Unix socket has no such door: its file mode (`control.socket_mode`) decides who connects.
struct TokenGate<Next: HTTPResponder>: HTTPResponder where Next.Context == ControlRouter.Context {
    let token: BearerToken
    let next: Next

    func respond(to request: Request, context: ControlRouter.Context) async throws -> Response {
        guard token.admits(request.headers[.authorization]) else {
            let detail = request.headers[.authorization] == nil
                ? "the TCP listener needs 'Authorization: Bearer <token>' with the token of http.token_file"
                : "the bearer token is not the one of http.token_file"
            return try Problem(.unauthorized, detail).response(for: request, headers: [.wwwAuthenticate: #"Bearer realm="sagad""#])
        }
        return try await next.respond(to: request, context: context)
    }
}
