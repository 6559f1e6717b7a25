import NIOCore

extension RequestHeader {
    /// Reads the header at the start of a request frame, choosing its version from the api key and
    /// api version it begins with. An api key or version this build does not know is read as header
    /// v1 (api key, version, correlation id, client id), which every header version starts with, so
    /// the broker can still answer with the right correlation id.
    public static func decode(from buffer: inout ByteBuffer) throws(KafkaDecodingError) -> (header: RequestHeader, version: Int16) {
        guard let rawKey = buffer.getInteger(at: buffer.readerIndex, as: Int16.self),
              let apiVersion = buffer.getInteger(at: buffer.readerIndex + 2, as: Int16.self)
        else { throw .truncated(field: "RequestHeader") }
        let headerVersion: Int16
        if let apiKey = ApiKey(rawValue: rawKey), apiKey.validVersions.contains(apiVersion) {
            headerVersion = apiKey.requestHeaderVersion(for: apiVersion)
        } else {
            headerVersion = 1
        }
        return (try RequestHeader(from: &buffer, version: headerVersion), headerVersion)
    }
}

extension ResponseHeader {
    /// Writes the response header for a response to `apiKey` at `apiVersion`.
    public static func write(correlationId: Int32, apiKey: ApiKey, apiVersion: Int16, into buffer: inout ByteBuffer) {
        buffer.writeInteger(correlationId)
        if apiKey.responseHeaderVersion(for: apiVersion) >= 1 {
            buffer.writeKafkaTaggedFields([])
        }
    }
}
