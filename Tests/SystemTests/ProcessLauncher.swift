import Foundation

/// Starts child processes one at a time: Foundation's `Process.run()` on Linux has crashed
/// (inside its spawn preparation) when several tests launched processes at once.
enum ProcessLauncher {
    private static let lock = NSLock()

    static func run(_ process: Process) throws {
        try lock.withLock { try process.run() }
    }

    /// Runs a spawn of its own (see SpawnedChild) under the same lock.
    static func serialized<T>(_ spawn: () throws -> T) rethrows -> T {
        try lock.withLock(spawn)
    }
}
