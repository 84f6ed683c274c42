/// An APIC managed object: a class, its attributes in order (all values strings), and children.
public struct ManagedObject: Hashable, Sendable, CustomStringConvertible {
    public struct Attribute: Hashable, Sendable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var className: String
    public var attributes: [Attribute]
    public var children: [ManagedObject]

    public init(_ className: String, _ attributes: KeyValuePairs<String, String> = [:], children: [ManagedObject] = []) {
        self.className = className
        self.attributes = attributes.map { Attribute($0.key, $0.value) }
        self.children = children
    }

    public init(className: String, attributes: [Attribute], children: [ManagedObject] = []) {
        self.className = className
        self.attributes = attributes
        self.children = children
    }

    /// Reads or sets an attribute; setting nil removes it, setting a new one appends it.
    public subscript(_ name: String) -> String? {
        get { attributes.first { $0.name == name }?.value }
        set {
            if let index = attributes.firstIndex(where: { $0.name == name }) {
                if let newValue { attributes[index].value = newValue } else { attributes.remove(at: index) }
            } else if let newValue {
                attributes.append(Attribute(name, newValue))
            }
        }
    }

    /// The relative name, from the class's naming rule and this object's naming attributes.
    public var rn: String? { APICClass.named(className)?.rn(for: self) }

    public var description: String { "\(className)(\(rn ?? "?"))" }

    /// This object and every descendant, depth first, each with its DN under `parentDN`.
    public func flattened(parentDN: String) -> [(dn: String, object: ManagedObject)] {
        let dn = self["dn"] ?? (rn.map { parentDN.isEmpty ? $0 : "\(parentDN)/\($0)" } ?? parentDN)
        return [(dn, self)] + children.flatMap { $0.flattened(parentDN: dn) }
    }
}
