import Foundation
import NIOCore

/// The little JSON the tools write and read: strings escaped by hand (fast enough for a million
/// lines), and bytes as a string when they are UTF-8, else as `{"base64": "..."}`, so any key,
/// value or header value survives a round trip exactly.
public enum JSONText {
    public static func appendString(_ text: some StringProtocol, to out: inout String) {
        out.append("\"")
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case _ where scalar.value < 0x20:
                out.append("\\u00")
                out.append(hexDigit(scalar.value >> 4))
                out.append(hexDigit(scalar.value & 0xF))
            default: out.unicodeScalars.append(scalar)
            }
        }
        out.append("\"")
    }

    /// `null`, a JSON string for UTF-8 bytes, or `{"base64":"..."}`.
    public static func appendBytes(_ bytes: ByteBuffer?, to out: inout String) {
        guard let bytes else { out.append("null"); return }
        if let text = bytes.getString(at: bytes.readerIndex, length: bytes.readableBytes), isValidUTF8(bytes) {
            appendString(text, to: &out)
        } else {
            out.append("{\"base64\":\"")
            out.append(Data(bytes.readableBytesView).base64EncodedString())
            out.append("\"}")
        }
    }

    static func isValidUTF8(_ bytes: ByteBuffer) -> Bool {
        bytes.withUnsafeReadableBytes { String(validating: $0, as: UTF8.self) != nil }
    }

    /// Reads what `appendBytes` writes, from a value `JSONSerialization` parsed.
    public static func bytes(from value: Any?, field: String) throws -> ByteBuffer? {
        switch value {
        case nil, is NSNull: return nil
        case let text as String: return ByteBuffer(string: text)
        case let object as [String: Any]:
            guard object.count == 1, let encoded = object["base64"] as? String, let data = Data(base64Encoded: encoded) else {
                throw ToolFailure("\(field) must be a string, null or {\"base64\": \"...\"}")
            }
            return ByteBuffer(bytes: data)
        default:
            throw ToolFailure("\(field) must be a string, null or {\"base64\": \"...\"}")
        }
    }

    private static func hexDigit(_ value: UInt32) -> String {
        String(UnicodeScalar(UInt8(value < 10 ? 48 + value : 87 + value)))
    }
}
