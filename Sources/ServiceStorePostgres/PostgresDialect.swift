import Foundation

/// The SQL of the services' steps, written for SQLite and `SQLSession`, as PostgreSQL takes it.
/// Only what the steps use differs, and is translated:
/// - parameters: `?N` becomes `$N`, and a bare `?` the next number after the largest so far
///   (SQLite's own rule), outside string literals and quoted identifiers;
/// - `INSERT OR IGNORE INTO …` becomes `INSERT INTO … ON CONFLICT DO NOTHING` (before a
///   `RETURNING`, if there is one).
/// Anything else SQLite-only (`INSERT OR REPLACE`, other conflict clauses) is refused rather
/// than sent to mean something else.
enum PostgresDialect {
    struct Translation: Equatable {
        var sql: String
        /// The largest parameter number: how many values a use binds.
        var parameterCount: Int
    }

    static func translate(_ sqlite: String) throws(PostgresStoreError) -> Translation {
        var sql = try conflictClauseTranslated(sqlite)
        var output = ""
        output.reserveCapacity(sql.utf8.count + 8)
        var largest = 0
        var quote: Character? = nil
        var index = sql.startIndex
        while index < sql.endIndex {
            let character = sql[index]
            index = sql.index(after: index)
            if let open = quote {
                output.append(character)
                if character == open { quote = nil }  // a doubled quote reopens at once: same text
                continue
            }
            switch character {
            case "'", "\"":
                quote = character
                output.append(character)
            case "?":
                var digits = ""
                while index < sql.endIndex, let digit = sql[index].wholeNumberValue, sql[index].isASCII {
                    digits.append(String(digit))
                    index = sql.index(after: index)
                }
                let number: Int
                if digits.isEmpty {
                    number = largest + 1
                } else if let explicit = Int(digits), explicit >= 1 {
                    number = explicit
                } else {
                    throw .unsupportedSQL(sqlite, reason: "parameter ?\(digits) is not numbered from 1")
                }
                largest = max(largest, number)
                output += "$\(number)"
            default:
                output.append(character)
            }
        }
        sql = output
        return Translation(sql: sql, parameterCount: largest)
    }

    private static func conflictClauseTranslated(_ sql: String) throws(PostgresStoreError) -> String {
        let trimmed = sql.drop { $0.isWhitespace }
        let words = trimmed.prefix(40).split(whereSeparator: \.isWhitespace).prefix(3).map { $0.uppercased() }
        guard words.count >= 2, words[0] == "INSERT" || words[0] == "REPLACE", words[0] == "REPLACE" || words[1] == "OR" else {
            return sql
        }
        guard words[0] == "INSERT", words.count == 3, words[2] == "IGNORE" else {
            throw .unsupportedSQL(sql, reason: "only INSERT OR IGNORE has a PostgreSQL translation")
        }
        // Drop "OR IGNORE": the words after INSERT, up to INTO.
        guard let into = trimmed.range(of: "INTO", options: .caseInsensitive) else {
            throw .unsupportedSQL(sql, reason: "INSERT OR IGNORE without INTO")
        }
        var statement = "INSERT " + trimmed[into.lowerBound...]
        if let returning = statement.range(of: " RETURNING ", options: [.caseInsensitive, .backwards]) {
            statement.insert(contentsOf: " ON CONFLICT DO NOTHING", at: returning.lowerBound)
        } else {
            while statement.last?.isWhitespace == true || statement.last == ";" { statement.removeLast() }
            statement += " ON CONFLICT DO NOTHING"
        }
        return statement
    }
}
