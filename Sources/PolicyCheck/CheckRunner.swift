import ContractCompiler
import EPGPolicy
import KubernetesModel
import Manifests

/// The GitOps gate: the same engine as the webhook and `plan`, run over manifests.
public struct CheckRunner: Sendable {
    public let policy: Policy
    public var defaultNamespace = "default"
    public var strict = false

    public init(policy: Policy, defaultNamespace: String = "default", strict: Bool = false) {
        self.policy = policy
        self.defaultNamespace = defaultNamespace
        self.strict = strict
    }

    /// - Parameters:
    ///   - manifests: what is checked and reported.
    ///   - inventory: what already runs (e.g. `kubectl get ns,deploy,netpol -A -o yaml`): it supplies
    ///     namespaces, workloads and NetworkPolicies to judge against, but is not reported on.
    public func run(_ manifests: ManifestSet, inventory context: ManifestSet? = nil) -> CheckReport {
        var inventory = Inventory()
        for item in context?.objects ?? [] { inventory.add(item.object, defaultNamespace: defaultNamespace, source: item.location.description) }
        for item in manifests.objects { inventory.add(item.object, defaultNamespace: defaultNamespace, source: item.location.description) }
        let plan = ContractCompiler(policy: policy).compile(inventory)
        let outcomes = Dictionary(plan.outcomes.map { ("\($0.namespace)/\($0.name)", $0) }, uniquingKeysWith: { $1 })
        let resolver = EPGResolver(policy: policy)

        var objects: [CheckedObject] = []
        for item in manifests.objects {
            let object = item.object
            let metadata = object.metadata
            let namespace: String
            if case .namespace = object { namespace = metadata?.name ?? "" } else { namespace = metadata?.namespace ?? defaultNamespace }
            let facts = inventory.namespaces[namespace] ?? NamespaceFacts(name: namespace, known: false)
            var checked = CheckedObject(file: item.location.file, line: item.location.line, column: item.location.column, kind: object.kind,
                                        namespace: namespace, name: metadata?.displayName ?? "(unnamed)", epg: nil, verdict: "ignored", findings: [])
            func finding(_ path: String, _ rule: String, _ severity: Finding.Severity, _ message: String, _ fix: String) -> Finding {
                let location = item.location(of: path)
                return Finding(file: location.file, line: location.line, column: location.column, kind: checked.kind, namespace: checked.namespace,
                               name: checked.name, path: path, rule: rule, severity: severity, message: message, fix: fix)
            }
            let severity = Self.severity(for: resolver.resolve(namespace: facts).enforcement)
            switch object {
            case .networkPolicy(let networkPolicy):
                let id = "\(namespace)/\(networkPolicy.metadata.name ?? "(unnamed)")"
                guard let outcome = outcomes[id] else { break }
                checked.verdict = outcome.status.rawValue
                if outcome.status == .skipped, let note = outcome.note {
                    checked.findings.append(finding("metadata.namespace", "not-enforced", .note, note, "manage this namespace with aci-admission to have its NetworkPolicies enforced"))
                }
                for reason in outcome.reasons {
                    checked.findings.append(finding(reason.path, reason.rule, severity, reason.message, reason.fix))
                }
            default:
                guard let decision = resolver.decide(object, namespace: facts) else { break }
                checked.epg = decision.effectiveEPG.map(EPGAnnotation.value(for:))
                checked.verdict = decision.action.rawValue
                if case .foreign(_, _, let problem, let action) = decision.existing {
                    let path = Self.annotationPath(object)
                    if action == .reject {
                        checked.findings.append(finding(path, "foreign-epg-annotation", severity, problem,
                            "remove the \(EPGAnnotation.key) annotation (aci-admission sets it), or ask the platform team for an annotations.allow entry"))
                    } else {
                        checked.findings.append(finding(path, "foreign-epg-annotation", .warning, problem + "; admission overwrites it",
                            "remove the \(EPGAnnotation.key) annotation: aci-admission sets it"))
                    }
                }
            }
            objects.append(checked)
        }
        let inputErrors = manifests.diagnostics.map { diagnostic in
            Finding(file: diagnostic.location.file, line: diagnostic.location.line, column: diagnostic.location.column, kind: "", namespace: "", name: "",
                    path: "", rule: "input-error", severity: .error, message: diagnostic.message, fix: "correct the manifest")
        }
        return CheckReport(policySource: policy.source, policyHash: policy.hash, objects: objects, inputErrors: inputErrors, strict: strict)
    }

    static func severity(for enforcement: Enforcement) -> Finding.Severity {
        switch enforcement {
        case .enforce: return .error
        case .warn: return .warning
        case .audit: return .note
        }
    }

    /// Where the hand-written EPG annotation is: the pod template's for workloads.
    static func annotationPath(_ object: KubeObject) -> String {
        if case .workload(let workload) = object, workload.podTemplate?.metadata?.annotations?[EPGAnnotation.key] != nil {
            return workload.kind.podTemplatePath.joined(separator: ".") + ".metadata.annotations.\(EPGAnnotation.key)"
        }
        return "metadata.annotations.\(EPGAnnotation.key)"
    }
}
