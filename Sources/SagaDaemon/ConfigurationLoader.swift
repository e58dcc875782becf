import Configuration
import Foundation
import Synchronization

/// Builds a `DaemonConfiguration` from the layers an operator controls through
/// swift-configuration's providers: flags (an `InMemoryProvider` of the options sagad's command
/// parsed) over `SAGAD_<KEY>` environment variables (`EnvironmentVariablesProvider`, keys
/// prefixed with `sagad`) over the YAML file (`FileProvider` of `SagadYAMLSnapshot`) over the
/// defaults. Each of `DaemonConfiguration.scopes` is read through `reader.scoped(to:)`.
///
/// Two checks are sagad's own, because the providers cannot make them: a `SAGAD_*` variable
/// that names no key is refused (a provider only answers for keys it is asked about), and an
/// error names the layer the bad value came from (found from the `AccessEvent` the reader
/// reports for each key). Unknown keys and unusable values are `ConfigurationError`s.
public enum ConfigurationLoader {
    /// Environment variables with the `SAGAD_` prefix that belong to other tools (sagactl).
    static let foreignVariables: Set<String> = ["SAGAD_SOCKET", "SAGAD_CONFIG"]

    /// Reads every layer afresh (at start and on each SIGHUP) and checks the result.
    /// - Throws: `ConfigurationError` naming the key and the layer it came from.
    public static func load(
        file: String?, environment: [String: String], flags: [String: String]
    ) async throws(ConfigurationError) -> DaemonConfiguration {
        let declared = Set(DaemonConfiguration.catalogue.map(\.environmentName))
        for name in environment.keys.sorted() where name.hasPrefix("SAGAD_") && !foreignVariables.contains(name) {
            guard declared.contains(name) else {
                throw ConfigurationError(key: name, reason: "unknown environment variable; sagad reads SAGAD_<KEY> for the keys of config/sagad.yaml", source: "environment")
            }
        }
        for key in flags.keys.sorted() where DaemonConfiguration.key(named: key) == nil {
            throw ConfigurationError(key: key, reason: "unknown key", source: "command line")
        }

        // Layers, first wins; `sources` names them in the same order for error messages.
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "command line", values: Dictionary(uniqueKeysWithValues: flags.map {
                (AbsoluteConfigKey(ConfigKey($0.key)), ConfigValue(.string($0.value), isSecret: false))
            })),
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: ConfigKey("sagad")),
        ]
        var sources: [@Sendable (LookupResult) -> String] = [{ _ in "command line" }, { $0.encodedKey }]
        if let file {
            providers.append(try await openFile(file))
            sources.append { _ in file }
        }
        let recorder = AccessRecorder()
        let root = ConfigReader(providers: providers, accessReporter: recorder)

        var configuration = DaemonConfiguration()
        for scope in DaemonConfiguration.scopes {
            let reader = scope.name.map { root.scoped(to: ConfigKey($0)) } ?? root
            for key in scope.keys {
                let text = reader.string(forKey: ConfigKey(key.field))
                let results = recorder.results(for: AbsoluteConfigKey(ConfigKey(key.name)))
                for (index, result) in results.enumerated() {
                    if case .failure(let error) = result.result {
                        throw ConfigurationError(key: key.name, reason: "\(error)", source: label(index, result, sources))
                    }
                }
                guard let text else { continue }
                do {
                    try key.assign(&configuration, text)
                } catch {
                    let index = results.firstIndex { (try? $0.result.get().value) != nil }
                    throw ConfigurationError(key: key.name, reason: error.reason, source: index.flatMap { label($0, results[$0], sources) })
                }
            }
        }
        try configuration.validateTogether()
        return configuration
    }

    private static func label(
        _ index: Int, _ result: AccessEvent.ProviderResult, _ sources: [@Sendable (LookupResult) -> String]
    ) -> String? {
        guard sources.indices.contains(index) else { return nil }
        let lookup = (try? result.result.get()) ?? LookupResult(encodedKey: "", value: nil)
        return sources[index](lookup)
    }

    /// The file layer; a file that cannot be read or used is an error naming it.
    private static func openFile(_ path: String) async throws(ConfigurationError) -> FileProvider<SagadYAMLSnapshot> {
        do {
            return try await FileProvider<SagadYAMLSnapshot>(filePath: .init(path))
        } catch let problem as SagadYAMLSnapshot.Problem {
            switch problem {
            case .notYAML(let detail):
                throw ConfigurationError(key: "--config", reason: "\(path) is not valid YAML: \(detail)")
            case .notAMapping:
                throw ConfigurationError(key: "--config", reason: "\(path) must be a mapping of keys to values")
            case .misplaced(let key, let reason):
                throw ConfigurationError(key: key, reason: reason, source: path)
            }
        } catch {
            throw ConfigurationError(key: "--config", reason: "cannot read \(path): \(error)")
        }
    }
}

/// Keeps what each provider answered for each key the reader looked up, so that an unusable
/// value can be traced to its layer.
final class AccessRecorder: AccessReporter {
    private let events = Mutex<[AbsoluteConfigKey: [AccessEvent.ProviderResult]]>([:])

    func report(_ event: AccessEvent) {
        events.withLock { $0[event.metadata.key] = event.providerResults }
    }

    /// The providers' answers, in provider order, for the last lookup of `key`.
    func results(for key: AbsoluteConfigKey) -> [AccessEvent.ProviderResult] {
        events.withLock { $0[key] ?? [] }
    }
}
