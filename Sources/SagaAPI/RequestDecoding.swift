import Foundation

/// Decodes a request body straight into its API type; any mistake becomes a problem whose
/// detail names the offending field (from the decoding error's coding path) and says what
/// was wrong with it.
public enum RequestDecoding {
    /// `data` as `Body`, amounts checked by `amounts` when given.
    /// - Throws: `Problem` (400 when the body is not a JSON object, 422 for a field).
    public static func decode<Body: APIRequestBody>(
        _ type: Body.Type, from data: Data, amounts: AmountParser? = nil
    ) throws(Problem) -> Body {
        if let plain = type as? any PlainStringsBody.Type,
           let members = data.withUnsafeBytes(PlainJSONObject.members),
           let body = plain.fromPlainStrings(members, amounts: amounts) as? Body {
            return body
        }
        let decoder = JSONDecoder()
        if let amounts { decoder.userInfo[AmountParser.key] = amounts }
        do {
            return try decoder.decode(type, from: data)
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty && isJSON(data) {
            // JSONDecoder reports a number that does not fit its field without the field.
            throw Problem(.validation, "a number in the body does not fit its field (\(context.debugDescription))")
        } catch let error as DecodingError {
            throw problem(for: error)
        } catch {
            throw Problem(.invalidJSON, "the body is not valid JSON")
        }
    }

    /// The problem a decoding error stands for.
    public static func problem(for error: DecodingError) -> Problem {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return Problem(.invalidJSON, "the body is not valid JSON")
        case .typeMismatch(_, let context) where context.codingPath.isEmpty:
            return Problem(.invalidJSON, "the body must be a JSON object")
        case .keyNotFound(let key, let context):
            return Problem(.validation, "'\(fieldName(context.codingPath + [key]))' is required")
        case .valueNotFound(_, let context):
            return Problem(.validation, "'\(fieldName(context.codingPath))' is required")
        case .typeMismatch(let type, let context):
            return Problem(.validation, "'\(fieldName(context.codingPath))' must be \(expectation(of: type))")
        case .dataCorrupted(let context):
            let field = fieldName(context.codingPath)
            let said = context.debugDescription
            if said.hasPrefix(UnknownProperty.marker) {
                return Problem(.validation, "unknown field '\(field)'; \(said.dropFirst(UnknownProperty.marker.count))")
            }
            return Problem(.validation, said.hasPrefix("must ") ? "'\(field)' \(said)" : "'\(field)': \(said)")
        @unknown default:
            return Problem(.invalidJSON, "the body does not fit this operation")
        }
    }

    private static func isJSON(_ data: Data) -> Bool {
        (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil
    }

    /// A coding path as a field name: `amount`, `items[2].id`.
    static func fieldName(_ path: [any CodingKey]) -> String {
        path.reduce(into: "") { name, key in
            if let index = key.intValue { name += "[\(index)]" } else { name += name.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        }
    }

    /// What a JSON value must be to decode as `type`, in words.
    static func expectation(of type: Any.Type) -> String {
        switch type {
        case let wire as any WireValue.Type: wire.expectation
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type: "a whole number"
        case is Double.Type, is Float.Type: "a number"
        default: "a value of type \(type)"
        }
    }
}
