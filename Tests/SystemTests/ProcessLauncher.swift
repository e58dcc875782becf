import Foundation

/// Starts child processes one at a time: Foundation's `Process.run()` on Linux has crashed
/// (inside its spawn preparation) when several tests launched processes at once.
enum ProcessLauncher {
    private static let lock = NSLock()

    static func run(_ process: Process) throws {
        try lock.withLock { try process.run() }
    }
}
