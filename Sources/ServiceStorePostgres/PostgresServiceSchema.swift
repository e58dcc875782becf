/// A service's state in PostgreSQL: the schema it lives in (`orders`, `checkout`, `fulfillment`)
/// and its named migration steps, in order. The step names are those of the service's SQLite
/// schema (`ServiceSchema` in OrderService, CheckoutService, FulfillmentService), so one name
/// means one change in both stores; the statements are written unqualified and run with the
/// service's schema as the search path.
public struct PostgresServiceSchema: Sendable {
    /// One named migration step: its statements run in order, in one transaction.
    public struct Step: Sendable {
        public let name: String
        public let statements: [String]

        public init(_ name: String, _ statements: [String]) {
            self.name = name
            self.statements = statements
        }
    }

    /// The PostgreSQL schema (namespace) the service's tables live in.
    public let name: String
    public let steps: [Step]

    /// `name` must be a plain lowercase identifier: it is spliced into SQL as a schema name.
    public init(name: String, steps: [Step]) throws(PostgresStoreError) {
        guard Self.isPlainIdentifier(name) else { throw .invalidSchemaName(name) }
        self.name = name
        self.steps = steps
    }

    /// For the schemas defined in this module, whose names are literals known to be plain
    /// (a test checks them).
    init(plain name: String, steps: [Step]) {
        self.name = name
        self.steps = steps
    }

    /// The same steps in schema `name` instead (tests, or two deployments in one database).
    public func named(_ name: String) throws(PostgresStoreError) -> PostgresServiceSchema {
        try PostgresServiceSchema(name: name, steps: steps)
    }

    /// The step names in the order they apply.
    public var stepNames: [String] { steps.map(\.name) }

    /// Lowercase letters, digits and underscores, starting with a letter, at most 63 bytes
    /// (PostgreSQL's identifier limit): safe to splice into SQL unquoted.
    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first), name.utf8.count <= 63 else {
            return false
        }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_")
        }
    }
}
