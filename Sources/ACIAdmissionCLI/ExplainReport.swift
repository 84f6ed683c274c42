import EPGPolicy
import Foundation
import KubernetesModel
import Manifests

/// The `explain` report: one entry per Namespace, workload and Pod, in input order.
public struct ExplainReport: Sendable {
    public struct Entry: Encodable, Sendable {
        public var kind: String
        public var namespace: String
        public var name: String
        public var location: String
        /// The `opflex.cisco.com/endpoint-group` value the object would carry; nil when none applies.
        public var annotation: String?
        public var epg: EPGRef?
        public var rule: String
        public var isolation: String?
        public var enforcement: String
        public var action: EPGAction
        public var reasons: [String]
    }

    public var policySource: String
    public var policyHash: String
    public var entries: [Entry]
    /// Objects of other kinds, which explain does not cover (NetworkPolicies are judged by `plan`/`check`).
    public var skipped: [String: Int]

    public static func build(policy: Policy, objects: [ManifestObject], defaultNamespace: String) -> ExplainReport {
        var namespaces: [String: NamespaceFacts] = [:]
        for item in objects {
            if case .namespace(let ns) = item.object, let name = ns.metadata.name { namespaces[name] = NamespaceFacts(ns) }
        }
        let resolver = EPGResolver(policy: policy)
        var entries: [Entry] = []
        var skipped: [String: Int] = [:]
        for item in objects {
            let metadata = item.object.metadata
            let namespaceName: String
            if case .namespace = item.object {
                namespaceName = metadata?.name ?? ""
            } else {
                namespaceName = metadata?.namespace ?? defaultNamespace
            }
            let facts = namespaces[namespaceName] ?? NamespaceFacts(name: namespaceName, known: false)
            guard let decision = resolver.decide(item.object, namespace: facts) else {
                skipped[item.object.kind, default: 0] += 1
                continue
            }
            let isolation: String?
            if case .governed(_, let settings) = decision.resolution.namespace.assignment { isolation = settings.isolation.rawValue } else { isolation = nil }
            entries.append(Entry(
                kind: item.object.kind,
                namespace: namespaceName,
                name: metadata?.displayName ?? "(unnamed)",
                location: item.location.description,
                annotation: decision.effectiveEPG.map(EPGAnnotation.value(for:)),
                epg: decision.effectiveEPG,
                rule: decision.resolution.ruleLabel,
                isolation: isolation,
                enforcement: decision.resolution.enforcement.rawValue,
                action: decision.action,
                reasons: decision.reasons))
        }
        return ExplainReport(policySource: policy.source, policyHash: policy.hash, entries: entries, skipped: skipped)
    }

    public func text() -> String {
        var out = ""
        for entry in entries {
            let identity = entry.kind == "Namespace" ? "Namespace \(entry.name)" : "\(entry.kind) \(entry.namespace)/\(entry.name)"
            out += "\(identity)  (\(entry.location))\n"
            out += "  EPG:    \(entry.annotation ?? "none")\n"
            var rule = "  rule:   \(entry.rule)"
            if let isolation = entry.isolation { rule += ", isolation \(isolation), enforcement \(entry.enforcement)" }
            out += rule + "\n"
            out += "  action: \(entry.action.rawValue)\n"
            out += "  why:\n"
            for reason in entry.reasons { out += "    - \(reason)\n" }
            out += "\n"
        }
        let skippedText = skipped.isEmpty ? "" : "; not covered by explain: " + skipped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        out += "\(entries.count) object\(entries.count == 1 ? "" : "s") explained with policy \(policySource) (\(policyHash))\(skippedText)\n"
        return out
    }

    public func json() -> String {
        struct Document: Encodable {
            var policy: String
            var policyHash: String
            var objects: [Entry]
            var skipped: [String: Int]
        }
        return JSONOutput.encode(Document(policy: policySource, policyHash: policyHash, objects: entries, skipped: skipped))
    }
}
