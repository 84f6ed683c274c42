import KubernetesModel

/// The semantic checks of DESIGN §2 on a parsed policy. Each is a proof over the policy's rules,
/// not a sample of today's objects.
final class PolicyLint {
    let policy: Policy
    let reader: PolicyReader
    /// Template problems already reported: a rule that inherits a template from `defaults` has the
    /// same problem, and it is reported once.
    private var reportedTemplates: Set<String> = []

    init(policy: Policy, reader: PolicyReader) {
        self.policy = policy
        self.reader = reader
    }

    private func firstReport(_ key: String) -> Bool { reportedTemplates.insert(key).inserted }

    /// EPG names the ACI CNI creates for itself: no namespace may be pinned into them.
    static let systemEPGNames = ["aci-containers-system", "aci-containers-nodes", "aci-containers-istio",
                                 "kube-system", "kube-nodes", "kube-istio"]

    /// A settings scope: `defaults` or one namespace rule.
    struct Context {
        var id: Int  // -1: defaults
        var label: String
        var settings: NamespaceSettings
        var location: SourceLocation
    }

    /// A template some namespace's pods are actually named with.
    struct UsedTemplate {
        var context: Context
        var role: String
        var template: NameTemplate
        var location: SourceLocation
        var describe: String { "\(context.label).\(role) \"\(template)\"" }
    }

    func run() {
        let contexts = reachableContexts()
        var used: [UsedTemplate] = []
        for context in contexts {
            used += checkContext(context)
        }
        checkCollisions(used)
        checkFixedNames(used)
        checkAllowList()
    }

    private func diagnose(_ severity: PolicyDiagnostic.Severity, _ location: SourceLocation, _ message: String, hint: String? = nil) {
        let diagnostic = PolicyDiagnostic(severity, location, message, hint: hint)
        if !reader.diagnostics.contains(diagnostic) { reader.add(diagnostic) }
    }

    /// `defaults` and the rules, minus rules after one that matches every namespace (reported).
    private func reachableContexts() -> [Context] {
        var contexts: [Context] = []
        var catchAll: NamespaceRule?
        for rule in policy.namespaceRules {
            if let catchAll {
                diagnose(.warning, rule.location, "\(rule.label) is never used: \(catchAll.label) matches every namespace first",
                         hint: "rules are tried in order and the first match wins; move this rule above \(catchAll.label)")
                continue
            }
            contexts.append(Context(id: rule.index, label: rule.label, settings: rule.settings, location: rule.location))
            if rule.match.matchesEverything { catchAll = rule }
        }
        if catchAll == nil {
            let location = policy.defaults.locations["isolation"] ?? SourceLocation(file: policy.source, line: 1, column: 1)
            contexts.insert(Context(id: -1, label: "defaults", settings: policy.defaults, location: location), at: 0)
        }
        return contexts
    }

    private func checkContext(_ context: Context) -> [UsedTemplate] {
        let settings = context.settings
        func at(_ key: String) -> SourceLocation { settings.locations[key] ?? context.location }
        var used: [UsedTemplate] = []
        switch settings.isolation {
        case .cluster:
            if settings.clusterEPG == nil {
                diagnose(.error, at("isolation"), "\(context.label) uses cluster isolation but no clusterEPG is set",
                         hint: "set clusterEPG: {tenant: …, applicationProfile: …, name: aci-containers-default} here or in defaults")
            }
            return []
        case .namespace:
            used.append(UsedTemplate(context: context, role: "namespaceEPG", template: settings.namespaceEPG, location: at("namespaceEPG")))
        case .deployment:
            used.append(UsedTemplate(context: context, role: "namespaceEPG", template: settings.namespaceEPG, location: at("namespaceEPG")))
            used.append(UsedTemplate(context: context, role: "workloadEPG", template: settings.workloadEPG, location: at("workloadEPG")))
            if settings.groupBy.isEmpty {
                diagnose(.error, at("groupBy"), "\(context.label) uses deployment isolation with an empty groupBy",
                         hint: "list the pod labels that define a workload, e.g. groupBy: [app]")
            }
            let keys = settings.workloadEPG.labelKeys
            let missing = settings.groupBy.filter { !keys.contains($0) }
            let extra = keys.filter { !settings.groupBy.contains($0) }
            if (!missing.isEmpty || !extra.isEmpty), firstReport("groupBy|\(settings.workloadEPG)|\(settings.groupBy)") {
                var parts: [String] = []
                if !missing.isEmpty { parts.append("does not use groupBy key(s) \(missing.joined(separator: ", "))") }
                if !extra.isEmpty { parts.append("uses label(s) \(extra.joined(separator: ", ")) that are not in groupBy") }
                let suggested = "{namespace}." + settings.groupBy.map { "{label:\($0)}" }.joined(separator: ":")
                // Where the mismatch was introduced: whichever of the two settings was written last.
                let location = max(at("workloadEPG"), at("groupBy"))
                diagnose(.error, location, "\(context.label).workloadEPG \"\(settings.workloadEPG)\" \(parts.joined(separator: " and ")) (groupBy: [\(settings.groupBy.joined(separator: ", "))])",
                         hint: "a workload template must use exactly its groupBy keys, e.g. workloadEPG: \"\(suggested)\"")
            }
        }
        if !settings.namespaceEPG.labelKeys.isEmpty, firstReport("labels|\(settings.namespaceEPG)") {
            diagnose(.error, at("namespaceEPG"), "\(context.label).namespaceEPG \"\(settings.namespaceEPG)\" uses pod labels, but one namespace EPG holds every pod of the namespace",
                     hint: "use only {namespace} and literal text, e.g. \"{namespace}\"")
        }
        for item in used where firstReport("\(item.role)|\(item.template)") {
            if item.template.canRenderEmpty {
                diagnose(.error, item.location, "\(item.describe) can render an empty EPG name",
                         hint: "add literal text or {namespace}, e.g. \"{namespace}.\(item.template)\"")
            } else if !item.template.isInjective {
                diagnose(.error, item.location, "\(item.describe) is ambiguous: different label values can render the same name",
                         hint: "separate placeholders with ':', which label values cannot contain, e.g. \"{namespace}.{label:a}:{label:b}\"")
            }
            if !item.template.usesNamespace {
                diagnose(.warning, item.location, "\(item.describe) has no {namespace}: every namespace \(context.label) matches shares its EPGs",
                         hint: "NetworkPolicies can then only select these pods as a whole; add {namespace} to keep namespaces apart")
            }
        }
        return used
    }

    /// No two (namespace, group) pairs may render the same EPG name.
    private func checkCollisions(_ used: [UsedTemplate]) {
        for (i, first) in used.enumerated() {
            for second in used[(i + 1)...] {
                let sameContext = first.context.id == second.context.id
                let bothPrefixed = first.template.isNamespacePrefixed && second.template.isNamespacePrefixed
                var a = first.template, b = second.template
                if first.template == second.template {
                    // The same injective template renders distinct names for distinct inputs, and a
                    // namespace only ever uses one context.
                    continue
                }
                if bothPrefixed {
                    // Both recover the namespace identically, so a shared name means a shared namespace,
                    // which means a shared context; compare what follows the namespace.
                    if !sameContext { continue }
                    a = NameTemplate(segments: Array(a.segments.dropFirst()))
                    b = NameTemplate(segments: Array(b.segments.dropFirst()))
                }
                guard let word = NameLanguage.commonWord(NameLanguage(template: a), NameLanguage(template: b)) else { continue }
                let example = bothPrefixed ? "<namespace>\(word)" : word
                diagnose(.error, second.location, "EPG names can collide: \(first.describe) and \(second.describe) can both render \"\(example)\"",
                         hint: "start every template with {namespace} followed by '.', which namespace names cannot contain, and keep the parts after it distinct")
            }
        }
    }

    /// Generated names must not land on an EPG that exists for another purpose in the same profile.
    private func checkFixedNames(_ used: [UsedTemplate]) {
        var fixed: [(EPGRef, String)] = policy.peers.compactMap { peer in peer.epg.map { ($0, "the EPG of \(peer.label)") } }
        if let epg = policy.defaults.clusterEPG { fixed.append((epg, "defaults.clusterEPG")) }
        for rule in policy.namespaceRules { if let epg = rule.settings.clusterEPG { fixed.append((epg, "\(rule.label).clusterEPG")) } }
        var seen = Set<EPGRef>()
        fixed = fixed.filter { seen.insert($0.0).inserted }  // rules inherit defaults.clusterEPG: report it once
        for (epg, what) in fixed where epg.tenant == policy.fabric.tenant && epg.applicationProfile == policy.fabric.applicationProfile {
            for item in used {
                if NameLanguage.commonWord(NameLanguage(template: item.template), NameLanguage(literal: epg.name)) != nil {
                    diagnose(.error, item.location, "\(item.describe) can render \"\(epg.name)\", which is \(what) in the same application profile",
                             hint: "give generated EPGs a name that cannot match it, or keep referenced EPGs in another application profile")
                }
            }
        }
    }

    /// `annotations.allow` may not let anyone pin pods into peer, node or system EPGs.
    private func checkAllowList() {
        let protected: [(EPGRef, String)] = policy.peers.compactMap { peer in peer.epg.map { ($0, "the EPG of \(peer.label)") } }
        for entry in policy.annotations.allow {
            for glob in entry.epgs {
                if let (epg, what) = protected.first(where: { glob.matches($0.0) }) {
                    diagnose(.error, entry.location, "annotations.allow[\(entry.index)] pattern \"\(glob)\" matches \(epg), \(what)",
                             hint: "pinning pods into a peer or node EPG gives them its contracts; narrow the pattern")
                } else if let system = Self.systemEPGNames.first(where: { glob.name.matches($0) }) {
                    diagnose(.error, entry.location, "annotations.allow[\(entry.index)] pattern \"\(glob)\" matches the ACI CNI system EPG name \"\(system)\"",
                             hint: "narrow the EPG part of the pattern, e.g. \"\(glob.tenant)/\(glob.applicationProfile)/lab-*\"")
                }
            }
        }
    }
}

extension NameTemplate {
    init(segments: [Segment]) {
        self.segments = segments
        source = segments.map { segment -> String in
            switch segment {
            case .literal(let text): return text
            case .namespace: return "{namespace}"
            case .label(let key): return "{label:\(key)}"
            }
        }.joined()
    }
}
