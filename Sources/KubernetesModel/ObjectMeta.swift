/// The parts of `metav1.ObjectMeta` the product reads. Unknown fields are ignored on decode.
public struct ObjectMeta: Codable, Hashable, Sendable {
    public var name: String?
    public var generateName: String?
    public var namespace: String?
    public var uid: String?
    public var resourceVersion: String?
    public var labels: [String: String]?
    public var annotations: [String: String]?
    public var ownerReferences: [OwnerReference]?

    public init(name: String? = nil, generateName: String? = nil, namespace: String? = nil,
                labels: [String: String]? = nil, annotations: [String: String]? = nil,
                ownerReferences: [OwnerReference]? = nil) {
        self.name = name
        self.generateName = generateName
        self.namespace = namespace
        self.labels = labels
        self.annotations = annotations
        self.ownerReferences = ownerReferences
    }

    enum CodingKeys: String, CodingKey { case name, generateName, namespace, uid, resourceVersion, labels, annotations, ownerReferences }

    /// In a decoder's `userInfo`, a `[String]`: read only these annotations (the map is still present,
    /// possibly empty, when the object has one). The admission path reads two annotations, and an
    /// object's `kubectl.kubernetes.io/last-applied-configuration` alone costs more to unescape than
    /// the rest of its metadata.
    public static let annotationKeysToRead = CodingUserInfoKey(rawValue: "aci-admission.annotation-keys")!

    // Written out so labels and annotations decode through the decoder's concrete String path: the
    // generic `[String: String]` conformance costs ~3x as much per entry, and every admission request
    // decodes two or four of these maps.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        generateName = try container.decodeIfPresent(String.self, forKey: .generateName)
        namespace = try container.decodeIfPresent(String.self, forKey: .namespace)
        uid = try container.decodeIfPresent(String.self, forKey: .uid)
        resourceVersion = try container.decodeIfPresent(String.self, forKey: .resourceVersion)
        labels = try container.decodeStringMapIfPresent(forKey: .labels)
        if let wanted = decoder.userInfo[ObjectMeta.annotationKeysToRead] as? [String] {
            annotations = try container.decodeStringMapIfPresent(forKey: .annotations, only: wanted)
        } else {
            annotations = try container.decodeStringMapIfPresent(forKey: .annotations)
        }
        ownerReferences = try container.decodeIfPresent([OwnerReference].self, forKey: .ownerReferences)
    }

    /// The owner whose controller manages this object (`controller: true`), if any.
    public var controllerReference: OwnerReference? {
        ownerReferences?.first { $0.controller == true }
    }

    /// A name for messages: the name, or `generateName` + `*` for objects the apiserver has not named yet.
    public var displayName: String {
        if let name, !name.isEmpty { return name }
        if let generateName, !generateName.isEmpty { return generateName + "*" }
        return "(unnamed)"
    }
}

public struct OwnerReference: Codable, Hashable, Sendable {
    public var apiVersion: String?
    public var kind: String?
    public var name: String?
    public var uid: String?
    public var controller: Bool?
    public var blockOwnerDeletion: Bool?

    public init(apiVersion: String? = nil, kind: String? = nil, name: String? = nil, uid: String? = nil, controller: Bool? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.uid = uid
        self.controller = controller
    }
}

/// `apiVersion` and `kind`, read first to choose the concrete type.
public struct TypeMeta: Codable, Hashable, Sendable {
    public var apiVersion: String?
    public var kind: String?
    public init(apiVersion: String? = nil, kind: String? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
    }
}

/// A key for JSON objects read member by member, or whose member names are data (label and annotation maps).
public struct MemberKey: CodingKey {
    public var stringValue: String
    public var intValue: Int? { nil }
    public init(_ string: String) { stringValue = string }
    public init?(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer {
    /// A `{string: string}` member, or nil when it is absent or null.
    public func decodeStringMapIfPresent(forKey key: Key) throws -> [String: String]? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        let members = try nestedContainer(keyedBy: MemberKey.self, forKey: key)
        let keys = members.allKeys
        var map = [String: String](minimumCapacity: keys.count)
        for member in keys { map[member.stringValue] = try members.decode(String.self, forKey: member) }
        return map
    }

    /// The members named in `only` of a `{string: string}` member; an empty map when it has none of
    /// them, nil when it is absent or null.
    public func decodeStringMapIfPresent(forKey key: Key, only: [String]) throws -> [String: String]? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        let members = try nestedContainer(keyedBy: MemberKey.self, forKey: key)
        var map: [String: String] = [:]
        for name in only where members.contains(MemberKey(name)) {
            map[name] = try members.decode(String.self, forKey: MemberKey(name))
        }
        return map
    }
}
