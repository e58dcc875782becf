import Foundation

/// The `--json` output: the daemon's body re-indented for reading, keys sorted, or the body
/// unchanged when it is not JSON.
enum JSONOutput {
    /// `body` pretty-printed.
    static func prettyPrinted(_ body: Data) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else {
            return String(decoding: body, as: UTF8.self)
        }
        return serialize(object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            ?? String(decoding: body, as: UTF8.self)
    }

    /// `value` encoded as pretty-printed JSON with sorted keys.
    static func prettyPrinted<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// `value` on one line, for streams of JSON objects (`tail`, `order watch`).
    static func singleLine<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Several JSON bodies' arrays under `key` joined into one object `{key: [...]}`.
    static func mergedArrays(_ bodies: [Data], key: String) -> String {
        var merged: [Any] = []
        for body in bodies {
            let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
            merged += (object?[key] as? [Any]) ?? []
        }
        return serialize([key: merged], options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) ?? "{}"
    }

    private static func serialize(_ object: Any, options: JSONSerialization.WritingOptions) -> String? {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: options.union(.fragmentsAllowed)) else {
            return nil
        }
        return String(decoding: data, as: UTF8.self)
    }
}
