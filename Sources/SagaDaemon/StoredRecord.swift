import MessageLog

/// The log's own record, named apart from SagaAPI's `LogRecord` (its wire form) for the files
/// that import both modules.
typealias StoredRecord = LogRecord
