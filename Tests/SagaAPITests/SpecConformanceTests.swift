import Foundation
import SagaAPI
import Testing

/// openapi.yaml and SagaAPI describe the same API: the same operations, and body types whose
/// properties and required sets are the spec's schemas. Adding a field or a route on one side
/// only fails here.
@Suite struct SpecConformanceTests {
    @Test func everyOperationOfTheSpecIsInTheRouteTableAndBack() throws {
        let spec = Set(try SpecDocument.embedded().operations())
        let table = Set(APIOperation.allCases.map {
            SpecDocument.Operation(method: $0.method.rawValue, path: $0.pathTemplate, operationID: $0.operationID)
        })
        #expect(spec.subtracting(table).isEmpty, "in openapi.yaml, not in APIOperation: \(spec.subtracting(table))")
        #expect(table.subtracting(spec).isEmpty, "in APIOperation, not in openapi.yaml: \(table.subtracting(spec))")
    }

    @Test func everyObjectSchemaHasOneSwiftTypeAndBack() throws {
        let spec = try SpecDocument.embedded()
        let objects = Set(spec.schemas.filter { SpecDocument.type(of: $0.value) == "object" }.keys)
        let types = Set(APISchemas.all.map { $0.schemaName })
        #expect(objects.subtracting(types).isEmpty, "schemas without a SagaAPI type: \(objects.subtracting(types).sorted())")
        #expect(types.subtracting(objects).isEmpty, "SagaAPI types without a schema: \(types.subtracting(objects).sorted())")
    }

    @Test(arguments: APISchemas.all.map { SchemaCase($0) })
    func propertiesAndRequiredMatchTheSpec(_ schemaCase: SchemaCase) throws {
        let spec = try SpecDocument.embedded()
        let name = schemaCase.type.schemaName
        let schema = try #require(spec.schemas[name], "no schema \(name) in openapi.yaml")
        try checkConformance(of: schemaCase.type, to: schema, in: spec)
    }

    /// Properties: the type's coding keys, every stored property among them, and a sample with
    /// every spec property decodes and encodes back to the same keys. Required: leaving a
    /// property out fails to decode exactly when the spec requires it.
    private func checkConformance<Body: APISchema>(of type: Body.Type, to schema: [String: Any], in spec: SpecDocument) throws {
        let name = Body.schemaName
        let properties = Set((schema["properties"] as? [String: Any] ?? [:]).keys)
        let required = Set(schema["required"] as? [String] ?? [])
        #expect(Set(Body.propertyNames) == properties,
                "\(name): Swift has \(Body.propertyNames.sorted()), the spec \(properties.sorted())")

        let sample = try #require(try spec.sample(of: schema) as? [String: Any])
        let decoded = try decode(Body.self, sample)
        #expect(Mirror(reflecting: decoded).children.count == Body.propertyNames.count,
                "\(name): a stored property has no coding key (it would never cross the wire)")
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(decoded)) as? [String: Any]
        #expect(Set(encoded.map { Array($0.keys) } ?? []) == properties, "\(name) encodes \(encoded?.keys.sorted() ?? [])")

        let requiredBySwift = Set(properties.filter { property in
            var partial = sample
            partial[property] = nil
            return (try? decode(Body.self, partial)) == nil
        })
        #expect(requiredBySwift == required,
                "\(name): Swift requires \(requiredBySwift.sorted()), the spec \(required.sorted())")
    }

    private func decode<Body: Decodable>(_ type: Body.Type, _ object: [String: Any]) throws -> Body {
        try JSONDecoder().decode(type, from: JSONSerialization.data(withJSONObject: object))
    }
}

/// One body type as a test argument, shown by its schema name.
struct SchemaCase: CustomTestStringConvertible, Sendable {
    let type: any APISchema.Type
    init(_ type: any APISchema.Type) { self.type = type }
    var testDescription: String { type.schemaName }
}
