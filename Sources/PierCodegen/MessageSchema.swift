import Foundation

/// One Kafka message schema file, as in `schema/kafka/messages/*.json`.
public struct MessageSchema: Decodable, Sendable {
    public var apiKey: Int16?
    public var type: String
    public var name: String
    public var validVersions: VersionRange
    public var flexibleVersions: VersionRange
    public var fields: [FieldSchema]
    public var commonStructs: [StructSchema]?
}

public struct StructSchema: Decodable, Sendable {
    public var name: String
    public var versions: VersionRange?
    public var fields: [FieldSchema]
}

public struct FieldSchema: Decodable, Sendable {
    public var name: String
    public var type: String
    public var versions: VersionRange
    public var nullableVersions: VersionRange?
    public var taggedVersions: VersionRange?
    /// Written as a number or a string in the schemas.
    public var tagText: DefaultValue?
    public var `default`: DefaultValue?
    public var ignorable: Bool?
    public var fields: [FieldSchema]?
    /// Overrides the message's flexible versions for this field's own encoding (RequestHeader's ClientId).
    public var flexibleVersions: VersionRange?

    public var tag: UInt32? { tagText.flatMap { UInt32($0.text) } }

    enum CodingKeys: String, CodingKey {
        case name, type, versions, nullableVersions, taggedVersions, `default`, ignorable, fields, flexibleVersions
        case tagText = "tag"
    }
}

/// A schema default: JSON strings, numbers and booleans all appear.
public struct DefaultValue: Decodable, Sendable {
    public var text: String

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            text = string
        } else if let bool = try? container.decode(Bool.self) {
            text = bool ? "true" : "false"
        } else if let integer = try? container.decode(Int64.self) {
            text = String(integer)
        } else {
            text = String(try container.decode(Double.self))
        }
    }
}

/// `N+`, `N-M`, `N` or `none`.
public struct VersionRange: Decodable, Sendable, Equatable {
    public var lowest: Int16
    public var highest: Int16  // Int16.max for open-ended
    public var isEmpty: Bool { lowest > highest }

    public static let none = VersionRange(lowest: 1, highest: 0)

    public init(lowest: Int16, highest: Int16) {
        self.lowest = lowest
        self.highest = highest
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = VersionRange(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad version range '\(text)'"))
        }
        self = parsed
    }

    public init?(parsing text: String) {
        if text == "none" {
            self = .none
        } else if text.hasSuffix("+"), let low = Int16(text.dropLast()) {
            self.init(lowest: low, highest: .max)
        } else if let dash = text.firstIndex(of: "-"), let low = Int16(text[..<dash]), let high = Int16(text[text.index(after: dash)...]) {
            self.init(lowest: low, highest: high)
        } else if let single = Int16(text) {
            self.init(lowest: single, highest: single)
        } else {
            return nil
        }
    }

    public func contains(_ version: Int16) -> Bool { version >= lowest && version <= highest }

    public func intersection(_ other: VersionRange) -> VersionRange {
        VersionRange(lowest: max(lowest, other.lowest), highest: min(highest, other.highest))
    }

    /// Whether, within `valid`, this range covers every version.
    public func covers(_ valid: VersionRange) -> Bool {
        valid.isEmpty || (lowest <= valid.lowest && highest >= valid.highest)
    }

    /// A Swift condition on `version` true exactly for this range's versions within `valid`.
    public func condition(within valid: VersionRange) -> String {
        let effective = intersection(valid)
        if effective.isEmpty { return "false" }
        if effective.lowest <= valid.lowest && effective.highest >= valid.highest { return "true" }
        var parts: [String] = []
        if effective.lowest > valid.lowest { parts.append("version >= \(effective.lowest)") }
        if effective.highest < valid.highest { parts.append("version <= \(effective.highest)") }
        return parts.joined(separator: " && ")
    }
}
