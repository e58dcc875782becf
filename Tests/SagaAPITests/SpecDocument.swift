import Foundation
import SagaAPI
import Yams

/// openapi.yaml as the tests read it: the embedded bytes parsed with Yams, with the lookups
/// the conformance tests need.
struct SpecDocument {
    typealias Object = [String: Any]

    let root: Object

    /// The spec the daemon serves (SagaAPI's embedded copy of openapi.yaml).
    static func embedded() throws -> SpecDocument {
        try SpecDocument(yaml: String(decoding: APIDocument.yaml, as: UTF8.self))
    }

    init(yaml: String) throws {
        guard let root = try Yams.load(yaml: yaml) as? Object else { throw SpecError("the document is not a mapping") }
        self.root = root
    }

    /// Every operation: method (upper case), path template and operationId.
    func operations() throws -> [Operation] {
        guard let paths = root["paths"] as? Object else { throw SpecError("no paths") }
        var operations: [Operation] = []
        for (path, item) in paths {
            guard let item = item as? Object else { throw SpecError("path \(path) is not a mapping") }
            for method in ["get", "put", "post", "delete", "patch", "head", "options"] {
                guard let operation = item[method] as? Object else { continue }
                guard let id = operation["operationId"] as? String else { throw SpecError("\(method) \(path) has no operationId") }
                operations.append(Operation(method: method.uppercased(), path: path, operationID: id))
            }
        }
        return operations
    }

    struct Operation: Hashable, CustomStringConvertible {
        var method: String
        var path: String
        var operationID: String
        var description: String { "\(method) \(path) (\(operationID))" }
    }

    /// `components/schemas`.
    var schemas: [String: Object] {
        ((root["components"] as? Object)?["schemas"] as? Object ?? [:]).compactMapValues { $0 as? Object }
    }

    /// The schema a `$ref` points to, or the schema itself.
    func resolve(_ schema: Object) throws -> Object {
        guard let reference = schema["$ref"] as? String else { return schema }
        let prefix = "#/components/schemas/"
        guard reference.hasPrefix(prefix), let target = schemas[String(reference.dropFirst(prefix.count))] else {
            throw SpecError("unresolvable $ref \(reference)")
        }
        return try resolve(target)
    }

    /// A JSON value that fits `schema`, with every optional property present.
    func sample(of schema: Object) throws -> Any {
        let schema = try resolve(schema)
        if let choices = schema["enum"] as? [Any], let first = choices.first { return first }
        // `allOf` narrows its first member (PositiveAmount: an Amount, not zero); `anyOf`/`oneOf`
        // take the first member that is not null (an optional field that may be null).
        if let members = (schema["allOf"] ?? schema["anyOf"] ?? schema["oneOf"]) as? [Object],
           let first = members.first(where: { $0["type"] as? String != "null" }) {
            return try sample(of: first)
        }
        switch Self.type(of: schema) {
        case "object":
            if let properties = schema["properties"] as? Object {
                return try properties.mapValues { property -> Any in
                    guard let property = property as? Object else { throw SpecError("a property is not a mapping") }
                    return try sample(of: property)
                }
            }
            if let values = schema["additionalProperties"] as? Object { return ["key": try sample(of: values)] }
            return Object()
        case "array":
            guard let items = schema["items"] as? Object else { throw SpecError("an array without items") }
            return [try sample(of: items)]
        case "integer": return 7
        case "number": return 1.5
        case "boolean": return true
        case "string": return schema["format"] as? String == "date-time" ? "2026-11-27T06:31:00.123Z" : "12.34"
        case let other: throw SpecError("no sample for type \(other)")
        }
    }

    /// The schema's type; of `[string, 'null']` the first that is not null.
    static func type(of schema: Object) -> String {
        if let type = schema["type"] as? String { return type }
        if let types = schema["type"] as? [String], let type = types.first(where: { $0 != "null" }) { return type }
        return schema["properties"] != nil ? "object" : "unknown"
    }
}

struct SpecError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
