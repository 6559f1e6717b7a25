import PierProtocol

/// The APIs and versions this build of Pier implements: exactly what ApiVersions advertises, so
/// clients never send what the broker cannot answer.
enum SupportedApis {
    static let versions: [ApiKey: ClosedRange<Int16>] = [
        .apiVersions: 0...3,
        .metadata: 0...12,
    ]

    static func supports(_ apiKey: ApiKey, version: Int16) -> Bool {
        versions[apiKey]?.contains(version) ?? false
    }
}
