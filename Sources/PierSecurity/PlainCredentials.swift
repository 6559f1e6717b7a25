/// A SASL PLAIN message (RFC 4616): `[authzid] NUL authcid NUL passwd`, UTF-8.
public struct PlainCredentials: Equatable, Sendable {
    public var authorizationID: String
    public var user: String
    public var password: String

    /// Nil when the token is not a PLAIN message (wrong number of fields, empty user or password,
    /// not UTF-8), or names an authorization id other than the user, which Kafka refuses too.
    public init?(token: [UInt8]) {
        let fields = token.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3, !fields[2].contains(0),
              let authorizationID = String(validating: fields[0], as: UTF8.self),
              let user = String(validating: fields[1], as: UTF8.self),
              let password = String(validating: fields[2], as: UTF8.self),
              !user.isEmpty, !password.isEmpty, authorizationID.isEmpty || authorizationID == user
        else { return nil }
        (self.authorizationID, self.user, self.password) = (authorizationID, user, password)
    }
}
