import KubernetesModel

/// What the resolver knows about a namespace: its name and its labels (including the implicit
/// `kubernetes.io/metadata.name`). `known: false` when only the name is known.
public struct NamespaceFacts: Sendable, Hashable {
    public var name: String
    public var labels: [String: String]
    public var known: Bool

    public init(name: String, labels: [String: String]? = nil, known: Bool = true) {
        self.name = name
        self.labels = Namespace.effectiveLabels(name: name, labels: labels)
        self.known = known
    }

    public init(_ namespace: Namespace) {
        self.init(name: namespace.metadata.name ?? "", labels: namespace.metadata.labels)
    }
}

/// Which part of the policy governs a namespace.
public enum NamespaceAssignment: Sendable {
    /// Listed in `exempt.namespaces`: never mutated or validated.
    case exempt(pattern: Glob)
    /// Matched by a peer: keeps the peer's existing EPG.
    case peer(Peer)
    /// A namespace rule, or `defaults` (rule nil), with the settings that apply.
    case governed(rule: NamespaceRule?, settings: NamespaceSettings)
}

public struct NamespaceResolution: Sendable {
    public var namespace: NamespaceFacts
    public var assignment: NamespaceAssignment
    /// One line per rule considered, in order, ending with the one that decided.
    public var reasons: [String]

    /// `namespaces[1] (payments)`, `defaults`, `peers[0]` or `exempt`.
    public var ruleLabel: String {
        switch assignment {
        case .exempt: return "exempt"
        case .peer(let peer): return peer.label
        case .governed(let rule, _): return rule?.label ?? "defaults"
        }
    }

    public var enforcement: Enforcement {
        if case .governed(_, let settings) = assignment { return settings.enforcement }
        return .enforce
    }
}

/// How the EPG was chosen.
public enum EPGSource: Sendable, Hashable {
    case clusterEPG
    case namespaceEPG
    case workloadEPG(group: [String: String])
    /// Deployment isolation, but the pods lack these `groupBy` labels: they share the namespace EPG.
    case namespaceFallback(missing: [String])
    case peer
}

public struct EPGResolution: Sendable {
    public var namespace: NamespaceResolution
    /// The EPG the policy computes; nil for exempt namespaces.
    public var epg: EPGRef?
    public var source: EPGSource?
    public var reasons: [String]
    /// Whether the webhook writes the annotation (false for exempt and peer namespaces, whose EPG
    /// is someone else's to set).
    public var annotates: Bool

    public var ruleLabel: String { namespace.ruleLabel }
    public var enforcement: Enforcement { namespace.enforcement }
}

/// What to make of an EPG annotation already on an object.
public enum ExistingAnnotation: Sendable, Equatable {
    case absent
    /// Equal to the computed EPG.
    case matches
    /// Written by the webhook (provenance stamp) for another EPG, e.g. under an older policy: rewritten.
    case stale(previous: String)
    /// Hand-written, different, and permitted by `annotations.allow[index]`: kept.
    case pinned(EPGRef, allowIndex: Int)
    /// Hand-written, different and not permitted: `onForeign` decides.
    case foreign(value: String, parsed: EPGRef?, problem: String, action: ForeignAnnotationAction)
}

/// What admission does about an object's EPG annotation.
public enum EPGAction: String, Sendable, Hashable, Codable {
    /// Write the computed annotation (it is missing, or stale from an older policy).
    case annotate
    /// The object already carries the right EPG.
    case unchanged
    /// The namespace is exempt: never mutated or validated.
    case exempt
    /// A peer namespace: it keeps the peer's EPG, which is not ours to write.
    case peer
    /// A hand-written EPG that `annotations.allow` permits: kept.
    case pinned
    /// A forbidden hand-written EPG under `onForeign: reject`.
    case deny
    /// A forbidden hand-written EPG under `onForeign: replace`: overwritten, with a warning.
    case replace
    /// Created by a controller (a Deployment's ReplicaSet, a CronJob's Job): its template comes from
    /// the owner, and changing it would make the controller loop.
    case controllerOwned = "controller-owned"
    /// The policy computes no EPG (cluster isolation without a clusterEPG).
    case none
}

/// The full verdict on one object's EPG.
public struct EPGDecision: Sendable {
    public var resolution: EPGResolution
    public var existing: ExistingAnnotation
    public var action: EPGAction
    /// The EPG the object ends up in: the pinned one, else the computed one.
    public var effectiveEPG: EPGRef?
    public var reasons: [String]
}

/// EPG resolution per DESIGN §3: a pure function of the policy and the object.
public struct EPGResolver: Sendable {
    public let policy: Policy

    public init(policy: Policy) { self.policy = policy }

    /// Steps 1 of DESIGN §3: exempt, then peers, then the first matching namespace rule, else defaults.
    public func resolve(namespace: NamespaceFacts) -> NamespaceResolution {
        var reasons: [String] = []
        if !namespace.known {
            reasons.append("namespace \"\(namespace.name)\" is not in the input: judged by its name and implicit \(LabelSyntax.namespaceNameLabel) label only")
        }
        if let glob = policy.exemptNamespaces.first(where: { $0.matches(namespace.name) }) {
            reasons.append("exempt.namespaces: \"\(glob)\" matches \"\(namespace.name)\"; objects here are never mutated or validated")
            return NamespaceResolution(namespace: namespace, assignment: .exempt(pattern: glob), reasons: reasons)
        }
        for peer in policy.peers {
            guard case .namespaces(let match, let epg) = peer.kind else { continue }
            if let why = match.mismatch(name: namespace.name, labels: namespace.labels) {
                reasons.append("\(peer.label): no match: \(why)")
            } else {
                reasons.append("\(peer.label): \(match.matchReason(name: namespace.name, labels: namespace.labels)); a peer namespace keeps its EPG \(epg)")
                return NamespaceResolution(namespace: namespace, assignment: .peer(peer), reasons: reasons)
            }
        }
        for rule in policy.namespaceRules {
            if let why = rule.match.mismatch(name: namespace.name, labels: namespace.labels) {
                reasons.append("\(rule.label): no match: \(why)")
            } else {
                reasons.append("\(rule.label): matches: \(rule.match.matchReason(name: namespace.name, labels: namespace.labels)) (first match wins)")
                return NamespaceResolution(namespace: namespace, assignment: .governed(rule: rule, settings: rule.settings), reasons: reasons)
            }
        }
        reasons.append(policy.namespaceRules.isEmpty ? "no namespace rules: defaults apply" : "no namespace rule matches: defaults apply")
        return NamespaceResolution(namespace: namespace, assignment: .governed(rule: nil, settings: policy.defaults), reasons: reasons)
    }

    /// Step 2 of DESIGN §3. `podLabels` nil resolves the namespace's own EPG (what a Namespace
    /// object is annotated with); otherwise the EPG of pods carrying those labels.
    public func resolve(namespace: NamespaceFacts, podLabels: [String: String]?) -> EPGResolution {
        resolve(namespace: resolve(namespace: namespace), podLabels: podLabels)
    }

    public func resolve(namespace resolution: NamespaceResolution, podLabels: [String: String]?) -> EPGResolution {
        var reasons = resolution.reasons
        switch resolution.assignment {
        case .exempt:
            return EPGResolution(namespace: resolution, epg: nil, source: nil, reasons: reasons, annotates: false)
        case .peer(let peer):
            return EPGResolution(namespace: resolution, epg: peer.epg, source: .peer, reasons: reasons, annotates: false)
        case .governed(_, let settings):
            let namespaceName = resolution.namespace.name
            func namespaceEPG() -> EPGRef {
                let rendered = settings.namespaceEPG.render(namespace: namespaceName, labels: [:]) ?? namespaceName
                return ourEPG(rendered, template: settings.namespaceEPG, reasons: &reasons)
            }
            switch settings.isolation {
            case .cluster:
                reasons.append("isolation: cluster: every pod gets the shared EPG \(settings.clusterEPG.map(\.description) ?? "(unset)")")
                return EPGResolution(namespace: resolution, epg: settings.clusterEPG, source: .clusterEPG, reasons: reasons, annotates: settings.clusterEPG != nil)
            case .namespace:
                reasons.append("isolation: namespace: every pod of \"\(namespaceName)\" gets the namespace EPG")
                return EPGResolution(namespace: resolution, epg: namespaceEPG(), source: .namespaceEPG, reasons: reasons, annotates: true)
            case .deployment:
                guard let podLabels else {
                    reasons.append("isolation: deployment: the namespace itself carries the namespace EPG (pods without all groupBy labels fall back to it)")
                    return EPGResolution(namespace: resolution, epg: namespaceEPG(), source: .namespaceEPG, reasons: reasons, annotates: true)
                }
                let missing = settings.groupBy.filter { podLabels[$0] == nil }
                if !missing.isEmpty {
                    reasons.append("isolation: deployment, but the pod labels lack groupBy key(s) \(missing.joined(separator: ", ")): falls back to the namespace EPG")
                    return EPGResolution(namespace: resolution, epg: namespaceEPG(), source: .namespaceFallback(missing: missing), reasons: reasons, annotates: true)
                }
                let group = Dictionary(uniqueKeysWithValues: settings.groupBy.map { ($0, podLabels[$0]!) })
                reasons.append("isolation: deployment: pod labels carry every groupBy key: " + settings.groupBy.map { "\($0)=\(podLabels[$0]!)" }.joined(separator: ", "))
                let rendered = settings.workloadEPG.render(namespace: namespaceName, labels: podLabels)!
                let epg = ourEPG(rendered, template: settings.workloadEPG, reasons: &reasons)
                return EPGResolution(namespace: resolution, epg: epg, source: .workloadEPG(group: group), reasons: reasons, annotates: true)
            }
        }
    }

    private func ourEPG(_ rendered: String, template: NameTemplate, reasons: inout [String]) -> EPGRef {
        let name = APICName.fit(rendered)
        if name == rendered {
            reasons.append("template \"\(template)\" renders \"\(name)\"")
        } else {
            reasons.append("template \"\(template)\" renders \"\(rendered)\" (\(rendered.utf8.count) characters), shortened to the APIC's 64 with a hash suffix: \"\(name)\"")
        }
        return EPGRef(tenant: policy.fabric.tenant, applicationProfile: policy.fabric.applicationProfile, name: name)
    }

    /// Step 3 of DESIGN §3: judges the annotations already on the object against the computed EPG.
    public func judge(annotations: [String: String]?, resolution: EPGResolution) -> ExistingAnnotation {
        guard let value = annotations?[EPGAnnotation.key] else { return .absent }
        guard let computed = resolution.epg else { return .matches }
        let parsed = try? EPGAnnotation.parse(value)
        if parsed == computed { return .matches }
        if annotations?[EPGAnnotation.provenanceKey] != nil { return .stale(previous: value) }
        let namespace = resolution.namespace.namespace.name
        let problem: String
        switch Result(catching: { try EPGAnnotation.parse(value) }) {
        case .failure(let error):
            problem = "the \(EPGAnnotation.key) annotation \(error)"
        case .success(let epg):
            if let entry = policy.annotations.allow.first(where: { $0.permits(namespace: namespace, epg: epg) }) {
                return .pinned(epg, allowIndex: entry.index)
            }
            problem = "hand-written EPG \(epg) differs from the computed \(computed), and no annotations.allow entry permits namespace \"\(namespace)\" to use it"
        }
        return .foreign(value: value, parsed: parsed, problem: problem, action: policy.annotations.onForeign)
    }

    /// The decision for one object in its namespace: the computed EPG, the verdict on any annotation
    /// already present (on the object and, for workloads, on the pod template), and the result.
    public func decide(_ object: KubeObject, namespace: NamespaceFacts) -> EPGDecision? {
        let namespaceResolution = resolve(namespace: namespace)
        let resolution: EPGResolution
        var annotationSets: [(String, [String: String]?)]
        switch object {
        case .namespace(let ns):
            resolution = resolve(namespace: namespaceResolution, podLabels: nil)
            annotationSets = [("metadata.annotations", ns.metadata.annotations)]
        case .pod(let pod):
            resolution = resolve(namespace: namespaceResolution, podLabels: pod.metadata.labels ?? [:])
            annotationSets = [("metadata.annotations", pod.metadata.annotations)]
        case .workload(let workload):
            resolution = resolve(namespace: namespaceResolution, podLabels: workload.podLabels)
            let templatePath = workload.kind.podTemplatePath.joined(separator: ".") + ".metadata.annotations"
            annotationSets = [(templatePath, workload.podTemplate?.metadata?.annotations), ("metadata.annotations", workload.metadata.annotations)]
        case .networkPolicy, .other:
            return nil
        }
        var reasons = resolution.reasons
        var verdict = ExistingAnnotation.absent
        var verdictPlace = ""
        for (place, annotations) in annotationSets {
            let judged = judge(annotations: annotations, resolution: resolution)
            if judged.severity > verdict.severity { verdict = judged; verdictPlace = place }
        }
        var effective = resolution.epg
        var action: EPGAction
        switch (resolution.namespace.assignment, verdict) {
        case (.exempt, _): action = .exempt
        case (.peer, _): action = .peer
        case (_, .foreign(_, _, _, let onForeign)): action = onForeign == .reject ? .deny : .replace
        case (_, .pinned): action = .pinned
        case (_, .matches): action = .unchanged
        case (_, .stale): action = object.kind == "Pod" ? .unchanged : .annotate
        case (_, .absent): action = resolution.epg == nil ? .none : .annotate
        }
        if case .workload(let workload) = object, workload.isControllerOwned, action != .exempt, action != .peer {
            reasons.append("owned by \(workload.metadata.controllerReference?.kind ?? "a controller") \"\(workload.metadata.controllerReference?.name ?? "?")\": never mutated, its template comes from the owner")
            action = .controllerOwned
        }
        if case .pod = object, case .stale = verdict {
            reasons.append("a running pod keeps the EPG it was created with; pods are annotated only when the annotation is missing")
        }
        switch verdict {
        case .absent: break
        case .matches: reasons.append("\(verdictPlace) already carries this EPG")
        case .stale(let previous): reasons.append("\(verdictPlace) carries \(previous) written by aci-admission under another policy: it is rewritten")
        case .pinned(let epg, let index):
            reasons.append("\(verdictPlace) pins \(epg), permitted by annotations.allow[\(index)]: kept")
            effective = epg
        case .foreign(_, _, let problem, let action):
            let outcome: String
            switch (action, resolution.enforcement) {
            case (.replace, _): outcome = "the annotation is overwritten, with a warning"
            case (.reject, .enforce): outcome = "the object is denied"
            case (.reject, .warn): outcome = "an admission warning (enforcement: warn), the object is allowed"
            case (.reject, .audit): outcome = "logged and counted only (enforcement: audit)"
            }
            reasons.append("\(verdictPlace): \(problem); annotations.onForeign: \(action.rawValue) → \(outcome)")
        }
        return EPGDecision(resolution: resolution, existing: verdict, action: action, effectiveEPG: effective, reasons: reasons)
    }
}

extension ExistingAnnotation {
    /// Orders verdicts by how much they demand attention, so the worst place is reported.
    var severity: Int {
        switch self {
        case .absent: return 0
        case .matches: return 1
        case .stale: return 2
        case .pinned: return 3
        case .foreign: return 4
        }
    }
}
