import Foundation
import MessageLog
import Synchronization

/// `<log>/lost-records.json`: the losses found at open (see ``LostRecords``), kept across
/// restarts until an operator acknowledges them, so that a restart does not hide a loss whose
/// evidence (a committed offset past the end) it has already repaired. Written whole, synced,
/// renamed over the old file.
final class LostRecordsJournal: Sendable {
    private let path: String
    private let entries: Mutex<[LostRecords]>

    /// The stored losses plus `found` (this open's), written back when there are new ones.
    init(logDirectory: String, adding found: [LostRecords]) throws {
        path = logDirectory + "/lost-records.json"
        var stored: [LostRecords] = []
        if FileManager.default.fileExists(atPath: path) {
            stored = try JSONDecoder().decode([LostRecords].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        }
        entries = Mutex(stored + found)
        if !found.isEmpty { try write(stored + found) }
    }

    var all: [LostRecords] { entries.withLock { $0 } }

    func acknowledge() throws {
        entries.withLock { $0 = [] }
        try write([])
    }

    private func write(_ list: [LostRecords]) throws {
        let temporary = path + ".tmp"
        let file = try SystemFile.open(temporary, create: true)
        let bytes = [UInt8](try JSONEncoder().encode(list))
        try file.truncate(to: 0)
        try bytes.withUnsafeBytes { try file.write($0, at: 0) }
        try file.sync()
        guard rename(temporary, path) == 0 else {
            throw SagaLogError.io(operation: "rename", path: path, errno: errno)
        }
        try FileSystem.syncDirectory((path as NSString).deletingLastPathComponent)
    }
}
