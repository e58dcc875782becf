/// Just enough of PromQL's surface to check alert rules and dashboard queries against a real
/// Prometheus: an alert's condition split into the parts each of which must return data, and
/// the metric names an expression reads.
enum PromQLExpression {
    /// The operands of `expression`'s top-level `and` / `or` / `unless`, each without a trailing
    /// comparison with a number (`> 100`, `== 0`, `< bool 0.1`): what must return series for
    /// the alert to be able to fire at all.
    static func conditionOperands(_ expression: String) -> [String] {
        splitTopLevel(expression, words: ["and", "or", "unless"]).map(strippingThreshold)
    }

    /// The metric names (`sagad_*`, `process_*`, `up`) outside label matchers and strings.
    static func metricNames(_ expression: String) -> Set<String> {
        var names: Set<String> = []
        var token = ""
        func flush() {
            if token == "up" || token.hasPrefix("sagad_") || token.hasPrefix("process_") { names.insert(token) }
            token = ""
        }
        scan(expression) { character, depth in
            if depth.outsideMatchers, character.isLetter || character.isNumber || character == "_" || character == ":" {
                token.append(character)
            } else {
                flush()
            }
        }
        flush()
        return names
    }

    /// Where the scanner is: inside how many parentheses, and whether in braces or a string.
    struct Depth {
        var parentheses = 0
        var braces = 0
        var brackets = 0
        var quote: Character? = nil
        var outsideMatchers: Bool { braces == 0 && quote == nil && brackets == 0 }
        var topLevel: Bool { parentheses == 0 && outsideMatchers }
    }

    /// Calls `body` with each character and the depth it is at (quotes and brackets count
    /// as inside for the characters they enclose, and for themselves).
    private static func scan(_ text: String, _ body: (Character, Depth) -> Void) {
        var depth = Depth()
        var escaped = false
        for character in text {
            if let quote = depth.quote {
                body(character, depth)
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == quote { depth.quote = nil }
                continue
            }
            switch character {
            case "\"", "'", "`": depth.quote = character; body(character, depth)
            case "(": body(character, depth); depth.parentheses += 1
            case ")": depth.parentheses -= 1; body(character, depth)
            case "{": depth.braces += 1; body(character, depth)
            case "}": body(character, depth); depth.braces -= 1
            case "[": depth.brackets += 1; body(character, depth)
            case "]": body(character, depth); depth.brackets -= 1
            default: body(character, depth)
            }
        }
    }

    /// `text` split at the top-level occurrences of any of `words` (whole words only).
    static func splitTopLevel(_ text: String, words: Set<String>) -> [String] {
        var parts: [String] = []
        var current = ""
        var word = ""
        var wordIsTopLevel = true
        func endWord() {
            if wordIsTopLevel, words.contains(word.lowercased()) {
                parts.append(String(current.dropLast(word.count)).trimmingCharacters(in: .whitespacesAndNewlines))
                current = ""
            }
            word = ""
            wordIsTopLevel = true
        }
        scan(text) { character, depth in
            if character.isLetter || character.isNumber || character == "_" {
                if word.isEmpty { wordIsTopLevel = depth.topLevel }
                word.append(character)
            } else {
                endWord()
            }
            current.append(character)
        }
        endWord()
        parts.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
        return parts.filter { !$0.isEmpty }
    }

    /// `text` without a trailing top-level comparison against a number.
    static func strippingThreshold(_ text: String) -> String {
        var lastComparison: String.Index? = nil
        var previous: Character = " "
        var index = text.startIndex
        scan(text) { character, depth in
            defer { previous = character; index = text.index(after: index) }
            guard depth.topLevel else { return }
            if character == ">" || character == "<" || (character == "=" && previous == "=") || (character == "=" && previous == "!") {
                // Point at the operator's first character.
                lastComparison = (character == "=" && (previous == "=" || previous == "!" || previous == ">" || previous == "<"))
                    ? text.index(before: index) : index
            }
        }
        guard let at = lastComparison else { return text.trimmingCharacters(in: .whitespacesAndNewlines) }
        var right = text[at...].drop { "<>=!".contains($0) }.trimmingCharacters(in: .whitespacesAndNewlines)
        if right.hasPrefix("bool ") { right = String(right.dropFirst(5)).trimmingCharacters(in: .whitespaces) }
        guard Double(right) != nil else { return text.trimmingCharacters(in: .whitespacesAndNewlines) }
        return text[..<at].trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
