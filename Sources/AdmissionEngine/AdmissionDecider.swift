import ContractCompiler
import EPGPolicy
import Foundation
import KubernetesModel

/// What the decider knows about the cluster: namespaces (labels for rules), workloads and
/// NetworkPolicies (for expressibility and the namespace reverse check).
public struct ClusterSnapshot: Sendable {
    public var inventory: Inventory
    public init(inventory: Inventory = Inventory()) { self.inventory = inventory }

    public func namespace(_ name: String) -> NamespaceFacts {
        inventory.namespaces[name] ?? NamespaceFacts(name: name, known: false)
    }
}

/// An allowed, non-dry-run write the APIC writer must learn about (the outbox hand-off).
public struct AdmittedChange: Sendable, Equatable {
    public var operation: String
    public var kind: String
    public var namespace: String
    public var name: String
    /// What was admitted (nil on DELETE) and what it replaced (UPDATE, DELETE).
    public var object: AdmissionObject?
    public var oldObject: AdmissionObject?
}

/// The decision on one review: the response and what the server logs, counts and journals.
public struct AdmissionDecision: Sendable {
    public enum Verdict: String, Sendable {
        case allowed, patched, denied, warned
    }

    public var response: AdmissionResponse
    public var verdict: Verdict
    public var kind: String
    public var namespace: String
    public var name: String
    public var operation: String
    public var epg: String?
    public var rule: String?
    public var change: AdmittedChange?
}

/// DESIGN §4: decode → decide → allowed / denied / patched. Pure: policy, snapshot and review in,
/// decision out.
public struct AdmissionDecider: Sendable {
    public enum Endpoint: String, Sendable { case mutate, validate }

    public let policy: Policy
    public init(policy: Policy) { self.policy = policy }

    static let changeKinds: Set<String> = Set(["Namespace", "NetworkPolicy"] + WorkloadKind.allCases.map(\.rawValue))

    public func decide(_ review: AdmissionReview, endpoint: Endpoint, cluster: ClusterSnapshot) -> AdmissionDecision {
        let request = review.request
        let current = request.object ?? request.oldObject
        let kind = request.kind?.kind ?? ""
        let metadata = current?.metadata
        let name = request.name.flatMap { $0.isEmpty ? nil : $0 } ?? metadata?.name
            ?? metadata?.generateName.map { $0 + "*" } ?? ""
        let namespaceName = kind == "Namespace" ? name : (request.namespace ?? metadata?.namespace ?? "default")
        var decision = AdmissionDecision(response: AdmissionResponse(uid: request.uid, allowed: true), verdict: .allowed, kind: kind,
                                         namespace: namespaceName, name: name, operation: request.operation)
        var audit = ["policy-hash": policy.hash]
        let facts: NamespaceFacts
        if kind == "Namespace", let labels = current?.metadata?.labels {
            facts = NamespaceFacts(name: name, labels: labels)
        } else {
            facts = cluster.namespace(namespaceName)
        }
        let resolver = EPGResolver(policy: policy)
        let namespaceResolution = resolver.resolve(namespace: facts)
        if case .exempt = namespaceResolution.assignment {
            decision.response.auditAnnotations = audit.merging(["rule": "exempt"]) { $1 }
            return decision
        }
        let enforcement = namespaceResolution.enforcement
        var findings: [(rule: String, message: String)] = []
        var warnings: [String] = []

        switch (endpoint, request.operation) {
        case (_, "DELETE"), (_, "CONNECT"):
            break
        case (.mutate, _):
            if let (patch, epg, rule, warning) = mutation(kind: kind, request: request, facts: facts, resolver: resolver) {
                decision.epg = epg
                decision.rule = rule
                if let warning { warnings.append(warning) }
                if !patch.isEmpty {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                    decision.response.patch = try! encoder.encode(patch).base64EncodedString()
                    decision.response.patchType = "JSONPatch"
                    decision.verdict = .patched
                }
            }
        case (.validate, _):
            findings = validation(kind: kind, request: request, facts: facts, resolver: resolver, cluster: cluster, decision: &decision)
        }
        if let epg = decision.epg { audit["epg"] = epg }
        if let rule = decision.rule { audit["rule"] = rule }
        if !findings.isEmpty {
            let message = findings.map(\.message).joined(separator: "; ")
            audit["finding"] = AdmissionDecider.short(findings.map(\.rule).joined(separator: ","), limit: 120)
            switch enforcement {
            case .enforce:
                decision.response.allowed = false
                decision.response.status = .init(code: 403, reason: "Forbidden", message: message)
                decision.verdict = .denied
            case .warn:
                warnings += findings.map { AdmissionDecider.short("aci-admission (warn): \($0.message)", limit: 120) }
                decision.verdict = .warned
            case .audit:
                audit["audit"] = AdmissionDecider.short(message, limit: 250)
            }
        }
        if !warnings.isEmpty { decision.response.warnings = warnings.map { AdmissionDecider.short($0, limit: 120) } }
        decision.response.auditAnnotations = audit
        if decision.response.allowed, request.dryRun != true, ["CREATE", "UPDATE", "DELETE"].contains(request.operation),
           AdmissionDecider.changeKinds.contains(kind) {
            decision.change = AdmittedChange(operation: request.operation, kind: kind, namespace: namespaceName, name: name,
                                             object: request.object, oldObject: request.oldObject)
        }
        return decision
    }

    // MARK: mutation

    private func mutation(kind: String, request: AdmissionRequest, facts: NamespaceFacts, resolver: EPGResolver)
        -> (patch: [JSONPatchOperation], epg: String?, rule: String, warning: String?)? {
        guard let admitted = request.object, let object = admitted.typed else { return nil }
        guard let decision = resolver.decide(object, namespace: facts) else { return nil }
        let rule = decision.resolution.ruleLabel
        let epg = decision.effectiveEPG?.description
        var warning: String?
        let write: Bool
        switch decision.action {
        case .annotate: write = !(kind == "Pod" && decision.existing != .absent)
        case .replace:
            write = true
            warning = "aci-admission replaced a hand-written EPG annotation not allowed by the policy (\(rule))"
        default: write = false
        }
        if case .workload(let workload) = object, workload.kind == .job, request.operation != "CREATE" { return ([], epg, rule, nil) }
        guard write, let computed = decision.resolution.epg else { return ([], epg, rule, warning) }
        let desired = [EPGAnnotation.key: EPGAnnotation.value(for: computed), EPGAnnotation.provenanceKey: policy.hash]
        var operations = AnnotationPatch.operations(metadataPath: ["metadata"], metadataExists: admitted.metadata != nil,
                                                    current: admitted.metadata?.annotations, desired: desired)
        if case .workload(let workload) = object, let template = workload.podTemplate {
            operations += AnnotationPatch.operations(metadataPath: workload.kind.podTemplatePath + ["metadata"], metadataExists: template.metadata != nil,
                                                     current: template.metadata?.annotations, desired: desired)
        }
        return (operations, computed.description, rule, warning)
    }

    // MARK: validation

    private func validation(kind: String, request: AdmissionRequest, facts: NamespaceFacts, resolver: EPGResolver,
                            cluster: ClusterSnapshot, decision: inout AdmissionDecision) -> [(rule: String, message: String)] {
        guard let admitted = request.object else { return [] }
        var findings: [(rule: String, message: String)] = []
        let identity = "\(kind) \(kind == "Namespace" ? decision.name : "\(decision.namespace)/\(decision.name)")"
        if kind == "NetworkPolicy" {
            guard case .networkPolicy(let policyObject)? = admitted.typed else {
                return [("invalid-object", "\(identity) is not a valid NetworkPolicy")]
            }
            var networkPolicy = policyObject
            if networkPolicy.metadata.namespace == nil { networkPolicy.metadata.namespace = decision.namespace }
            let checker = ExpressibilityChecker(universe: EndpointUniverse(policy: policy, inventory: cluster.inventory))
            if case .rejected(let reasons) = checker.check(networkPolicy) {
                decision.rule = reasons.first?.rule
                for reason in reasons {
                    findings.append((reason.rule, "\(identity) cannot be enforced by the ACI fabric: \(reason.message). Fix: \(reason.fix)"))
                }
            }
            return findings
        }
        guard let object = admitted.typed, let epgDecision = resolver.decide(object, namespace: facts) else { return [] }
        decision.epg = epgDecision.effectiveEPG?.description
        decision.rule = epgDecision.resolution.ruleLabel
        if epgDecision.action == .deny, case .foreign(_, _, let problem, _) = epgDecision.existing {
            findings.append(("foreign-epg-annotation", "\(identity): \(problem) (\(epgDecision.resolution.ruleLabel), annotations.onForeign: reject). Fix: remove the \(EPGAnnotation.key) annotation, or ask the platform team for an annotations.allow entry"))
        }
        if case .namespace(let namespace) = object {
            if request.operation == "UPDATE", case .namespace(let old)? = request.oldObject?.typed {
                let guarded = policy.namespaceRules.flatMap { rule in (rule.match.selector?.requirements ?? []).map(\.key) }
                let changed = Set(guarded).filter { (old.metadata.labels ?? [:])[$0] != (namespace.metadata.labels ?? [:])[$0] }.sorted()
                let groups = Set(request.userInfo?.groups ?? [])
                if !changed.isEmpty && groups.isDisjoint(with: policy.labelEditors) {
                    findings.append(("guarded-namespace-label", "\(identity): label\(changed.count == 1 ? "" : "s") \(changed.joined(separator: ", ")) decide\(changed.count == 1 ? "s" : "") which policy rule governs the namespace and may be changed only by \(policy.labelEditors.joined(separator: ", ")). Fix: ask the platform team"))
                }
            }
            for breakage in NamespaceChangeCheck(policy: policy).breakages(applying: namespace, to: cluster.inventory) {
                let reason = breakage.reasons.first.map { "\($0.message)" } ?? "it would become inexpressible"
                findings.append(("breaks-network-policy", "\(identity): this change would make NetworkPolicy \(breakage.policy) impossible to enforce: \(reason). Fix: change the labels, or change the NetworkPolicy first"))
            }
        }
        if kind == "Pod", request.operation == "UPDATE", let old = request.oldObject,
           case .governed(_, let settings) = epgDecision.resolution.namespace.assignment, settings.isolation == .deployment {
            let before = old.metadata?.labels ?? [:], after = admitted.metadata?.labels ?? [:]
            let changed = settings.groupBy.filter { before[$0] != after[$0] }
            if !changed.isEmpty {
                findings.append(("groupby-label-change", "\(identity): label\(changed.count == 1 ? "" : "s") \(changed.joined(separator: ", ")) choose\(changed.count == 1 ? "s" : "") the pod's EPG (groupBy) and cannot change on a running pod. Fix: change the pod template of its workload instead"))
            }
        }
        return findings
    }

    // MARK: helpers

    /// Warnings and annotations are short and free of control characters.
    static func short(_ text: String, limit: Int) -> String {
        var clean = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let category = scalar.properties.generalCategory
            clean.append(category == .control || category == .format ? " " : scalar)
        }
        let result = String(clean)
        return result.count <= limit ? result : String(result.prefix(limit - 1)) + "…"
    }
}
