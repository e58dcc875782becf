/// The OpenAPI description of the control API: the bytes of `Sources/SagaAPI/openapi.yaml`,
/// embedded in the binary at build time so the daemon needs no resource bundle at run time.
public enum APIDocument {
    /// The document as UTF-8 YAML, exactly as the file holds it.
    public static var yaml: [UInt8] { PackageResources.openapi_yaml }

    /// The media type it is served with.
    public static let contentType = "application/yaml"
}
