import Foundation

/// The APIC's JSON shapes, written in the order the APIC uses: `{"class":{"attributes":{…},
/// "children":[…]}}` with attributes first, every value a string, and `{"totalCount":"N",
/// "imdata":[…]}` envelopes. Foundation's encoder does not keep key order, so this composes the
/// (fixed) structure and leaves all string escaping to `JSONEncoder`.
public enum APICJSON {
    /// An ordered JSON value: the few shapes the APIC wire format uses.
    public indirect enum Value: Sendable {
        case string(String)
        case array([Value])
        case object([(String, Value)])
    }

    public static func value(_ object: ManagedObject, includeEmptyChildren: Bool = true) -> Value {
        var body: [(String, Value)] = [("attributes", .object(object.attributes.map { ($0.name, .string($0.value)) }))]
        if includeEmptyChildren || !object.children.isEmpty {
            body.append(("children", .array(object.children.map { value($0, includeEmptyChildren: includeEmptyChildren) })))
        }
        return .object([(object.className, .object(body))])
    }

    /// `{"totalCount":"N","imdata":[…]}` written straight to bytes, without building a `Value` tree
    /// (large query answers).
    public static func envelopeBytes(_ objects: [ManagedObject], totalCount: Int? = nil) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + objects.count * 512)
        out.append(contentsOf: #"{"totalCount":""#.utf8)
        out.append(contentsOf: String(totalCount ?? objects.count).utf8)
        out.append(contentsOf: #"","imdata":["#.utf8)
        for (index, object) in objects.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            append(object, to: &out)
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    private static func append(_ object: ManagedObject, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        appendQuoted(object.className, to: &out)
        out.append(contentsOf: #":{"attributes":{"#.utf8)
        for (index, attribute) in object.attributes.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendQuoted(attribute.name, to: &out)
            out.append(UInt8(ascii: ":"))
            appendQuoted(attribute.value, to: &out)
        }
        out.append(contentsOf: #"},"children":["#.utf8)
        for (index, child) in object.children.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            append(child, to: &out)
        }
        out.append(contentsOf: "]}}".utf8)
    }

    /// `{"totalCount":"N","imdata":[…]}` plus any extra top-level members after `imdata`.
    public static func envelope(_ objects: [ManagedObject], totalCount: Int? = nil, extra: [(String, Value)] = []) -> Value {
        .object([("totalCount", .string(String(totalCount ?? objects.count))), ("imdata", .array(objects.map { value($0) }))] + extra)
    }

    public static func render(_ value: Value, pretty: Bool = false) -> String {
        String(decoding: bytes(value, pretty: pretty), as: UTF8.self)
    }

    /// The rendered JSON as bytes (what goes on the wire).
    public static func bytes(_ value: Value, pretty: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out, pretty: pretty, indent: 0)
        return out
    }

    private static func write(_ value: Value, into out: inout [UInt8], pretty: Bool, indent: Int) {
        func newline(_ depth: Int) {
            guard pretty else { return }
            out.append(UInt8(ascii: "\n"))
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
        }
        switch value {
        case .string(let text):
            appendQuoted(text, to: &out)
        case .array(let items):
            guard !items.isEmpty else { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                write(item, into: &out, pretty: pretty, indent: indent + 1)
            }
            newline(indent)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            for (index, (key, member)) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                appendQuoted(key, to: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(UInt8(ascii: " ")) }
                write(member, into: &out, pretty: pretty, indent: indent + 1)
            }
            newline(indent)
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Most values (names, numbers, DNs) need no escaping and are copied as they are; the rest go
    /// through the encoder.
    private static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        var text = text
        let copied = text.withUTF8 { bytes -> Bool in
            for byte in bytes where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte >= 0x7F {
                return false
            }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: bytes)
            out.append(UInt8(ascii: "\""))
            return true
        }
        if !copied { out.append(contentsOf: try! encoder.encode(text)) }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()



    public struct DecodeError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads one `{"class":{"attributes":{…},"children":[…]}}` object (attribute order is not kept).
    public static func decodeObject(_ json: Any) throws -> ManagedObject {
        guard let wrapper = json as? [String: Any], wrapper.count == 1, let (className, inner) = wrapper.first,
              let body = inner as? [String: Any] else {
            throw DecodeError(description: "expected {\"<class>\":{\"attributes\":{…}}}")
        }
        guard let attributes = (body["attributes"] ?? [String: Any]()) as? [String: Any] else {
            throw DecodeError(description: "\(className).attributes must be an object")
        }
        var result = ManagedObject(className: className, attributes: [])
        for (name, raw) in attributes.sorted(by: { $0.key < $1.key }) {
            guard let text = raw as? String else { throw DecodeError(description: "\(className).\(name) must be a string") }
            result.attributes.append(.init(name, text))
        }
        if let children = body["children"] {
            guard let list = children as? [Any] else { throw DecodeError(description: "\(className).children must be a list") }
            result.children = try list.map(decodeObject)
        }
        return result
    }

    /// Reads an `imdata` envelope.
    public static func decodeEnvelope(_ data: Data) throws -> [ManagedObject] {
        guard let top = try JSONSerialization.jsonObject(with: data) as? [String: Any], let imdata = top["imdata"] as? [Any] else {
            throw DecodeError(description: "expected {\"totalCount\":…,\"imdata\":[…]}")
        }
        return try imdata.map(decodeObject)
    }
}
