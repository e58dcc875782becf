import Foundation

/// Chooses the control socket: `--socket`, then `SAGAD_SOCKET`, then the systemd socket when
/// it exists, else the one `make run` uses; relative paths are made absolute.
struct SocketPathResolver: Sendable {
    /// The socket sagad listens on when systemd runs it.
    static let systemSocketPath = "/run/sagad/sagad.sock"
    /// The socket `make run` uses, relative to the package directory.
    static let developmentSocketPath = "var/run/sagad.sock"
    /// The environment variable that names the socket when `--socket` is not given.
    static let environmentVariable = "SAGAD_SOCKET"

    var environment: [String: String]
    var fileExists: @Sendable (String) -> Bool
    var currentDirectory: String

    /// A resolver reading the real process environment, file system and working directory.
    static func forCurrentProcess() -> SocketPathResolver {
        SocketPathResolver(
            environment: ProcessInfo.processInfo.environment,
            fileExists: { FileManager.default.fileExists(atPath: $0) },
            currentDirectory: FileManager.default.currentDirectoryPath
        )
    }

    /// The absolute socket path to use, given the `--socket` value if any.
    func resolve(flag: String?) -> String {
        if let flag, !flag.isEmpty { return absolute(flag) }
        if let fromEnvironment = environment[Self.environmentVariable], !fromEnvironment.isEmpty {
            return absolute(fromEnvironment)
        }
        if fileExists(Self.systemSocketPath) { return Self.systemSocketPath }
        return absolute(Self.developmentSocketPath)
    }

    private func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let base = URL(fileURLWithPath: currentDirectory, isDirectory: true)
        return URL(fileURLWithPath: path, relativeTo: base).standardizedFileURL.path
    }
}
