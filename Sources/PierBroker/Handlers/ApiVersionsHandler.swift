import PierProtocol

/// ApiVersions: the versions Pier implements. A client asking with a version newer than Pier knows
/// gets UNSUPPORTED_VERSION in a v0 response (the one layout every client can read) listing what is
/// supported, so it retries with a version both sides speak.
enum ApiVersionsHandler {
    static func response(to version: Int16) -> (response: ApiVersionsResponse, version: Int16) {
        var response = ApiVersionsResponse()
        response.apiKeys = SupportedApis.versions
            .map { ApiVersionsResponse.ApiVersion(apiKey: $0.key.rawValue, minVersion: $0.value.lowerBound, maxVersion: $0.value.upperBound) }
            .sorted { $0.apiKey < $1.apiKey }
        guard SupportedApis.supports(.apiVersions, version: version) else {
            response.errorCode = ErrorCode.unsupportedVersion.rawValue
            return (response, 0)
        }
        return (response, version)
    }
}
