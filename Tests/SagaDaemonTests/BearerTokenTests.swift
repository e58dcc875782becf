import Foundation
@testable import SagaDaemon
import Testing

/// `http.token_file`: which files give a token (and which stop sagad naming the key), and
/// which `Authorization` values that token admits.
@Suite struct BearerTokenTests {
    static let secret = "s3cret-token-0123456789"

    /// A token file with `text` and `mode`, removed when the test ends.
    final class TokenFile {
        let path = NSTemporaryDirectory() + "sagad-token-\(UUID().uuidString.prefix(6))"
        init(_ text: String, mode: Int = 0o600) throws {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    func refusal(_ file: TokenFile) async -> ConfigurationError? {
        await refusal(path: file.path)
    }

    func refusal(path: String) async -> ConfigurationError? {
        do {
            _ = try await ConfigurationLoader.load(
                file: nil, environment: ["SAGAD_HTTP_TOKEN_FILE": path, "SAGAD_HTTP_LISTEN": "127.0.0.1:8080"], flags: [:])
            return nil
        } catch {
            return error
        }
    }

    @Test func aPrivateFileWithOneLineGivesTheToken() async throws {
        let file = try TokenFile(Self.secret + "\n", mode: 0o640)
        let configuration = try await ConfigurationLoader.load(
            file: nil, environment: ["SAGAD_HTTP_TOKEN_FILE": file.path], flags: [:])
        let token = try #require(configuration.control.httpToken)
        #expect(token.file == file.path)
        #expect(DaemonConfiguration.key(named: "http.token_file")?.describe(configuration) == file.path)
        #expect(!"\(configuration)".contains(Self.secret), "the secret must never be printed")
        #expect(try await ConfigurationLoader.load(file: nil, environment: [:], flags: [:]).control.httpToken == nil)
    }

    @Test func unusableFilesStopSagadNamingTheKey() async throws {
        let missing = await refusal(path: NSTemporaryDirectory() + "no-such-token-file")
        #expect(missing?.key == "http.token_file" && missing?.reason.contains("cannot read") == true, "\(String(describing: missing))")
        #expect(missing?.source == "SAGAD_HTTP_TOKEN_FILE")
        let empty = await refusal(try TokenFile("\n"))
        #expect(empty?.key == "http.token_file" && empty?.reason.contains("is empty") == true, "\(String(describing: empty))")
        let everyone = await refusal(try TokenFile(Self.secret, mode: 0o644))
        #expect(everyone?.reason.contains("readable by every user") == true, "\(String(describing: everyone))")
        let short = await refusal(try TokenFile("short"))
        #expect(short?.reason.contains("at least 16") == true, "\(String(describing: short))")
        let spaced = await refusal(try TokenFile("two words in one token"))
        #expect(spaced?.reason.contains("visible ASCII") == true, "\(String(describing: spaced))")
        let directory = await refusal(path: NSTemporaryDirectory())
        #expect(directory?.reason.contains("not a regular file") == true, "\(String(describing: directory))")
        if getuid() != 0 {
            let unreadable = await refusal(try TokenFile(Self.secret, mode: 0o000))
            #expect(unreadable?.reason.contains("cannot read") == true, "\(String(describing: unreadable))")
        }
    }

    @Test func onlyTheBearerSchemeWithTheExactTokenIsAdmitted() throws {
        let file = try TokenFile(Self.secret)
        let token = try BearerToken.read(file.path)
        #expect(token.admits("Bearer \(Self.secret)"))
        #expect(token.admits("bearer \(Self.secret)"))
        #expect(token.admits("BEARER \(Self.secret)"))
        #expect(!token.admits(nil))
        #expect(!token.admits(""))
        #expect(!token.admits(Self.secret))
        #expect(!token.admits("Basic \(Self.secret)"))
        #expect(!token.admits("Bearer \(Self.secret)x"))
        #expect(!token.admits("Bearer \(Self.secret.dropLast())"))
        #expect(!token.admits("Bearer \(Self.secret.uppercased())"))
        #expect(!token.admits("Bearer  \(Self.secret)"))
    }
}
