import Configuration
import Foundation
import Yams

/// sagad's YAML file as a swift-configuration snapshot: `YAMLSnapshot` reads the values; this
/// wrapper adds what sagad promises on top of it and `YAMLSnapshot` cannot tell (it does not
/// list its keys): a key that `DaemonConfiguration.catalogue` does not declare, or a list or
/// mapping where a single value belongs, refuses the whole file, and an empty value (`key:`,
/// `~`, `null`) leaves the key unset, as if it were not written. An empty file is allowed.
struct SagadYAMLSnapshot: FileConfigSnapshot {
    typealias ParsingOptions = YAMLSnapshot.ParsingOptions

    /// Why the file cannot be used; the loader names the file.
    enum Problem: Error {
        case notYAML(String)
        case notAMapping
        case misplaced(key: String, reason: String)
    }

    let providerName: String
    private let values: YAMLSnapshot?
    private let emptyKeys: Set<String>

    /// Parses and checks the file's bytes.
    /// - Throws: `Problem` when the file is not YAML, not a mapping, or holds an undeclared key
    ///   or a non-scalar value; `YAMLSnapshot`'s errors otherwise.
    init(data: RawSpan, providerName: String, parsingOptions: ParsingOptions) throws {
        let bytes = data.withUnsafeBytes { Data($0) }
        let root: Node?
        do {
            root = try Yams.compose(yaml: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw Problem.notYAML("\(error)")
        }
        self.providerName = providerName
        guard let root else {
            (values, emptyKeys) = (nil, [])
            return
        }
        guard case .mapping(let mapping) = root else { throw Problem.notAMapping }
        var empty: Set<String> = []
        try Self.check(mapping, prefix: "", empty: &empty)
        emptyKeys = empty
        values = try YAMLSnapshot(data: data, providerName: providerName, parsingOptions: parsingOptions)
    }

    /// Refuses keys the catalogue does not declare and non-scalar values; collects empty ones.
    private static func check(_ mapping: Node.Mapping, prefix: String, empty: inout Set<String>) throws(Problem) {
        for (keyNode, valueNode) in mapping {
            let key = prefix + (keyNode.string ?? "")
            switch valueNode {
            case .mapping(let nested):
                if DaemonConfiguration.key(named: key) != nil {
                    throw .misplaced(key: key, reason: "must be a single value, not a mapping")
                }
                try check(nested, prefix: key + ".", empty: &empty)
            case .scalar(let scalar):
                guard DaemonConfiguration.key(named: key) != nil else {
                    let known = DaemonConfiguration.catalogue.map(\.name).joined(separator: ", ")
                    throw .misplaced(key: key, reason: "unknown key; known keys: \(known)")
                }
                if ["~", "null", "Null", "NULL", ""].contains(scalar.string) { empty.insert(key) }
            case .sequence, .alias:
                throw .misplaced(key: key, reason: "must be a single value, not a list")
            }
        }
    }

    func value(forKey key: AbsoluteConfigKey, type: ConfigType) throws -> LookupResult {
        let name = key.components.joined(separator: ".")
        guard let values, !emptyKeys.contains(name) else { return LookupResult(encodedKey: name, value: nil) }
        return try values.value(forKey: key, type: type)
    }

    var description: String { values?.description ?? "\(providerName)[empty]" }
    var debugDescription: String { values?.debugDescription ?? description }
}
