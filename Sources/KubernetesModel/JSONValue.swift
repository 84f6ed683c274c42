import Foundation

/// An arbitrary JSON value, for JSONPatch operation values and for reading unknown object parts.
public enum JSONValue: Codable, Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        if case .object(let members) = self {
            // Members that are strings (annotation maps) take the encoder's concrete String path.
            var object = encoder.container(keyedBy: MemberKey.self)
            for (name, member) in members {
                if case .string(let string) = member {
                    try object.encode(string, forKey: MemberKey(name))
                } else {
                    try object.encode(member, forKey: MemberKey(name))
                }
            }
            return
        }
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object: break  // encoded above, member by member
        }
    }

    public init(_ strings: [String: String]) {
        self = .object(strings.mapValues { .string($0) })
    }
}
