import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A JSON object from a request body, read strictly: only the allowed fields, each with the
/// type the API documents, so that a mistake gets a 4xx problem that names the field.
struct RequestBody {
    private let fields: [String: JSONValue]

    /// One JSON value, decoded without guessing: booleans, whole numbers, other numbers,
    /// strings, null, and anything nested (kept only to be refused).
    enum JSONValue: Decodable {
        case bool(Bool), integer(Int64), number(Double), string(String), null, nested

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let value = try? container.decode(Bool.self) { self = .bool(value) }
            else if let value = try? container.decode(Int64.self) { self = .integer(value) }
            else if let value = try? container.decode(Double.self) { self = .number(value) }
            else if let value = try? container.decode(String.self) { self = .string(value) }
            else { self = .nested }
        }
    }

    /// Reads the body (at most `ControlRouter.maxBodyBytes`); an empty body is `{}` when
    /// `optional`. Fields not in `allowed` are refused.
    static func read(_ request: Request, allowed: Set<String>, optional: Bool = false) async throws -> RequestBody {
        let buffer = try await request.body.collect(upTo: ControlRouter.maxBodyBytes)
        if buffer.readableBytes == 0 {
            guard optional else { throw Problem(.invalidJSON, "a JSON object body is required") }
            return RequestBody(fields: [:])
        }
        if let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/json") {
            throw Problem(.unsupportedMediaType, "Content-Type is '\(type)'; send application/json")
        }
        let data = Data(buffer: buffer)
        guard (try? JSONSerialization.jsonObject(with: data, options: [])) != nil else {
            throw Problem(.invalidJSON, "the body is not valid JSON")
        }
        guard let fields = try? JSONDecoder().decode([String: JSONValue].self, from: data) else {
            throw Problem(.invalidJSON, "the body must be a JSON object")
        }
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw Problem(.validation, "unknown field '\(unknown)'; allowed: \(allowed.sorted().joined(separator: ", "))")
        }
        return RequestBody(fields: fields)
    }

    /// A string field; `nil` when absent or null.
    func string(_ name: String) throws -> String? {
        guard let value = fields[name] else { return nil }
        if case .null = value { return nil }
        guard case .string(let text) = value else {
            throw Problem(.validation, "'\(name)' must be a string\(name.contains("amount") || name == "balance" ? " such as \"12.34\"" : "")")
        }
        return text
    }

    func requiredString(_ name: String) throws -> String {
        guard let text = try string(name) else { throw Problem(.validation, "'\(name)' is required") }
        return text
    }

    /// A whole-number field; `nil` when absent or null.
    func integer(_ name: String) throws -> Int64? {
        switch fields[name] {
        case nil, .null?: return nil
        case .integer(let value)?: return value
        default: throw Problem(.validation, "'\(name)' must be a whole number")
        }
    }
}

extension Data {
    init(buffer: ByteBuffer) {
        var copy = buffer
        self = Data(copy.readBytes(length: copy.readableBytes) ?? [])
    }
}

