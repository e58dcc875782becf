import Foundation
import SagaAPI
import Testing

/// A request body that does not fit gets a problem naming the field and saying what is wrong.
@Suite struct RequestDecodingTests {
    /// Refuses "0" and anything that is not digits with at most two decimals, as `Money` does.
    static let parser = AmountParser { text in
        struct Refused: Error, CustomStringConvertible { var description: String }
        guard let value = Double(text), text.allSatisfy({ $0.isNumber || $0 == "." }) else {
            throw Refused(description: "'\(text)' is not a decimal amount like \"12.34\"")
        }
        return Int64((value * 100).rounded())
    }

    func problem<Body: APIRequestBody>(_ type: Body.Type, _ json: String) -> Problem? {
        do {
            _ = try RequestDecoding.decode(type, from: Data(json.utf8), amounts: Self.parser)
            return nil
        } catch {
            return error
        }
    }

    @Test func aBodyThatIsNotAJSONObjectIs400() {
        #expect(problem(OrderRequest.self, "{not json")?.kind == .invalidJSON)
        #expect(problem(OrderRequest.self, "{not json")?.detail == "the body is not valid JSON")
        #expect(problem(OrderRequest.self, "[1,2]")?.detail == "the body must be a JSON object")
        #expect(problem(OrderRequest.self, "[1,2]")?.status == 400)
    }

    @Test func aFieldOfTheWrongTypeIsNamedWithWhatItMustBe() {
        #expect(problem(OrderRequest.self, #"{"amount": 12.5}"#)?.detail == #"'amount' must be a decimal string such as "12.34""#)
        #expect(problem(OrderRequest.self, #"{"account_id": 7}"#)?.detail == "'account_id' must be a string")
        #expect(problem(GroupResetRequest.self, #"{"to": "offset", "offset": "x"}"#)?.detail == "'offset' must be a whole number")
        #expect(problem(OrderRequest.self, #"{"amount": true}"#)?.status == 422)
        #expect(problem(GroupResetRequest.self, #"{"to": "offset", "offset": 1.5}"#)?.detail == "'offset' must be a whole number")
        #expect(problem(GroupResetRequest.self, #"{"to": "offset", "offset": 1e30}"#)?.detail == "'offset' must be a whole number")
    }

    @Test func amountsAreCheckedByTheParserWhereTheyAreDecoded() throws {
        #expect(problem(DepositRequest.self, #"{"amount": "1e3"}"#)?.detail == #"'amount': '1e3' is not a decimal amount like "12.34""#)
        let body = try RequestDecoding.decode(DepositRequest.self, from: Data(#"{"amount": "12.34"}"#.utf8), amounts: Self.parser)
        #expect(body.amount.cents == 1234)
        #expect(body.amount.text == "12.34")
    }

    @Test func missingUnknownAndOutOfRangeFieldsAreNamed() {
        #expect(problem(AccountRequest.self, #"{"id": "a"}"#)?.detail == "'balance' is required")
        #expect(problem(AccountRequest.self, #"{"id": null, "balance": "1"}"#)?.detail == "'id' is required")
        #expect(problem(OrderRequest.self, #"{"amount": "5", "extra": 1}"#)?.detail == "unknown field 'extra'; allowed: account_id, amount")
        #expect(problem(GroupResetRequest.self, #"{"to": "never"}"#)?.detail == "'to' must be one of earliest, latest, offset, not 'never'")
        #expect(problem(GroupResetRequest.self, #"{"to": 3}"#)?.detail == "'to' must be one of earliest, latest, offset")
    }

    @Test func nullOptionalFieldsAreAbsent() throws {
        let body = try RequestDecoding.decode(OrderRequest.self, from: Data(#"{"amount": null}"#.utf8), amounts: Self.parser)
        #expect(body.amount == nil)
    }
}

/// Order bodies of plain strings skip `JSONDecoder`; whatever that shortcut takes, it must read
/// as `JSONDecoder` reads it, and whatever it declines must still get `JSONDecoder`'s answer.
@Suite struct PlainOrderBodyTests {
    /// The full decode, without the shortcut.
    func foundation(_ bytes: [UInt8]) -> Result<OrderRequest, any Error> {
        let decoder = JSONDecoder()
        decoder.userInfo[AmountParser.key] = RequestDecodingTests.parser
        return Result { try decoder.decode(OrderRequest.self, from: Data(bytes)) }
    }

    @Test func theShortcutAgreesWithJSONDecoderOnPlainAndDamagedBodies() {
        let samples = [
            #"{"amount":"12.34","account_id":"a1"}"#, #"{ "account_id" : "ü ✓" , "amount" : "0.5" }"#, "{}", " {} ",
            #"{"amount":"12.34"}"#, #"{"account_id":"a"}"#, #"{"amount":"x1"}"#, #"{"amount":12}"#,
            #"{"amount":"1","amount":"2"}"#, #"{"extra":"1"}"#, #"{"account_id":"a\"b"}"#, #"{"account_id":null}"#,
            #"{"amount":"1"} x"#, "", "[]", #"{"amount":"1",}"#,
        ]
        var inputs = samples.map { Array($0.utf8) }
        var random = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            var bytes = Array(#"{"amount":"12.34","account_id":"acct-1"}"#.utf8)
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.remove(at: index)
                default: bytes.insert(Array(#"",:{}\ 0."#.utf8).randomElement(using: &random)!, at: index)
                }
                if bytes.isEmpty { break }
            }
            inputs.append(bytes)
        }
        var shortcut = 0
        for bytes in inputs {
            let decoded = Result { try RequestDecoding.decode(OrderRequest.self, from: Data(bytes), amounts: RequestDecodingTests.parser) }
            switch (decoded, foundation(bytes)) {
            case (.success(let fast), .success(let full)):
                shortcut += 1
                #expect(fast.amount?.text == full.amount?.text && fast.amount?.cents == full.amount?.cents
                        && fast.accountID == full.accountID, "\(String(decoding: bytes, as: UTF8.self))")
            case (.failure, .failure):
                break
            default:
                Issue.record("the decoders disagree on \(String(decoding: bytes, as: UTF8.self))")
            }
        }
        #expect(shortcut > 50)
    }
}

/// The route table fills and encodes path parameters, and serves the spec's own bytes.
@Suite struct APIOperationTests {
    @Test func pathsFillParametersAsEncodedSegments() throws {
        #expect(try APIOperation.getOrder.path("a/b c") == "/v1/orders/a%2Fb%20c")
        #expect(try APIOperation.resetGroup.path("order") == "/v1/groups/order/reset")
        #expect(try APIOperation.listOrders.path() == "/v1/orders")
        #expect(throws: APIOperation.PathError.self) { try APIOperation.getOrder.path() }
        #expect(APIOperation.peekRecords.pathTemplate { ":\($0)" } == "/v1/topics/:name/records")
    }

    /// Plain ids skip Foundation's encoding; what they skip it for must be what it leaves alone.
    @Test func segmentsEncodeAsFoundationDoesWithOrWithoutTheShortcut() {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#;")
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("azAZ09-._~ /?#;%&=+:@!$'()*,ü✓")
        var samples = ["", "01JABCDEF-xyz_1.2~", "a b", "ü", "semi;colon", "q?x", "100%"]
        for _ in 0..<2_000 {
            samples.append(String((0..<Int.random(in: 0...8, using: &random)).map { _ in alphabet.randomElement(using: &random)! }))
        }
        for text in samples {
            #expect(APIOperation.encodeSegment(text) == text.addingPercentEncoding(withAllowedCharacters: allowed), "\(text)")
        }
    }

    @Test func theEmbeddedDocumentIsTheFileInTheRepository() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/SagaAPI/openapi.yaml")
        #expect(APIDocument.yaml == Array(try Data(contentsOf: file)))
    }
}
