import Configuration
import Foundation
import Yams

/// Builds a `DaemonConfiguration` from the layers an operator controls: the documented
/// defaults, the YAML file (`--config`), `SAGAD_<KEY>` environment variables and flags, later
/// layers winning (swift-configuration's `ConfigReader` resolves the precedence). Unknown keys
/// and unusable values are `ConfigurationError`s naming the key and where it came from.
public enum ConfigurationLoader {
    /// Environment variables with the `SAGAD_` prefix that belong to other tools (sagactl).
    static let foreignVariables: Set<String> = ["SAGAD_SOCKET", "SAGAD_CONFIG"]

    public static func load(
        file: String?, environment: [String: String], flags: [String: String]
    ) throws(ConfigurationError) -> DaemonConfiguration {
        let fileValues = try file.map { path throws(ConfigurationError) in try readYAML(path) } ?? [:]
        var environmentValues: [String: String] = [:]
        for (name, value) in environment where name.hasPrefix("SAGAD_") && !foreignVariables.contains(name) {
            guard let key = DaemonConfiguration.keys.first(where: { DaemonConfiguration.environmentName(of: $0) == name }) else {
                throw ConfigurationError(key: name, reason: "unknown environment variable; sagad reads SAGAD_<KEY> for the keys of config/sagad.yaml", source: "environment")
            }
            environmentValues[key] = value
        }
        for key in flags.keys where !DaemonConfiguration.keys.contains(key) {
            throw ConfigurationError(key: key, reason: "unknown key", source: "command line")
        }

        func provider(_ name: String, _ values: [String: String]) -> InMemoryProvider {
            InMemoryProvider(name: name, values: Dictionary(uniqueKeysWithValues: values.map {
                (AbsoluteConfigKey(ConfigKey($0.key)), ConfigValue(.string($0.value), isSecret: false))
            }))
        }
        let reader = ConfigReader(providers: [
            provider("flags", flags), provider("environment", environmentValues), provider("file", fileValues),
        ])
        var configuration = DaemonConfiguration()
        for key in DaemonConfiguration.keys {
            guard let text = reader.string(forKey: ConfigKey(key)) else { continue }
            do {
                try configuration.set(key, to: text)
            } catch {
                var located = error
                located.source = flags[key] != nil ? "command line"
                    : environmentValues[key] != nil ? DaemonConfiguration.environmentName(of: key)
                    : file
                throw located
            }
        }
        try configuration.validateTogether()
        return configuration
    }

    /// The file's scalar values by dotted key; nested mappings become `parent.child`.
    static func readYAML(_ path: String) throws(ConfigurationError) -> [String: String] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(key: "--config", reason: "cannot read \(path): \(error.localizedDescription)")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(key: "--config", reason: "\(path) is not valid YAML: \(error)")
        }
        guard let node else { return [:] }
        guard case .mapping(let mapping) = node else {
            throw ConfigurationError(key: "--config", reason: "\(path) must be a mapping of keys to values")
        }
        var values: [String: String] = [:]
        try flatten(mapping, prefix: "", into: &values, file: path)
        return values
    }

    private static func flatten(
        _ mapping: Node.Mapping, prefix: String, into values: inout [String: String], file: String
    ) throws(ConfigurationError) {
        for (keyNode, valueNode) in mapping {
            let key = prefix + (keyNode.string ?? "")
            switch valueNode {
            case .mapping(let nested):
                if DaemonConfiguration.keys.contains(key) {
                    throw ConfigurationError(key: key, reason: "must be a single value, not a mapping", source: file)
                }
                try flatten(nested, prefix: key + ".", into: &values, file: file)
            case .scalar(let scalar):
                guard DaemonConfiguration.keys.contains(key) else {
                    throw ConfigurationError(key: key, reason: "unknown key; known keys: \(DaemonConfiguration.keys.joined(separator: ", "))", source: file)
                }
                // An empty value (`key:`, `~`, `null`) leaves the default in place.
                if !["~", "null", "Null", "NULL", ""].contains(scalar.string) { values[key] = scalar.string }
            case .sequence, .alias:
                throw ConfigurationError(key: key, reason: "must be a single value, not a list", source: file)
            }
        }
    }
}
