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

    /// `{"totalCount":"N","imdata":[…]}` plus any extra top-level members after `imdata`.
    public static func envelope(_ objects: [ManagedObject], totalCount: Int? = nil, extra: [(String, Value)] = []) -> Value {
        .object([("totalCount", .string(String(totalCount ?? objects.count))), ("imdata", .array(objects.map { value($0) }))] + extra)
    }

    public static func render(_ value: Value, pretty: Bool = false) -> String {
        var out = ""
        write(value, into: &out, pretty: pretty, indent: 0)
        return out
    }

    private static func write(_ value: Value, into out: inout String, pretty: Bool, indent: Int) {
        let newline = pretty ? "\n" + String(repeating: "  ", count: indent + 1) : ""
        let closing = pretty ? "\n" + String(repeating: "  ", count: indent) : ""
        switch value {
        case .string(let text):
            out += quoted(text)
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "["
            for (index, item) in items.enumerated() {
                out += (index == 0 ? "" : ",") + newline
                write(item, into: &out, pretty: pretty, indent: indent + 1)
            }
            out += closing + "]"
        case .object(let members):
            guard !members.isEmpty else { out += "{}"; return }
            out += "{"
            for (index, (key, member)) in members.enumerated() {
                out += (index == 0 ? "" : ",") + newline + quoted(key) + (pretty ? ": " : ":")
                write(member, into: &out, pretty: pretty, indent: indent + 1)
            }
            out += closing + "}"
        }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    static func quoted(_ text: String) -> String {
        // Most values (names, numbers, DNs) need no escaping; the rest go through the encoder.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") && $0 < 0x7F }) { return "\"" + text + "\"" }
        return String(decoding: try! encoder.encode(text), as: UTF8.self)
    }

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
