/// A schema resolved for code generation: every struct of a message (the message itself, its
/// inline structs and its common structs) with fields whose version conditions are worked out.
struct MessageModel {
    let schema: MessageSchema
    let valid: VersionRange
    /// The message struct first, then nested structs in the order they appear.
    let structs: [StructModel]

    init(_ schema: MessageSchema) throws {
        self.schema = schema
        valid = schema.validVersions
        var collected: [StructModel] = []
        var seen: Set<String> = []
        func collect(name: String, fields: [FieldSchema], isMessage: Bool) throws {
            let model = try StructModel(name: name, fields: fields, isMessage: isMessage, message: schema)
            collected.append(model)
            for field in fields {
                if let nested = field.fields {
                    let nestedName = FieldKind(schemaType: field.type).structName!
                    guard seen.insert(nestedName).inserted else { continue }
                    try collect(name: nestedName, fields: nested, isMessage: false)
                }
            }
        }
        try collect(name: schema.name, fields: schema.fields, isMessage: true)
        for common in schema.commonStructs ?? [] where seen.insert(common.name).inserted {
            try collect(name: common.name, fields: common.fields, isMessage: false)
        }
        structs = collected
    }

    var flexibleCondition: String { schema.flexibleVersions.condition(within: valid) }
    var hasFlexibleVersions: Bool { flexibleCondition != "false" }
}

struct StructModel {
    let name: String
    let isMessage: Bool
    let fields: [FieldModel]

    init(name: String, fields: [FieldSchema], isMessage: Bool, message: MessageSchema) throws {
        self.name = name
        self.isMessage = isMessage
        self.fields = try fields.map { try FieldModel($0, message: message) }
    }
}

struct FieldModel {
    let schema: FieldSchema
    let kind: FieldKind
    let property: String
    /// Whether the Swift property is optional (nullable in some valid version).
    let isOptional: Bool
    let defaultValue: String
    /// Versions where the field travels in the regular (non-tagged) part of the struct.
    let regularCondition: String
    /// Versions where it travels in the tagged-field section.
    let taggedCondition: String
    /// Versions where it exists at all.
    let presentCondition: String
    let nullableCondition: String
    let compactCondition: String

    init(_ field: FieldSchema, message: MessageSchema) throws {
        let valid = message.validVersions
        schema = field
        kind = FieldKind(schemaType: field.type)
        property = swiftPropertyName(field.name)
        let nullable = field.nullableVersions?.intersection(valid) ?? .none
        isOptional = !nullable.isEmpty
        // Evaluated where the field exists: inside its presence check, "3+" of a "3+" field is always true.
        nullableCondition = (field.nullableVersions ?? .none).condition(within: field.versions.intersection(valid))
        presentCondition = field.versions.condition(within: valid)
        if let tagged = field.taggedVersions {
            taggedCondition = field.versions.intersection(tagged).condition(within: valid)
            let regular = VersionRange(lowest: field.versions.lowest, highest: min(field.versions.highest, tagged.lowest - 1))
            regularCondition = regular.condition(within: valid)
        } else {
            taggedCondition = "false"
            regularCondition = presentCondition
        }
        compactCondition = (field.flexibleVersions ?? message.flexibleVersions).condition(within: valid)
        defaultValue = try Self.defaultExpression(field, kind: kind, isOptional: isOptional)
    }

    var swiftType: String { isOptional ? "\(kind.swiftType)?" : kind.swiftType }
    var isIgnorable: Bool { schema.ignorable ?? false }

    static func defaultExpression(_ field: FieldSchema, kind: FieldKind, isOptional: Bool) throws -> String {
        guard let text = field.default?.text, !text.isEmpty || kind == .string else { return kind.zeroValue }
        if text == "null" {
            guard isOptional else { throw GeneratorError.badDefault(field.name, text) }
            return "nil"
        }
        switch kind {
        case .bool:
            guard text == "true" || text == "false" else { throw GeneratorError.badDefault(field.name, text) }
            return text
        case .int8, .int16, .uint16, .int32, .uint32, .int64:
            let value: Int64?
            if text.lowercased().hasPrefix("0x") {
                value = Int64(text.dropFirst(2), radix: 16)
            } else if text.lowercased().hasPrefix("-0x") {
                value = Int64(text.dropFirst(3), radix: 16).map { -$0 }
            } else {
                value = Int64(text)
            }
            guard let value else { throw GeneratorError.badDefault(field.name, text) }
            return String(value)
        case .float64:
            guard let value = Double(text) else { throw GeneratorError.badDefault(field.name, text) }
            return String(value)
        case .string:
            return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        default:
            return kind.zeroValue
        }
    }
}

extension FieldKind {
    /// The struct a field of this kind defines or refers to, if any.
    var structName: String? {
        switch self {
        case .structure(let name): name
        case .array(let element): element.structName
        default: nil
        }
    }
}

enum GeneratorError: Error, CustomStringConvertible {
    case badDefault(String, String)
    case unreadableSchema(String, String)

    var description: String {
        switch self {
        case let .badDefault(field, text): "field \(field): default '\(text)' does not fit its type"
        case let .unreadableSchema(file, reason): "\(file): \(reason)"
        }
    }
}

/// "TopicData" → "topicData", "ISRNodes" → "isrNodes", "ID" → "id".
func swiftPropertyName(_ schemaName: String) -> String {
    let characters = Array(schemaName)
    var leadingUpper = 0
    while leadingUpper < characters.count && characters[leadingUpper].isUppercase { leadingUpper += 1 }
    let lowered: String
    if leadingUpper <= 1 || leadingUpper == characters.count {
        lowered = String(characters.prefix(max(leadingUpper, 1))).lowercased() + String(characters.dropFirst(max(leadingUpper, 1)))
    } else {
        // Keep the last capital of a run: it starts the next word ("ISRNodes": "isr" + "Nodes").
        lowered = String(characters.prefix(leadingUpper - 1)).lowercased() + String(characters.dropFirst(leadingUpper - 1))
    }
    return ["default", "protocol", "internal", "operator", "repeat", "where", "in", "is", "as", "class", "struct",
            "enum", "func", "import", "init", "let", "var", "return", "self", "static", "switch", "case", "throw", "try"]
        .contains(lowered) ? "`\(lowered)`" : lowered
}

/// "Produce" → "produce", "ApiVersions" → "apiVersions", "DescribeACLs"-style runs handled as above.
func swiftCaseName(_ name: String) -> String { swiftPropertyName(name) }
