import Foundation

/// RFC 6902 JSONPatch operations, and the builder for the one mutation the webhook makes:
/// setting annotations on an object or on its pod template.
public struct JSONPatchOperation: Codable, Hashable, Sendable {
    public enum Op: String, Codable, Hashable, Sendable {
        case add, remove, replace, test
    }

    public var op: Op
    public var path: String
    public var value: JSONValue?

    public init(op: Op, path: String, value: JSONValue? = nil) {
        self.op = op
        self.path = path
        self.value = value
    }

    enum CodingKeys: String, CodingKey { case op, path, value }

    // Written out so the common members take the encoder's concrete String path: every patched
    // admission response encodes a few of these, and the synthesized generic path costs ~3x as much.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(op.rawValue, forKey: .op)
        try container.encode(path, forKey: .path)
        switch value {
        case .string(let string)?: try container.encode(string, forKey: .value)
        case let value?: try container.encode(value, forKey: .value)
        case nil: break
        }
    }
}

/// RFC 6901 JSON Pointer construction.
public enum JSONPointer {
    /// Escapes one reference token: `~` becomes `~0` and `/` becomes `~1`, in one pass (two passes
    /// in the wrong order would turn the `~` of `~1` into `~01`).
    public static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return token }
        // Byte by byte: `~` and `/` are ASCII, and no byte of a multi-byte UTF-8 sequence is ASCII.
        var escaped: [UInt8] = []
        escaped.reserveCapacity(token.utf8.count + 4)
        for byte in token.utf8 {
            switch byte {
            case UInt8(ascii: "~"): escaped.append(contentsOf: [UInt8(ascii: "~"), UInt8(ascii: "0")])
            case UInt8(ascii: "/"): escaped.append(contentsOf: [UInt8(ascii: "~"), UInt8(ascii: "1")])
            default: escaped.append(byte)
            }
        }
        return String(decoding: escaped, as: UTF8.self)
    }

    public static func pointer(_ tokens: [String]) -> String {
        var pointer = ""
        for token in tokens {
            pointer += "/"
            pointer += escape(token)
        }
        return pointer
    }
}

public enum AnnotationPatch {
    /// The operations that make the annotations under `metadataPath` include `desired`.
    ///
    /// - `metadataExists: false` (a pod template without `metadata`): one `add` of the whole metadata.
    /// - `current == nil` (no `annotations` map, or `null`): one `add` of the whole map — adding a
    ///   key under an absent map is an error in RFC 6902.
    /// - otherwise one `add` or `replace` per key whose value differs; nothing when all are equal.
    public static func operations(metadataPath: [String], metadataExists: Bool,
                                  current: [String: String]?, desired: [String: String]) -> [JSONPatchOperation] {
        guard !desired.isEmpty else { return [] }
        guard metadataExists else {
            return [JSONPatchOperation(op: .add, path: JSONPointer.pointer(metadataPath),
                                       value: .object(["annotations": JSONValue(desired)]))]
        }
        let annotationsPath = metadataPath + ["annotations"]
        guard let current else {
            return [JSONPatchOperation(op: .add, path: JSONPointer.pointer(annotationsPath), value: JSONValue(desired))]
        }
        return desired.sorted { $0.key < $1.key }.compactMap { key, value in
            guard current[key] != value else { return nil }
            return JSONPatchOperation(op: current[key] == nil ? .add : .replace,
                                      path: JSONPointer.pointer(annotationsPath + [key]), value: .string(value))
        }
    }
}
