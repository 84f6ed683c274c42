/// The complete `networking.k8s.io/v1` NetworkPolicy.
public struct NetworkPolicy: Codable, Hashable, Sendable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: NetworkPolicySpec

    public init(metadata: ObjectMeta, spec: NetworkPolicySpec) {
        apiVersion = "networking.k8s.io/v1"
        kind = "NetworkPolicy"
        self.metadata = metadata
        self.spec = spec
    }
}

public struct NetworkPolicySpec: Codable, Hashable, Sendable {
    public var podSelector: LabelSelector?
    public var ingress: [NetworkPolicyIngressRule]?
    public var egress: [NetworkPolicyEgressRule]?
    public var policyTypes: [PolicyType]?

    public init(podSelector: LabelSelector? = LabelSelector(), ingress: [NetworkPolicyIngressRule]? = nil,
                egress: [NetworkPolicyEgressRule]? = nil, policyTypes: [PolicyType]? = nil) {
        self.podSelector = podSelector
        self.ingress = ingress
        self.egress = egress
        self.policyTypes = policyTypes
    }

    /// `policyTypes` as the apiserver defaults it: when absent or empty, Ingress always, and Egress
    /// only when the policy has at least one egress rule.
    public var effectivePolicyTypes: [PolicyType] {
        if let policyTypes, !policyTypes.isEmpty { return policyTypes }
        return (egress ?? []).isEmpty ? [.ingress] : [.ingress, .egress]
    }

    public var isolatesIngress: Bool { effectivePolicyTypes.contains(.ingress) }
    public var isolatesEgress: Bool { effectivePolicyTypes.contains(.egress) }
}

public struct PolicyType: RawRepresentable, Codable, Hashable, Sendable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let ingress = PolicyType(rawValue: "Ingress")
    public static let egress = PolicyType(rawValue: "Egress")
}

public struct NetworkPolicyIngressRule: Codable, Hashable, Sendable {
    /// Absent or empty: every source.
    public var from: [NetworkPolicyPeer]?
    /// Absent or empty: every port and protocol.
    public var ports: [NetworkPolicyPort]?
    public init(from: [NetworkPolicyPeer]? = nil, ports: [NetworkPolicyPort]? = nil) {
        self.from = from
        self.ports = ports
    }
}

public struct NetworkPolicyEgressRule: Codable, Hashable, Sendable {
    public var to: [NetworkPolicyPeer]?
    public var ports: [NetworkPolicyPort]?
    public init(to: [NetworkPolicyPeer]? = nil, ports: [NetworkPolicyPort]? = nil) {
        self.to = to
        self.ports = ports
    }
}

public struct NetworkPolicyPeer: Codable, Hashable, Sendable {
    public var podSelector: LabelSelector?
    public var namespaceSelector: LabelSelector?
    public var ipBlock: IPBlock?
    public init(podSelector: LabelSelector? = nil, namespaceSelector: LabelSelector? = nil, ipBlock: IPBlock? = nil) {
        self.podSelector = podSelector
        self.namespaceSelector = namespaceSelector
        self.ipBlock = ipBlock
    }
}

public struct IPBlock: Codable, Hashable, Sendable {
    public var cidr: String
    public var except: [String]?
    public init(cidr: String, except: [String]? = nil) {
        self.cidr = cidr
        self.except = except
    }
}

public struct NetworkPolicyPort: Codable, Hashable, Sendable {
    /// TCP, UDP or SCTP; absent means TCP.
    public var `protocol`: String?
    public var port: IntOrString?
    public var endPort: Int?

    public init(protocol: String? = nil, port: IntOrString? = nil, endPort: Int? = nil) {
        self.protocol = `protocol`
        self.port = port
        self.endPort = endPort
    }

    public var effectiveProtocol: String { `protocol` ?? "TCP" }
}

/// `intstr.IntOrString`: a port number or a named port.
public enum IntOrString: Codable, Hashable, Sendable, CustomStringConvertible {
    case int(Int)
    case string(String)

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int.self) {
            self = .int(number)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let number): try container.encode(number)
        case .string(let name): try container.encode(name)
        }
    }

    public var description: String {
        switch self {
        case .int(let number): return String(number)
        case .string(let name): return name
        }
    }
}
