import Foundation
import Logging
import Testing
@testable import SagaLog

/// Seeded mutation fuzzing of everything that reads bytes from disk: record frames, the sparse
/// offset index and the committed-offset journal. Valid encodings are damaged (flipped bytes,
/// truncation, garbage, spliced runs) and fed to the readers, which must answer with a typed
/// outcome — never crash, never accept damage as data. The seeds are fixed, so a failure
/// replays; each test prints how many inputs it tried.
@Suite struct MutationFuzzTests {
    /// Damages `bytes` in one of several ways, chosen by `random`.
    static func mutate(_ bytes: [UInt8], _ random: inout SeededGenerator) -> [UInt8] {
        var damaged = bytes
        guard !damaged.isEmpty else { return [UInt8.random(in: 0...255, using: &random)] }
        switch Int.random(in: 0..<5, using: &random) {
        case 0:  // flip one byte
            damaged[Int.random(in: 0..<damaged.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
        case 1:  // flip a few bytes
            for _ in 0..<Int.random(in: 2...6, using: &random) {
                damaged[Int.random(in: 0..<damaged.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
            }
        case 2:  // truncate
            damaged.removeLast(Int.random(in: 1...damaged.count, using: &random))
        case 3:  // overwrite a run with garbage
            let start = Int.random(in: 0..<damaged.count, using: &random)
            for i in start..<min(damaged.count, start + Int.random(in: 1...16, using: &random)) {
                damaged[i] = UInt8.random(in: 0...255, using: &random)
            }
        default:  // splice in random bytes
            let at = Int.random(in: 0...damaged.count, using: &random)
            damaged.insert(contentsOf: (0..<Int.random(in: 1...12, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }, at: at)
        }
        return damaged
    }

    static func randomRecord(_ random: inout SeededGenerator) -> ProducerRecord {
        let key = (0..<Int.random(in: 0...12, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        let value = (0..<Int.random(in: 0...200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        let headers = (0..<Int.random(in: 0...2, using: &random)).map { n in
            RecordHeader(name: "h\(n)", value: (0..<Int.random(in: 0...8, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
        }
        return ProducerRecord(key: key, value: value, headers: headers)
    }

    @Test func damagedFramesAreRejectedNeverDecodedAsRecords() throws {
        var random = SeededGenerator(state: 0xF4A3E)
        var inputs = 0, accepted = 0
        for _ in 0..<20_000 {
            let record = Self.randomRecord(&random)
            var frame: [UInt8] = []
            RecordFrame.encode(record, timestampMillis: 1_700_000_000_000, into: &frame)
            frame.withUnsafeMutableBytes { RecordFrame.seal($0, frameAt: 0, offset: 42) }
            for _ in 0..<5 {
                let damaged = Self.mutate(frame, &random)
                inputs += 1
                let outcome = damaged.withUnsafeBytes { raw -> (accepted: Bool, decoded: LogRecord?) in
                    guard case .frame(let offset, _, let length) = RecordFrame.scan(raw, at: 0, maxFrameLength: 1 << 20) else {
                        return (false, nil)
                    }
                    #expect(offset == 42 && length <= raw.count)
                    return (true, try? RecordFrame.decode(raw, at: 0, length: length, topic: "t", partition: 0))
                }
                guard outcome.accepted else { continue }
                // Accepted only when the frame itself is intact (damage after it, or none).
                accepted += 1
                #expect(outcome.decoded?.value == record.value && outcome.decoded?.key == record.key,
                        "a damaged frame was read as a record: \(damaged.prefix(64))")
            }
        }
        print("frame fuzz: \(inputs) damaged frames, \(accepted) accepted as intact (damage past the frame's end)")
        #expect(inputs >= 100_000)
    }

    @Test func damagedIndexesAreRefusedOrStillOrdered() {
        var random = SeededGenerator(state: 0x1DE7)
        var inputs = 0, refused = 0
        for _ in 0..<20_000 {
            var index = OffsetIndex(baseOffset: 1000)
            var offset: UInt32 = 0, position: UInt32 = 0
            for _ in 0..<Int.random(in: 0...20, using: &random) {
                offset += UInt32.random(in: 1...50, using: &random)
                position += UInt32.random(in: 40...4096, using: &random)
                index.append(offset: 1000 + Int64(offset), position: Int64(position))
            }
            let logSize = Int64(position) + 100
            for _ in 0..<5 {
                inputs += 1
                guard let decoded = OffsetIndex.decode(Self.mutate(index.encoded(), &random), baseOffset: 1000, logSize: logSize) else {
                    refused += 1
                    continue
                }
                // Whatever is accepted can still be used to seek: ordered, inside the data file.
                let entries = decoded.entries
                #expect(zip(entries, entries.dropFirst()).allSatisfy { $0.relativeOffset < $1.relativeOffset && $0.position < $1.position })
                #expect(entries.allSatisfy { Int64($0.position) < logSize })
            }
        }
        print("index fuzz: \(inputs) damaged indexes, \(refused) refused (the rest rebuilt nothing wrong)")
        #expect(inputs >= 100_000)
    }

    @Test func aDamagedOffsetJournalRecoversAPrefixOfWhatWasCommitted() throws {
        var random = SeededGenerator(state: 0x0FF5E7)
        let dir = TemporaryDirectory()
        let path = dir.path + "/g.offsets"
        var inputs = 0
        for round in 0..<300 {
            // Commit a few rounds, remembering the state after each entry written.
            try? FileManager.default.removeItem(atPath: path)
            let store = try OffsetStore(group: "g", path: path, logger: quietLogger)
            var states: [[TopicPartition: Int64]] = [[:]]
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                let key = TopicPartition(topic: "t\(Int.random(in: 0...2, using: &random))", partition: Int.random(in: 0...3, using: &random))
                let offset = Int64.random(in: 0...1_000_000, using: &random)
                try store.commit([key: offset])
                var next = states.last!
                next[key] = offset
                states.append(next)
            }
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            for _ in 0..<4 {
                inputs += 1
                try Data(Self.mutate([UInt8](original), &random)).write(to: URL(fileURLWithPath: path))
                let reopened = try OffsetStore(group: "g", path: path, logger: quietLogger)
                // Entries are checked one by one: what comes back is the state after some
                // prefix of the commits, never a value that was not committed.
                #expect(states.contains(reopened.offsets), "round \(round): recovered \(reopened.offsets)")
            }
        }
        print("offset journal fuzz: \(inputs) damaged journals")
        #expect(inputs >= 1_000)
    }
}
