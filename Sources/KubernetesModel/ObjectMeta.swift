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
