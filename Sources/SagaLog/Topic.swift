/// A named set of partitions on disk: `<log>/<name>-<partition>/`.
final class Topic: Sendable {
    let name: String
    let partitions: [Partition]

    init(name: String, partitions: [Partition]) {
        self.name = name
        self.partitions = partitions
    }

    func partition(_ id: Int) throws -> Partition {
        guard partitions.indices.contains(id) else { throw SagaLogError.unknownPartition(topic: name, partition: id) }
        return partitions[id]
    }

    func partition(forKey key: [UInt8]) -> Partition {
        partitions[KeyPartitioner.partition(for: key, partitions: partitions.count)]
    }

    /// Letters, digits, `.`, `_` and `-`, up to 200 characters; the partition suffix is split
    /// off at the last `-`, so names may contain dashes.
    static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 200, name != ".", name != ".." else { return false }
        return name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
    }
}
