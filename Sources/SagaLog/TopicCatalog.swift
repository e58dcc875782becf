/// The list of topics and their partition counts, in `<log>/topics` as `name partitions`
/// lines, replaced atomically. Directories not named there are left alone.
enum TopicCatalog {
    static let fileName = "topics"

    static func load(directory: String) throws -> [(String, Int)] {
        let path = directory + "/" + fileName
        guard FileSystem.exists(path) else { return [] }
        let text = String(decoding: try FileSystem.readAll(path), as: UTF8.self)
        var topics: [(String, Int)] = []
        for (number, line) in text.split(separator: "\n").enumerated() {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let count = Int(fields[1]), Topic.isValidName(String(fields[0])) else {
                throw SagaLogError.corruptSegment(path: path, position: Int64(number + 1), reason: "bad topic line '\(line)'")
            }
            topics.append((String(fields[0]), count))
        }
        return topics
    }

    static func save(_ topics: [String: Int], directory: String) throws {
        let text = topics.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)\n" }.joined()
        try FileSystem.writeAtomically(Array(text.utf8), to: directory + "/" + fileName)
    }
}
