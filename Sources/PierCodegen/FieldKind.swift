/// What a schema field holds, resolved from its `type` string.
indirect enum FieldKind: Equatable {
    case bool, int8, int16, uint16, int32, uint32, int64, float64, string, bytes, records, uuid
    case structure(String)
    case array(FieldKind)

    init(schemaType: String) {
        if schemaType.hasPrefix("[]") {
            self = .array(FieldKind(schemaType: String(schemaType.dropFirst(2))))
            return
        }
        switch schemaType {
        case "bool": self = .bool
        case "int8": self = .int8
        case "int16": self = .int16
        case "uint16": self = .uint16
        case "int32": self = .int32
        case "uint32": self = .uint32
        case "int64": self = .int64
        case "float64": self = .float64
        case "string": self = .string
        case "bytes": self = .bytes
        case "records": self = .records
        case "uuid": self = .uuid
        default: self = .structure(schemaType)
        }
    }

    /// The Swift type, without optionality.
    var swiftType: String {
        switch self {
        case .bool: "Bool"
        case .int8: "Int8"
        case .int16: "Int16"
        case .uint16: "UInt16"
        case .int32: "Int32"
        case .uint32: "UInt32"
        case .int64: "Int64"
        case .float64: "Double"
        case .string: "String"
        case .bytes, .records: "ByteBuffer"
        case .uuid: "KafkaUUID"
        case .structure(let name): name
        case .array(let element): "[\(element.swiftType)]"
        }
    }

    var isInteger: Bool {
        switch self {
        case .int8, .int16, .uint16, .int32, .uint32, .int64: true
        default: false
        }
    }

    /// The empty value of a non-null field.
    var zeroValue: String {
        switch self {
        case .bool: "false"
        case .int8, .int16, .uint16, .int32, .uint32, .int64: "0"
        case .float64: "0"
        case .string: "\"\""
        case .bytes, .records: "ByteBuffer()"
        case .uuid: ".zero"
        case .structure(let name): "\(name)()"
        case .array: "[]"
        }
    }
}
