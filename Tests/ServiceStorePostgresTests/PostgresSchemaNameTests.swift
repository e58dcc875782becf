import GRDB
import SagaMessaging
import Testing

@testable import CheckoutService
@testable import FulfillmentService
@testable import OrderService
@testable import ServiceStorePostgres

/// The PostgreSQL schemas and the endpoint parser, checked without a server.
struct PostgresSchemaNameTests {
    /// One step name means one change in both stores: the PostgreSQL steps are the SQLite
    /// migrator's, in the same order, so a step added to one and not the other fails here.
    @Test func theStepsAreTheSQLiteSchemasSteps() {
        #expect(PostgresServiceSchema.orders.stepNames == ServiceSchema.orders.migrator.migrations)
        #expect(PostgresServiceSchema.checkout.stepNames == ServiceSchema.checkout.migrator.migrations)
        #expect(PostgresServiceSchema.fulfillment.stepNames == ServiceSchema.fulfillment.migrator.migrations)
    }

    @Test func theServicesSchemaNamesArePlainIdentifiers() throws {
        for schema in [PostgresServiceSchema.orders, .checkout, .fulfillment] {
            #expect(PostgresServiceSchema.isPlainIdentifier(schema.name), "\(schema.name)")
            #expect(try schema.named(schema.name).stepNames == schema.stepNames)
        }
        #expect(throws: PostgresStoreError.invalidSchemaName("Orders; DROP")) { try PostgresServiceSchema.orders.named("Orders; DROP") }
        for bad in ["", "1st", "a-b", "a b", String(repeating: "a", count: 64)] {
            #expect(!PostgresServiceSchema.isPlainIdentifier(bad), "\(bad)")
        }
    }

    @Test func aURLGivesEveryPart() throws {
        let endpoint = try PostgresEndpoint(url: "postgres://sagad:p%40ss%3Aword@db.example:6543/state?sslmode=require")
        #expect(endpoint == PostgresEndpoint(host: "db.example", port: 6543, username: "sagad", password: "p@ss:word",
                                             database: "state", tls: .require))
        let defaults = try PostgresEndpoint(url: "postgresql://me@[::1]/db")
        #expect(defaults == PostgresEndpoint(host: "::1", port: 5432, username: "me", password: nil, database: "db", tls: .prefer))
        let configuration = try PostgresEndpoint(url: "postgres://u:pw@127.0.0.1:15432/d?sslmode=disable").clientConfiguration()
        #expect(configuration.host == "127.0.0.1" && configuration.port == 15432 && configuration.username == "u")
        #expect(configuration.password == "pw" && configuration.database == "d")
    }

    @Test(arguments: [
        ("mysql://u@h/d", "the scheme must be postgres:// or postgresql://"),
        ("postgres://u@h", "no database name after the host (…/database)"),
        ("postgres://u@h/", "no database name after the host (…/database)"),
        ("postgres://h:5432/d", "no user name (user@host)"),
        ("postgres://:pw@h/d", "no user name (user@host)"),
        ("postgres://u@/d", "no host name"),
        ("postgres://u@h:99999/d", "the port must be a number from 1 to 65535, not \"99999\""),
        ("postgres://u@h:port/d", "the port must be a number from 1 to 65535, not \"port\""),
        ("postgres://u@[::1/d", "an IPv6 host must end with ]"),
        ("postgres://u:%zz@h/d", "the password is not valid percent-encoding"),
        ("postgres://u@h/d?sslmode=verify-full", "sslmode must be disable, prefer or require, not verify-full"),
        ("postgres://u@h/d?timeout=3", "unknown parameter timeout=3 (only sslmode is read)"),
    ])
    func aBadURLIsRefusedNamingWhatIsWrong(url: String, reason: String) {
        #expect(throws: PostgresStoreError.invalidURL(url, reason: reason)) { try PostgresEndpoint(url: url) }
    }

    @Test func anErrorHidesThePassword() {
        let error = PostgresStoreError.invalidURL("postgres://u:secret@h:x/d", reason: "bad port")
        #expect(!error.description.contains("secret"))
        #expect(error.description.contains("postgres://u:***@h:x/d"))
    }
}
