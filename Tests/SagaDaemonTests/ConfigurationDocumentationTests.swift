import Foundation
@testable import SagaDaemon
import Testing

/// `config/sagad.yaml` and the README's configuration table against the one declaration of
/// the keys, `DaemonConfiguration.catalogue`: same keys in the same order, each key's comment
/// is its documentation (with `[reload]` for reloadable keys), the file's values are the
/// defaults, and the table is what the catalogue renders.
@Suite struct ConfigurationDocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let yamlPath = root + "/config/sagad.yaml"

    /// The file's keys, dotted, each with the comment lines right above it (`# ` removed).
    static func documentedKeys(in yaml: String) -> [(name: String, comment: [String])] {
        var keys: [(String, [String])] = []
        var scope: String?
        var comment: [String] = []
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " }
            if trimmed.isEmpty { comment = []; continue }
            if trimmed.hasPrefix("#") {
                let text = trimmed.dropFirst()
                comment.append(String(text.hasPrefix(" ") ? text.dropFirst() : text))
                continue
            }
            guard let colon = trimmed.firstIndex(of: ":") else { continue }
            let key = String(trimmed[..<colon])
            let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            let indented = trimmed.count != line.count
            if !indented && value.isEmpty {
                scope = key
            } else {
                keys.append((indented ? "\(scope ?? "").\(key)" : key, comment))
            }
            comment = []
        }
        return keys
    }

    /// The README's table of keys, rendered from the catalogue.
    static func referenceTable() -> String {
        let defaults = DaemonConfiguration()
        var lines = ["| key | default | environment | on SIGHUP | meaning |", "|---|---|---|---|---|"]
        for key in DaemonConfiguration.catalogue {
            let value = key.describe(defaults)
            let meaning = key.documentation.split(separator: " ", omittingEmptySubsequences: true)
                .joined(separator: " ").split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .joined(separator: " ").replacingOccurrences(of: "<", with: "&lt;")
            lines.append("| `\(key.name)` | \(value.isEmpty ? "(empty)" : "`\(value)`") | `\(key.environmentName)` | "
                + "\(key.reloadable ? "applied" : "needs a restart") | \(meaning) |")
        }
        return lines.joined(separator: "\n")
    }

    @Test func theYAMLFileDocumentsEveryDeclaredKeyInOrder() throws {
        let yaml = try String(contentsOfFile: Self.yamlPath, encoding: .utf8)
        let documented = Self.documentedKeys(in: yaml)
        #expect(documented.map(\.name) == DaemonConfiguration.catalogue.map(\.name))
        for (name, comment) in documented {
            guard let key = DaemonConfiguration.key(named: name) else { continue }
            var expected = key.documentation.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if key.reloadable { expected[0] = "[reload] " + expected[0] }
            #expect(comment == expected, "the comment above \(name) in config/sagad.yaml")
        }
    }

    @Test func theYAMLFileHoldsTheDefaults() async throws {
        let fromFile = try await ConfigurationLoader.load(file: Self.yamlPath, environment: [:], flags: [:])
        for key in DaemonConfiguration.catalogue {
            #expect(key.describe(fromFile) == key.describe(DaemonConfiguration()), "\(key.name)")
        }
        #expect(fromFile == DaemonConfiguration())
    }

    @Test func theREADMETableIsTheCatalogue() throws {
        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        let table = Self.referenceTable()
        #expect(readme.contains(table + "\n"), "README.md's configuration table should read:\n\(table)")
    }

    @Test func everyKeyHasADistinctEnvironmentVariable() {
        let names = DaemonConfiguration.catalogue.map(\.environmentName)
        #expect(Set(names).count == names.count)
        #expect(DaemonConfiguration.catalogue.allSatisfy { !$0.documentation.isEmpty })
    }
}
