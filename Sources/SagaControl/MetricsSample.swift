import Foundation

/// One scrape of sagad's `/metrics` (Prometheus text format 0.0.4): every series' value, by
/// name and labels, and when it was taken. `sagactl top` turns two of them into rates.
struct MetricsSample: Sendable, Equatable {
    /// One line of the exposition: a name, its labels and its value.
    struct Series: Sendable, Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    var series: [Series]
    /// Seconds on a monotonic clock when the scrape was taken (only differences matter).
    var takenAt: Double

    init(series: [Series], takenAt: Double) {
        self.series = series
        self.takenAt = takenAt
    }

    /// Parses exposition text; comments, blank lines and lines that do not parse are skipped.
    init(text: String, takenAt: Double) {
        self.init(series: text.split(separator: "\n").compactMap(Self.parse), takenAt: takenAt)
    }

    /// The sum of every series named `name` whose labels include `matching`.
    func sum(_ name: String, _ matching: [String: String] = [:]) -> Double {
        series.reduce(0) { total, series in
            series.name == name && matching.allSatisfy({ series.labels[$0.key] == $0.value }) ? total + series.value : total
        }
    }

    /// Whether any series is named `name`.
    func has(_ name: String) -> Bool { series.contains { $0.name == name } }

    /// `sum(name, matching)` per value of `label`, for the series that have it.
    func sum(_ name: String, by label: String, _ matching: [String: String] = [:]) -> [String: Double] {
        var sums: [String: Double] = [:]
        for series in series where series.name == name && matching.allSatisfy({ series.labels[$0.key] == $0.value }) {
            if let key = series.labels[label] { sums[key, default: 0] += series.value }
        }
        return sums
    }

    private static func parse(_ line: Substring) -> Series? {
        let line = line.trimmingCharacters(in: .whitespaces)
        guard !line.isEmpty, !line.hasPrefix("#") else { return nil }
        var labels: [String: String] = [:]
        let name: String
        var rest: Substring
        if let brace = line.firstIndex(of: "{") {
            name = String(line[..<brace])
            guard let (parsed, end) = parseLabels(line[line.index(after: brace)...]) else { return nil }
            labels = parsed
            rest = end
        } else {
            guard let space = line.firstIndex(of: " ") else { return nil }
            name = String(line[..<space])
            rest = line[space...]
        }
        guard let valueText = rest.split(separator: " ").first, let value = number(valueText) else { return nil }
        return Series(name: name, labels: labels, value: value)
    }

    /// The labels up to the closing brace, and what follows it.
    private static func parseLabels(_ text: Substring) -> ([String: String], Substring)? {
        var labels: [String: String] = [:]
        var index = text.startIndex
        while index < text.endIndex {
            while index < text.endIndex, text[index] == "," || text[index] == " " { index = text.index(after: index) }
            guard index < text.endIndex else { return nil }
            if text[index] == "}" { return (labels, text[text.index(after: index)...]) }
            guard let equals = text[index...].firstIndex(of: "=") else { return nil }
            let key = String(text[index..<equals])
            index = text.index(after: equals)
            guard index < text.endIndex, text[index] == "\"" else { return nil }
            index = text.index(after: index)
            var value = ""
            while index < text.endIndex, text[index] != "\"" {
                if text[index] == "\\", text.index(after: index) < text.endIndex {
                    index = text.index(after: index)
                    value.append(text[index] == "n" ? "\n" : text[index])
                } else {
                    value.append(text[index])
                }
                index = text.index(after: index)
            }
            guard index < text.endIndex else { return nil }
            index = text.index(after: index)
            labels[key] = value
        }
        return nil
    }

    private static func number(_ text: Substring) -> Double? {
        switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        default: Double(text)
        }
    }
}
