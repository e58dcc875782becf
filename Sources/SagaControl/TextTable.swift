/// A plain-text table with a header row and columns padded to their widest cell, separated
/// by two spaces; numbers can be right-aligned. No trailing spaces on any line.
struct TextTable: Sendable {
    enum Alignment: Sendable {
        case left
        case right
    }

    struct Column: Sendable {
        var title: String
        var alignment: Alignment

        init(_ title: String, _ alignment: Alignment = .left) {
            self.title = title
            self.alignment = alignment
        }
    }

    var columns: [Column]
    private(set) var rows: [[String]] = []

    init(_ columns: [Column]) {
        self.columns = columns
    }

    /// Adds a row; missing cells are blank and extra cells are dropped.
    mutating func append(_ cells: [String]) {
        var row = Array(cells.prefix(columns.count))
        row += Array(repeating: "", count: columns.count - row.count)
        rows.append(row)
    }

    /// The width of each column: its widest cell or title, in characters.
    var columnWidths: [Int] {
        columns.indices.map { index in
            rows.reduce(columns[index].title.count) { Swift.max($0, $1[index].count) }
        }
    }

    /// The header and every row, one line each; an empty table is just its header.
    func renderedLines() -> [String] {
        let widths = columnWidths
        let header = columns.map(\.title)
        return ([header] + rows).map { cells in
            let padded = cells.indices.map { index -> String in
                pad(cells[index], to: widths[index], alignment: columns[index].alignment)
            }
            return Self.trimmingTrailingSpaces(padded.joined(separator: "  "))
        }
    }

    /// The table as one string with a newline between lines.
    func rendered() -> String {
        renderedLines().joined(separator: "\n")
    }

    private static func trimmingTrailingSpaces(_ line: String) -> String {
        var line = Substring(line)
        while line.last == " " { line = line.dropLast() }
        return String(line)
    }

    private func pad(_ text: String, to width: Int, alignment: Alignment) -> String {
        let fill = String(repeating: " ", count: width - text.count)
        switch alignment {
        case .left: return text + fill
        case .right: return fill + text
        }
    }
}
