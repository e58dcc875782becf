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
        let stored = FileSystem.exists(path)
            ? try JSONDecoder().decode([LostRecords].self, from: Data(try FileSystem.readAll(path))) : []
        entries = Mutex(stored + found)
        if !found.isEmpty { try write(stored + found) }
    }

    var all: [LostRecords] { entries.withLock { $0 } }

    func acknowledge() throws {
        entries.withLock { $0 = [] }
        try write([])
    }

    private func write(_ list: [LostRecords]) throws {
        try FileSystem.writeAtomically([UInt8](try JSONEncoder().encode(list)), to: path)
    }
}
