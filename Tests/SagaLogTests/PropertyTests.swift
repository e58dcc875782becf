import Foundation
import Testing
@testable import SagaLog

/// A small deterministic generator (SplitMix64) so a failure replays from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct PropertyTests {
    @Test(arguments: [1, 2, 3, 42])
    func randomBatchesSurviveReopenAndMatchTheModel(seed: UInt64) async throws {
        var random = SeededGenerator(state: seed)
        let dir = TemporaryDirectory()
        let configuration = LogConfiguration.small(segmentBytes: 4096)
        var log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        try log.createTopic("p", partitions: 3)
        var model: [Int: [ProducerRecord]] = [:]
        for round in 0..<40 {
            let count = Int.random(in: 1...30, using: &random)
            let batch = (0..<count).map { _ -> ProducerRecord in
                let key = Array("key-\(Int.random(in: 0..<10, using: &random))".utf8)
                let value = (0..<Int.random(in: 0...900, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                let headers = Bool.random(using: &random) ? [RecordHeader(name: "h", string: "\(round)")] : []
                return ProducerRecord(key: key, value: value, headers: headers, timestampMillis: Int64(round))
            }
            let positions = try await log.appendRecords(batch, to: "p")
            for (record, position) in zip(batch, positions) {
                #expect(position.offset == Int64(model[position.partition, default: []].count))
                model[position.partition, default: []].append(record)
            }
            switch Int.random(in: 0..<10, using: &random) {
            case 0:
                try log.close()
                log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
            case 1:
                log.abandonWithoutClosing()
                log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
            default: break
            }
        }
        try log.close()
        log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        for partition in 0..<3 {
            let stored = try readAll(log, topic: "p", partition: partition)
            let expected = model[partition, default: []]
            #expect(stored.count == expected.count)
            for (read, wrote) in zip(stored, expected) {
                #expect(read.key == wrote.key)
                #expect(read.value == wrote.value)
                #expect(read.headers == wrote.headers)
                #expect(read.timestampMillis == wrote.timestampMillis)
            }
            // Random reads from any offset return the model's suffix.
            for _ in 0..<10 where !expected.isEmpty {
                let from = Int.random(in: 0..<expected.count, using: &random)
                let got = try log.read(topic: "p", partition: partition, from: Int64(from), maxRecords: 3)
                #expect(got.map(\.value) == expected[from..<min(from + 3, expected.count)].map(\.value))
            }
        }
        try log.close()
    }
}
