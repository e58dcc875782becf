import Foundation
import Synchronization

/// Which consumer groups an operator paused, kept in `<state>/data/paused-groups.json` so a
/// pause outlives a restart (a group paused to repair or reset it must not run again just
/// because sagad restarted). Written whole, to a temporary file synced and renamed over the
/// old one, so a crash leaves the old list or the new one.
final class PausedGroups: Sendable {
    private let path: String?
    private let names: Mutex<Set<String>>

    private init(path: String?, stored: Set<String>) {
        self.path = path
        names = Mutex(stored)
    }

    /// The list stored at `path` (empty when there is none yet).
    static func load(from path: String) throws -> PausedGroups {
        guard FileManager.default.fileExists(atPath: path) else { return PausedGroups(path: path, stored: []) }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return PausedGroups(path: path, stored: Set(try JSONDecoder().decode([String].self, from: data)))
    }

    /// Pauses kept in memory only (tests that run no daemon).
    static func inMemory() -> PausedGroups { PausedGroups(path: nil, stored: []) }

    var all: Set<String> { names.withLock { $0 } }

    /// Records `group` as paused or not, durably, before the caller acts on it.
    func set(_ group: String, paused: Bool) throws {
        let list = names.withLock { names -> [String] in
            if paused { names.insert(group) } else { names.remove(group) }
            return names.sorted()
        }
        guard let path else { return }
        let temporary = path + ".tmp"
        let data = try JSONEncoder().encode(list)
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
        try handle.synchronize()
        try handle.close()
        guard rename(temporary, path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSUnderlyingErrorKey: POSIXError(.init(rawValue: errno) ?? .EIO)])
        }
        let directory = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }
}
