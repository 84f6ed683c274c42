import KubernetesModel

/// The loaded, validated policy file (DESIGN §2). Build one with `PolicyLoader`.
public struct Policy: Sendable {
    public static let currentAPIVersion = "aci-admission/v1"
    public static let kind = "EPGPolicy"

    /// Where the policy came from (a path, or `<built-in>`), for diagnostics and explanations.
    public var source: String
    /// `sha256:` and 16 hex digits of the file's bytes; stamped on what the webhook writes.
    public var hash: String
    public var fabric: Fabric
    public var peers: [Peer]
    public var defaults: NamespaceSettings
    public var namespaceRules: [NamespaceRule]
    public var annotations: AnnotationPolicy
    public var exemptNamespaces: [Glob]
    public var labelEditors: [String]
}

/// `tenant/application-profile/name`: one EPG, the triple the ACI CNI annotation carries.
public struct EPGRef: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public var tenant: String
    public var applicationProfile: String
    public var name: String

    public init(tenant: String, applicationProfile: String, name: String) {
        self.tenant = tenant
        self.applicationProfile = applicationProfile
        self.name = name
    }

    public var description: String { "\(tenant)/\(applicationProfile)/\(name)" }
    /// The APIC distinguished name.
    public var dn: String { "uni/tn-\(tenant)/ap-\(applicationProfile)/epg-\(name)" }

    public static func < (lhs: EPGRef, rhs: EPGRef) -> Bool { lhs.description < rhs.description }
}

/// A named object in another tenant: the VRF, the L3Out.
public struct TenantObjectRef: Hashable, Sendable, Codable {
    public var tenant: String
    public var name: String
}

public struct Fabric: Sendable {
    /// Ownership tag value: two clusters never touch each other's objects.
    public var clusterName: String
    public var tenant: String
    public var applicationProfile: String
    /// Whether we create and own the application profile (`applicationProfile: {name, owned: false}` to reference one).
    public var ownsApplicationProfile: Bool
    public var bridgeDomain: String
    public var vrf: TenantObjectRef?
    public var vmmDomain: (type: String, name: String)
    public var podCIDRs: [CIDR]
    public var nodeCIDRs: [CIDR]
    public var l3out: TenantObjectRef?
    public var externalPrefixes: [CIDR]
    /// APIC writes per second.
    public var writeRateLimit: Double
    /// Leaf filter rules above which `plan` warns.
    public var ruleBudget: Int
}

public enum Isolation: String, Sendable, Hashable, CaseIterable, Codable {
    case cluster, namespace, deployment
}

public enum Enforcement: String, Sendable, Hashable, CaseIterable, Codable {
    case enforce, warn, audit
}

public enum ForeignAnnotationAction: String, Sendable, Hashable, CaseIterable, Codable {
    case reject, replace
}

/// How a namespace's pods are grouped into EPGs: `defaults`, or a namespace rule over them.
public struct NamespaceSettings: Sendable, Hashable {
    public var isolation: Isolation
    public var enforcement: Enforcement
    /// The shared, referenced EPG under `cluster` isolation.
    public var clusterEPG: EPGRef?
    public var namespaceEPG: NameTemplate
    public var workloadEPG: NameTemplate
    /// The pod labels that define a workload EPG; templates use exactly these.
    public var groupBy: [String]
    /// Where each setting was written, for diagnostics (nil: inherited or built in).
    public var locations: [String: SourceLocation] = [:]

    public static func == (lhs: NamespaceSettings, rhs: NamespaceSettings) -> Bool {
        lhs.isolation == rhs.isolation && lhs.enforcement == rhs.enforcement && lhs.clusterEPG == rhs.clusterEPG
            && lhs.namespaceEPG == rhs.namespaceEPG && lhs.workloadEPG == rhs.workloadEPG && lhs.groupBy == rhs.groupBy
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(isolation)
        hasher.combine(namespaceEPG)
        hasher.combine(workloadEPG)
        hasher.combine(groupBy)
    }
}

/// Which namespaces a rule or peer covers: name globs, a label selector, or both (both must match).
public struct NamespaceMatch: Sendable, Hashable {
    public var names: [Glob]
    public var selector: LabelSelector?

    public init(names: [Glob] = [], selector: LabelSelector? = nil) {
        self.names = names
        self.selector = selector
    }

    public func matches(name: String, labels: [String: String]) -> Bool {
        mismatch(name: name, labels: labels) == nil
    }

    /// Why the namespace does not match, in words; nil when it matches.
    public func mismatch(name: String, labels: [String: String]) -> String? {
        if !names.isEmpty, !names.contains(where: { $0.matches(name) }) {
            return "name \"\(name)\" matches none of [\(names.map(\.pattern).joined(separator: ", "))]"
        }
        if let selector {
            if let failed = selector.firstUnsatisfied(by: labels) {
                let actual = labels[failed.key].map { "\(failed.key)=\($0)" } ?? "label \(failed.key) is absent"
                return "selector requirement \"\(failed)\" does not hold (\(actual))"
            }
            if !selector.matches(labels) { return "selector is invalid and selects nothing" }
        }
        return nil
    }

    /// Why it matches, in words.
    public func matchReason(name: String, labels: [String: String]) -> String {
        var parts: [String] = []
        if let glob = names.first(where: { $0.matches(name) }) {
            parts.append(glob.isLiteral ? "name is \"\(name)\"" : "name \"\(name)\" matches \"\(glob)\"")
        }
        if let selector {
            let requirements = selector.requirements.map(\.description)
            parts.append(requirements.isEmpty ? "empty selector matches every namespace" : "labels satisfy \(requirements.joined(separator: ", "))")
        }
        return parts.joined(separator: " and ")
    }

    /// Whether the match covers every namespace (so later rules can never be reached).
    public var matchesEverything: Bool {
        (names.isEmpty || names.contains { $0.pattern == "*" }) && (selector?.isEmpty ?? true)
    }
}

public struct NamespaceRule: Sendable {
    public var index: Int
    public var name: String?
    public var match: NamespaceMatch
    /// Effective settings: this rule's own over `defaults`.
    public var settings: NamespaceSettings
    public var location: SourceLocation

    /// `namespaces[1] (payments)`.
    public var label: String { "namespaces[\(index)]" + (name.map { " (\($0))" } ?? "") }
}

/// An EPG we reference but do not own, and the contracts it already provides.
public struct Peer: Sendable {
    public enum Kind: Sendable {
        case namespaces(NamespaceMatch, EPGRef)
        case external(name: String)
        case nodes(EPGRef)
    }

    public var index: Int
    public var kind: Kind
    public var provides: [ProvidedContract]
    public var location: SourceLocation

    public var label: String { "peers[\(index)]" }

    public var epg: EPGRef? {
        switch kind {
        case .namespaces(_, let epg), .nodes(let epg): return epg
        case .external: return nil
        }
    }
}

public struct ProvidedContract: Sendable, Hashable {
    public var contract: String
    public var allows: [TrafficSpec]
}

public struct AnnotationPolicy: Sendable {
    public var onForeign: ForeignAnnotationAction
    public var allow: [AllowEntry]
}

/// Who may pin a hand-written EPG: namespaces matching `namespaces` may name EPGs matching `epgs`.
public struct AllowEntry: Sendable {
    public var index: Int
    public var namespaces: [Glob]
    public var epgs: [EPGGlob]
    public var location: SourceLocation

    public func permits(namespace: String, epg: EPGRef) -> Bool {
        namespaces.contains { $0.matches(namespace) } && epgs.contains { $0.matches(epg) }
    }
}
