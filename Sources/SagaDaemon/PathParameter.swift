import Foundation
import Hummingbird
import SagaAPI

extension Parameters {
    /// A path parameter, percent-decoded: `/v1/accounts/a%20b%2Fc` names the account `a b/c`,
    /// as sagactl (and any client following RFC 3986) encodes it.
    /// - Throws: `Problem` (400) when the parameter is not valid percent-encoding.
    func decoded(_ name: String) throws -> String {
        let raw = try require(name)
        // Most ids have nothing encoded: Foundation's decoding copies every one through NSString.
        if !raw.utf8.contains(UInt8(ascii: "%")) { return raw }
        guard let value = raw.removingPercentEncoding else {
            throw Problem(.badRequest, "the path parameter '\(name)' is not valid percent-encoding: '\(raw)'")
        }
        return value
    }
}
