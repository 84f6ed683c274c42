import Foundation
import KubernetesModel
import Testing
@testable import EPGPolicy

@Suite struct EPGResolverTests {
    static let body = PolicyFixtures.peers + """
    defaults:
      isolation: namespace
      clusterEPG: {tenant: kube, applicationProfile: aci-containers-kube, name: aci-containers-default}
    namespaces:
      - name: payments
        match: {selector: {matchLabels: {team: payments}}}
        isolation: deployment
        groupBy: [app, tier]
        enforcement: warn
      - name: shop
        match: {names: [shop, shop-*]}
        isolation: deployment
        groupBy: [app]
      - name: shop-legacy
        match: {names: [shop-legacy]}
        isolation: cluster
      - name: legacy
        match: {selector: {matchExpressions: [{key: tier, operator: In, values: [legacy]}]}}
        isolation: cluster
    annotations:
      onForeign: reject
      allow:
        - namespaces: [lab-*]
          epgs: ["kube/aci-admission/lab-*"]
    exempt:
      namespaces: [aci-admission]

    """

    let policy: Policy
    let resolver: EPGResolver

    init() throws {
        policy = try PolicyFixtures.policy(Self.body)
        resolver = EPGResolver(policy: policy)
    }

    func epg(_ name: String) -> EPGRef { EPGRef(tenant: "kube", applicationProfile: "aci-admission", name: name) }

    func pod(_ namespace: String, labels: [String: String] = [:], annotations: [String: String]? = nil) -> KubeObject {
        .pod(Pod(apiVersion: "v1", kind: "Pod", metadata: ObjectMeta(name: "p", namespace: namespace, labels: labels, annotations: annotations), spec: nil))
    }

    func deployment(_ namespace: String, labels: [String: String], templateAnnotations: [String: String]? = nil, owner: OwnerReference? = nil) -> KubeObject {
        .workload(Workload(kind: .deployment, metadata: ObjectMeta(name: "d", namespace: namespace, ownerReferences: owner.map { [$0] }),
                           podTemplate: PodTemplateSpec(metadata: ObjectMeta(labels: labels, annotations: templateAnnotations))))
    }

    @Test func namespaceIsolation() throws {
        let result = resolver.resolve(namespace: NamespaceFacts(name: "analytics"), podLabels: ["app": "x"])
        #expect(result.epg == epg("analytics"))
        #expect(result.source == .namespaceEPG)
        #expect(result.ruleLabel == "defaults")
        #expect(result.reasons.last == "template \"{namespace}\" renders \"analytics\"")
    }

    @Test func clusterIsolation() {
        let result = resolver.resolve(namespace: NamespaceFacts(name: "batch", labels: ["tier": "legacy"]), podLabels: ["app": "x"])
        #expect(result.epg == EPGRef(tenant: "kube", applicationProfile: "aci-containers-kube", name: "aci-containers-default"))
        #expect(result.source == .clusterEPG)
        #expect(result.ruleLabel == "namespaces[3] (legacy)")
    }

    @Test func deploymentIsolationGroupsByLabels() {
        let result = resolver.resolve(namespace: NamespaceFacts(name: "shop"), podLabels: ["app": "web", "version": "2"])
        #expect(result.epg == epg("shop.web"))
        #expect(result.source == .workloadEPG(group: ["app": "web"]))
    }

    @Test func multiKeyGroupByAndFallback() {
        let facts = NamespaceFacts(name: "pay", labels: ["team": "payments"])
        let full = resolver.resolve(namespace: facts, podLabels: ["app": "api", "tier": "backend"])
        #expect(full.epg == epg("pay.api:backend"))
        let partial = resolver.resolve(namespace: facts, podLabels: ["app": "api"])
        #expect(partial.epg == epg("pay"))
        #expect(partial.source == .namespaceFallback(missing: ["tier"]))
        #expect(partial.reasons.contains("isolation: deployment, but the pod labels lack groupBy key(s) tier: falls back to the namespace EPG"))
        #expect(partial.enforcement == .warn)
    }

    @Test func firstMatchWins() {
        // shop-legacy matches both `shop-*` (rule 1) and `shop-legacy` (rule 2): rule 1 wins.
        let result = resolver.resolve(namespace: NamespaceFacts(name: "shop-legacy"), podLabels: ["app": "a"])
        #expect(result.ruleLabel == "namespaces[1] (shop)")
        #expect(result.epg == epg("shop-legacy.a"))
        #expect(result.reasons.contains("namespaces[0] (payments): no match: selector requirement \"team In (payments)\" does not hold (label team is absent)"))
        #expect(result.reasons.contains("namespaces[1] (shop): matches: name \"shop-legacy\" matches \"shop-*\" (first match wins)"))
    }

    @Test func namespaceLabelsSelectTheRule() {
        let withLabel = resolver.resolve(namespace: NamespaceFacts(name: "ledger", labels: ["team": "payments"]))
        #expect(withLabel.ruleLabel == "namespaces[0] (payments)")
        let withoutLabel = resolver.resolve(namespace: NamespaceFacts(name: "ledger", labels: ["team": "web"]))
        #expect(withoutLabel.ruleLabel == "defaults")
        #expect(withoutLabel.reasons.first == "peers[0]: no match: name \"ledger\" matches none of [kube-system]")
    }

    @Test func peerNamespaceKeepsPeerEPG() throws {
        let decision = try #require(resolver.decide(pod("kube-system"), namespace: NamespaceFacts(name: "kube-system")))
        #expect(decision.action == .peer)
        #expect(decision.effectiveEPG == EPGRef(tenant: "kube", applicationProfile: "aci-containers-kube", name: "aci-containers-system"))
        #expect(!decision.resolution.annotates)
    }

    @Test func exemptNamespace() throws {
        let decision = try #require(resolver.decide(pod("aci-admission"), namespace: NamespaceFacts(name: "aci-admission")))
        #expect(decision.action == .exempt)
        #expect(decision.effectiveEPG == nil)
    }

    @Test func allowListHitKeepsPinnedEPG() throws {
        let pinned = EPGAnnotation.value(for: epg("lab-db"))
        let decision = try #require(resolver.decide(pod("lab-alice", annotations: [EPGAnnotation.key: pinned]), namespace: NamespaceFacts(name: "lab-alice")))
        #expect(decision.action == .pinned)
        #expect(decision.existing == .pinned(epg("lab-db"), allowIndex: 0))
        #expect(decision.effectiveEPG == epg("lab-db"))
    }

    @Test func allowListMissInOtherNamespace() throws {
        let pinned = EPGAnnotation.value(for: epg("lab-db"))
        let decision = try #require(resolver.decide(pod("analytics", annotations: [EPGAnnotation.key: pinned]), namespace: NamespaceFacts(name: "analytics")))
        #expect(decision.action == .deny)
        guard case .foreign(_, let parsed, let problem, let action) = decision.existing else { Issue.record("not foreign"); return }
        #expect(parsed == epg("lab-db"))
        #expect(action == .reject)
        #expect(problem == "hand-written EPG kube/aci-admission/lab-db differs from the computed kube/aci-admission/analytics, and no annotations.allow entry permits namespace \"analytics\" to use it")
        #expect(decision.effectiveEPG == epg("analytics"))
    }

    @Test func allowListMissForProtectedTarget() throws {
        let value = EPGAnnotation.value(for: epg("shop.web"))
        let decision = try #require(resolver.decide(pod("lab-alice", annotations: [EPGAnnotation.key: value]), namespace: NamespaceFacts(name: "lab-alice")))
        #expect(decision.action == .deny)
    }

    @Test func onForeignReplace() throws {
        let replacing = try PolicyFixtures.policy(Self.body.replacingOccurrences(of: "onForeign: reject", with: "onForeign: replace"))
        let value = EPGAnnotation.value(for: epg("elsewhere"))
        let decision = try #require(EPGResolver(policy: replacing).decide(pod("analytics", annotations: [EPGAnnotation.key: value]), namespace: NamespaceFacts(name: "analytics")))
        #expect(decision.action == .replace)
        #expect(decision.reasons.last?.hasSuffix("annotations.onForeign: replace → the annotation is overwritten, with a warning") == true)
    }

    @Test func warnEnforcementSaysSo() throws {
        let value = EPGAnnotation.value(for: epg("elsewhere"))
        let decision = try #require(resolver.decide(deployment("pay", labels: ["app": "a", "tier": "b"], templateAnnotations: [EPGAnnotation.key: value]),
                                                    namespace: NamespaceFacts(name: "pay", labels: ["team": "payments"])))
        #expect(decision.action == .deny)
        #expect(decision.reasons.last?.hasPrefix("spec.template.metadata.annotations: hand-written EPG kube/aci-admission/elsewhere") == true)
        #expect(decision.reasons.last?.hasSuffix("an admission warning (enforcement: warn), the object is allowed") == true)
    }

    @Test func unparseableAnnotationIsForeign() throws {
        let decision = try #require(resolver.decide(pod("analytics", annotations: [EPGAnnotation.key: "kube|default"]), namespace: NamespaceFacts(name: "analytics")))
        guard case .foreign(_, nil, let problem, .reject) = decision.existing else { Issue.record("\(decision.existing)"); return }
        #expect(problem == "the opflex.cisco.com/endpoint-group annotation is not a JSON object")
    }

    @Test func provenanceStampMarksOurOwnValues() throws {
        let old = [EPGAnnotation.key: EPGAnnotation.value(for: epg("analytics-old")), EPGAnnotation.provenanceKey: "sha256:0000000000000000"]
        let workload = try #require(resolver.decide(deployment("analytics", labels: [:], templateAnnotations: old), namespace: NamespaceFacts(name: "analytics")))
        #expect(workload.action == .annotate)
        #expect(workload.existing == .stale(previous: old[EPGAnnotation.key]!))
        // A running pod keeps what it was created with.
        let runningPod = try #require(resolver.decide(pod("analytics", annotations: old), namespace: NamespaceFacts(name: "analytics")))
        #expect(runningPod.action == .unchanged)
        // Without the stamp the same value is hand-written, hence foreign.
        let handWritten = try #require(resolver.decide(pod("analytics", annotations: [EPGAnnotation.key: old[EPGAnnotation.key]!]), namespace: NamespaceFacts(name: "analytics")))
        #expect(handWritten.action == .deny)
    }

    @Test func matchingAnnotationInNativeFormIsUnchanged() throws {
        let native = #"{"policy-space":"kube","name":"aci-admission|analytics"}"#
        let decision = try #require(resolver.decide(pod("analytics", annotations: [EPGAnnotation.key: native]), namespace: NamespaceFacts(name: "analytics")))
        #expect(decision.action == .unchanged)
    }

    @Test func controllerOwnedWorkloadsAreNotMutated() throws {
        let owner = OwnerReference(apiVersion: "apps/v1", kind: "Deployment", name: "web", controller: true)
        let decision = try #require(resolver.decide(deployment("shop", labels: ["app": "web"], owner: owner), namespace: NamespaceFacts(name: "shop")))
        #expect(decision.action == .controllerOwned)
        #expect(decision.effectiveEPG == epg("shop.web"))
    }

    @Test func longNamesAreShortenedDeterministically() {
        let namespace = String(repeating: "n", count: 40)
        let app = String(repeating: "a", count: 40)
        let shop = resolver.resolve(namespace: NamespaceFacts(name: "shop-" + namespace), podLabels: ["app": app])
        let name = shop.epg!.name
        #expect(name.utf8.count == 64)
        #expect(name.hasPrefix("shop-" + namespace + "."))
        #expect(name == APICName.fit("shop-\(namespace).\(app)"))
        #expect(name.range(of: #"-[0-9a-f]{10}$"#, options: .regularExpression) != nil)
        #expect(resolver.resolve(namespace: NamespaceFacts(name: "shop-" + namespace), podLabels: ["app": app]).epg?.name == name)
        // A different long name gets a different hash.
        let other = resolver.resolve(namespace: NamespaceFacts(name: "shop-" + namespace), podLabels: ["app": app + "b"]).epg!.name
        #expect(other != name && other.utf8.count == 64)
        #expect(shop.reasons.last?.contains("shortened to the APIC's 64 with a hash suffix") == true)
    }

    @Test func unknownNamespaceIsNoted() {
        let result = resolver.resolve(namespace: NamespaceFacts(name: "ghost", known: false), podLabels: [:])
        #expect(result.reasons.first == "namespace \"ghost\" is not in the input: judged by its name and implicit kubernetes.io/metadata.name label only")
    }

    @Test func namespaceSelectorCanUseTheImplicitNameLabel() throws {
        let policy = try PolicyFixtures.policy("namespaces:\n  - match: {selector: {matchLabels: {kubernetes.io/metadata.name: prod}}}\n    isolation: deployment\n")
        let result = EPGResolver(policy: policy).resolve(namespace: NamespaceFacts(name: "prod"), podLabels: ["app": "x"])
        #expect(result.ruleLabel == "namespaces[0]")
        #expect(result.epg?.name == "prod.x")
    }
}

@Suite struct EPGAnnotationTests {
    @Test func valueIsCompleteFriendlyForm() throws {
        let value = EPGAnnotation.value(for: EPGRef(tenant: "kube", applicationProfile: "aci-admission", name: "shop.web"))
        #expect(value == #"{"tenant":"kube","app-profile":"aci-admission","name":"shop.web"}"#)
        #expect(try EPGAnnotation.parse(value) == EPGRef(tenant: "kube", applicationProfile: "aci-admission", name: "shop.web"))
    }

    @Test(arguments: [
        (#"{"tenant":"t","app-profile":"a","name":"e"}"#, "t/a/e"),
        (#"{"policy-space":"t","app-profile":"a","name":"e"}"#, "t/a/e"),
        (#"{"policy-space":"x","tenant":"t","app-profile":"a","name":"e"}"#, "t/a/e"),
        (#"{"policy-space":"t","name":"a|e"}"#, "t/a/e"),
    ])
    func parsesBothForms(_ input: (String, String)) throws {
        #expect(try EPGAnnotation.parse(input.0).description == input.1)
    }

    @Test(arguments: [
        ("kube|default", EPGAnnotation.ParseError.notJSONObject),
        ("[]", .notJSONObject),
        (#"{"tenant":1,"name":"e"}"#, .nonStringField("tenant")),
        (#"{"tenant":"t","name":"e","color":"red"}"#, .unknownField("color")),
        (#"{"name":"a|e"}"#, .incomplete("has no tenant (or policy-space)")),
        (#"{"tenant":"t","name":"e"}"#, .incomplete("has no app-profile, and its name is not in the native \"AP|EPG\" form")),
    ])
    func rejectsMalformedValues(_ input: (String, EPGAnnotation.ParseError)) {
        #expect(throws: input.1) { try EPGAnnotation.parse(input.0) }
    }
}
