import GRDB

extension Database {
    /// Runs `sql` through this connection's statement cache, so that a hot-path statement is
    /// parsed (and checked by GRDB's authorizer) once per connection instead of every time.
    /// - Throws: GRDB's error when the statement cannot be prepared or fails.
    public func executeCached(_ sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}
