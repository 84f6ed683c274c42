import KubernetesModel

/// One problem found in the manifests, located at the object and, where possible, at the field.
public struct Finding: Codable, Hashable, Sendable {
    public enum Severity: String, Codable, Hashable, Sendable, Comparable {
        case error, warning, note
        var rank: Int { [.error: 0, .warning: 1, .note: 2][self]! }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    public var file: String
    public var line: Int
    public var column: Int
    public var kind: String
    public var namespace: String
    public var name: String
    /// The field path, e.g. `spec.ingress[0].from[1].podSelector.matchLabels.tier`.
    public var path: String
    public var rule: String
    public var severity: Severity
    public var message: String
    public var fix: String

    public var identity: String { kind == "Namespace" || namespace.isEmpty ? "\(kind) \(name)" : "\(kind) \(namespace)/\(name)" }
}

/// The verdict on one object.
public struct CheckedObject: Codable, Hashable, Sendable {
    public var file: String
    public var line: Int
    public var column: Int
    public var kind: String
    public var namespace: String
    public var name: String
    /// The `opflex.cisco.com/endpoint-group` value it would carry (workloads, pods, namespaces).
    public var epg: String?
    /// What admission does: `annotate`, `unchanged`, `deny`, … for workloads; `accepted`,
    /// `rejected`, `skipped` for NetworkPolicies.
    public var verdict: String
    public var findings: [Finding]

    public var identity: String { kind == "Namespace" || namespace.isEmpty ? "\(kind) \(name)" : "\(kind) \(namespace)/\(name)" }
}

public struct CheckReport: Sendable {
    public var policySource: String
    public var policyHash: String
    public var objects: [CheckedObject]
    /// Problems reading the input (YAML syntax, wrong shapes): exit status 2.
    public var inputErrors: [Finding]
    /// `--strict`: warnings fail the gate too.
    public var strict: Bool

    public var findings: [Finding] { inputErrors + objects.flatMap(\.findings) }
    public var errorCount: Int { findings.filter { $0.severity == .error }.count }
    public var warningCount: Int { findings.filter { $0.severity == .warning }.count }
    public var noteCount: Int { findings.filter { $0.severity == .note }.count }

    /// 0 clean, 1 findings that fail the gate, 2 unreadable input.
    public var exitStatus: Int32 {
        if !inputErrors.isEmpty { return 2 }
        if errorCount > 0 || (strict && warningCount > 0) { return 1 }
        return 0
    }
}
