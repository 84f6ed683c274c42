import Foundation
import KubernetesModel
import Testing
@testable import ContractCompiler
@testable import EPGPolicy

@Suite struct ExpressibilityTests {
    let policy = try! Scenario.policy(testPolicyYAML + """
    annotations:
      allow:
        - namespaces: [n-lab]
          epgs: ["kube/aci-admission/lab-*"]

    """)

    static let base = """
    apiVersion: v1
    kind: Namespace
    metadata: {name: d-shop, labels: {team: shop}}
    ---
    apiVersion: v1
    kind: Namespace
    metadata: {name: m-pay}
    ---
    apiVersion: v1
    kind: Namespace
    metadata: {name: n-data}
    ---
    apiVersion: v1
    kind: Namespace
    metadata: {name: n-lab}
    ---
    apiVersion: v1
    kind: Namespace
    metadata: {name: c-one}
    ---
    apiVersion: v1
    kind: Namespace
    metadata: {name: c-two}
    ---
    apiVersion: v1
    kind: Namespace
    metadata: {name: kube-system}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: d-shop}
    spec: {template: {metadata: {labels: {app: web}}}}
    ---
    apiVersion: v1
    kind: Pod
    metadata:
      name: pinned-a
      namespace: n-lab
      labels: {role: a}
      annotations: {opflex.cisco.com/endpoint-group: '{"tenant":"kube","app-profile":"aci-admission","name":"lab-x"}'}
    ---
    apiVersion: v1
    kind: Pod
    metadata:
      name: pinned-b
      namespace: n-lab
      labels: {role: b}
      annotations: {opflex.cisco.com/endpoint-group: '{"tenant":"kube","app-profile":"aci-admission","name":"lab-x"}'}
    """

    func reasons(_ policyYAML: String) -> [Rejection] {
        let objects = Scenario.objects(Self.base + "\n---\n" + policyYAML)
        let plan = Scenario(policy: policy, objects: objects).compile()
        return plan.outcomes.first { $0.name == "p" }?.reasons ?? []
    }

    func np(_ namespace: String, _ spec: String) -> String {
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: \(namespace)}\nspec:\n\(spec)"
    }

    @Test func namespaceIsolationNeedsTheWholeNamespace() throws {
        let found = reasons(np("n-data", "  podSelector: {matchLabels: {app: etl}}\n  ingress: []"))
        let reason = try #require(found.first)
        #expect(reason.rule == "split-epg")
        #expect(reason.path == "spec.podSelector.matchLabels.app")
        #expect(reason.epg == "kube/aci-admission/n-data")
        #expect(reason.message == "spec.podSelector.matchLabels.app selects part of EPG kube/aci-admission/n-data: pods with app=etl are selected, pods without label app are not")
        #expect(reason.fix.hasPrefix("namespace n-data uses namespace isolation, so its pods share one EPG: select all of them (podSelector: {})"))
        #expect(reasons(np("n-data", "  podSelector: {}\n  ingress: []")).isEmpty)
    }

    @Test func deploymentIsolationAllowsGroupByKeysOnly() throws {
        #expect(reasons(np("d-shop", "  podSelector: {matchLabels: {app: web}}\n  ingress: []")).isEmpty)
        #expect(reasons(np("d-shop", "  podSelector: {matchExpressions: [{key: app, operator: In, values: [web, api]}]}\n  ingress: []")).isEmpty)
        let found = reasons(np("d-shop", "  podSelector: {matchLabels: {app: web, version: v2}}\n  ingress: []"))
        #expect(found.first?.path == "spec.podSelector.matchLabels.version")
        #expect(found.first?.fix == "under deployment isolation (groupBy: [app]) select pods only by groupBy labels, e.g. matchLabels: {app: web}")
    }

    @Test func notInAndDoesNotExistSplitTheFallbackEPG() throws {
        // app NotIn (db) also matches pods without `app`, which share the namespace EPG with… every
        // other pod lacking app: that is all of the fallback, so it is whole.
        #expect(reasons(np("d-shop", "  podSelector: {matchExpressions: [{key: app, operator: NotIn, values: [db]}]}\n  ingress: []")).isEmpty)
        #expect(reasons(np("d-shop", "  podSelector: {matchExpressions: [{key: app, operator: DoesNotExist}]}\n  ingress: []")).isEmpty)
        // With groupBy [app, tier], `app In (x)` takes pods with app=x but no tier (fallback) and
        // leaves pods without app there: it splits the namespace EPG.
        let found = reasons(np("m-pay", "  podSelector: {matchExpressions: [{key: app, operator: In, values: [x]}]}\n  ingress: []"))
        let reason = try #require(found.first)
        #expect(reason.epg == "kube/aci-admission/m-pay")
        #expect(reason.path == "spec.podSelector.matchExpressions[0]")
        #expect(reason.message.contains("pods with app=x and without label tier are selected, pods without labels app, tier are not"))
        #expect(reason.fix.contains("share the namespace EPG kube/aci-admission/m-pay"))
        // Requiring every groupBy key keeps the fallback out entirely.
        #expect(reasons(np("m-pay", "  podSelector: {matchExpressions: [{key: app, operator: In, values: [x]}, {key: tier, operator: Exists}]}\n  ingress: []")).isEmpty)
    }

    @Test func sharedClusterEPGMustBeTakenWhole() throws {
        let found = reasons(np("c-one", "  podSelector: {}\n  ingress: []"))
        let reason = try #require(found.first)
        #expect(reason.rule == "split-epg")
        #expect(reason.message.hasPrefix("spec.podSelector selects pods of namespace c-one but not of c-two, which share EPG kube/aci-containers-kube/aci-containers-default"))
        // From another namespace, selecting both cluster namespaces keeps it whole.
        #expect(reasons(np("d-shop", "  podSelector: {}\n  ingress:\n    - from: [{namespaceSelector: {}}]")).isEmpty)
    }

    @Test func sharedEPGCannotBeIsolatedInside() throws {
        let objects = Scenario.objects(Self.base.replacingOccurrences(of: "name: c-two", with: "name: d-two") + "\n---\n" + np("c-one", "  podSelector: {}\n  ingress: []"))
        let plan = Scenario(policy: policy, objects: objects).compile()
        let outcome = try #require(plan.outcomes.first { $0.name == "p" })
        #expect(outcome.status == .rejected)
        #expect(outcome.reasons.map(\.rule) == ["shared-epg-intra"])
        #expect(outcome.reasons.first?.fix == "give these pods an EPG of their own (namespace or deployment isolation), or allow all traffic between them")
    }

    @Test func pinnedPodsMustBeSelectedTogether() throws {
        let found = reasons(np("n-lab", "  podSelector: {}\n  egress:\n    - to: [{podSelector: {matchLabels: {role: a}}}]"))
        #expect(found.contains { $0.epg == "kube/aci-admission/lab-x" && $0.fix == "pods pinned to kube/aci-admission/lab-x by annotation must be selected all together or not at all" })
    }

    @Test func peerEPGsAreWholeOrNothing() throws {
        let partial = reasons(np("d-shop", "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]"))
        #expect(partial.first?.rule == "split-epg")
        #expect(partial.first?.fix.hasPrefix("namespace kube-system is a peer") == true)
    }

    @Test func peerContractsMustMatchExactly() throws {
        // DNS: exactly the peer's dns contract.
        #expect(reasons(np("d-shop", "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]\n      ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]")).isEmpty)
        // TCP 53 alone: the dns contract would also allow UDP.
        let found = reasons(np("d-shop", "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]\n      ports: [{protocol: TCP, port: 53}]"))
        let reason = try #require(found.first)
        #expect(reason.rule == "peer-contract-mismatch")
        #expect(reason.path == "spec.egress[0].ports")
        #expect(reason.message == "spec.egress[0].ports allows tcp/53 to the peer EPG kube/aci-containers-kube/aci-containers-system (peers[0]), but its existing contracts are aci-containers-kube-dns (tcp/53, udp/53), aci-containers-kube-icmp (icmp); only whole contracts can be consumed, so tcp/53 cannot be allowed exactly")
        // Everywhere on one port includes the world, reached through an allow-all contract.
        let everywhere = reasons(np("d-shop", "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - ports: [{port: 443}]"))
        #expect(everywhere.contains { $0.rule == "peer-contract-mismatch" && $0.message.contains("addresses outside the cluster (peers[1], external)") })
    }

    @Test func ingressFromPeersOnly() throws {
        let found = reasons(np("d-shop", "  podSelector: {}\n  ingress:\n    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]"))
        #expect(found.map(\.rule) == ["peer-ingress"])
        #expect(found.first?.path == "spec.ingress[0].from[0]")
    }

    @Test func ports() throws {
        let found = reasons(np("d-shop", "  podSelector: {}\n  ingress:\n    - ports: [{port: http}, {protocol: SCTP, port: 5000}, {port: 9000, endPort: 8000}, {protocol: ICMP}]"))
        #expect(found.map(\.rule) == ["named-port", "sctp-port", "invalid-port", "invalid-port"])
        #expect(found.map(\.path) == ["spec.ingress[0].ports[0].port", "spec.ingress[0].ports[1].port", "spec.ingress[0].ports[2].endPort", "spec.ingress[0].ports[3].protocol"])
        #expect(found[0].message == "spec.ingress[0].ports[0].port is the named port \"http\"; contract filters need port numbers")
        #expect(found[1].message == "spec.ingress[0].ports[1] limits SCTP to port 5000; ACI filters match ports for TCP and UDP only")
        #expect(reasons(np("d-shop", "  podSelector: {}\n  ingress:\n    - ports: [{protocol: SCTP}, {port: 8000, endPort: 9000}, {protocol: UDP}]")).isEmpty)
    }

    @Test func ipBlocks() throws {
        let found = reasons(np("d-shop", """
              podSelector: {}
              ingress:
                - from:
                    - ipBlock: {cidr: 198.51.100.0/24, except: [198.51.100.8/29]}
                    - ipBlock: {cidr: 10.2.3.0/24}
                    - ipBlock: {cidr: 10.1.0.5/32}
                    - ipBlock: {cidr: 203.0.113.7/24}
                    - {ipBlock: {cidr: 192.0.2.0/24}, podSelector: {}}
            """))
        #expect(found.map(\.rule) == ["ipblock-except", "ipblock-overlaps-cluster", "ipblock-overlaps-cluster", "ipblock-invalid", "invalid-peer"])
        #expect(found[1].message == "spec.ingress[0].from[1].ipBlock.cidr 10.2.3.0/24 overlaps the cluster's pod network 10.2.0.0/16; pods and nodes are classified by EPG, not by address")
        #expect(found[3].message == "spec.ingress[0].from[3].ipBlock.cidr: \"203.0.113.7/24\" has host bits set; the network is 203.0.113.0/24")
    }

    @Test func ipBlockOutsideExternalPrefixesAndWithoutL3Out() throws {
        let strict = try Scenario.policy(testPolicyYAML.replacingOccurrences(of: "  externalPrefixes: [0.0.0.0/0]\n", with: "  externalPrefixes: [203.0.113.0/24]\n")
            .replacingOccurrences(of: "  l3out: {tenant: common, name: l3out}\n", with: ""))
        let objects = Scenario.objects(Self.base.components(separatedBy: "\n---\n").prefix(1).joined() + "\n---\n" + np("d-shop", "  podSelector: {}\n  egress:\n    - to: [{ipBlock: {cidr: 198.51.100.0/24}}]"))
        let plan = Scenario(policy: strict, objects: objects).compile()
        let rules = plan.outcomes.first?.reasons.map(\.rule)
        #expect(rules == ["ipblock-outside-external-prefixes", "ipblock-without-l3out"])
    }

    @Test func invalidSelectorsAndPeers() throws {
        let found = reasons(np("d-shop", "  podSelector: {matchExpressions: [{key: app, operator: In}]}\n  ingress:\n    - from: [{}]"))
        #expect(found.map(\.rule) == ["invalid-selector", "invalid-peer"])
        #expect(found[0].message == "spec.podSelector.matchExpressions[0].values: must be non-empty when operator is In")
    }

    @Test func policiesInPeerAndExemptNamespacesAreSkipped() throws {
        let objects = Scenario.objects(Self.base + "\n---\n" + np("kube-system", "  podSelector: {}\n  ingress: []"))
        let plan = Scenario(policy: policy, objects: objects).compile()
        #expect(plan.outcomes.first?.status == .skipped)
        #expect(plan.outcomes.first?.note?.contains("is a peer") == true)
    }

    @Test func namespaceRelabelThatBreaksAnAcceptedPolicyIsNamed() throws {
        let objects = Scenario.objects(Self.base + "\n---\n" + np("d-shop", "  podSelector: {}\n  ingress:\n    - from: [{namespaceSelector: {matchLabels: {team: shop}}}]"))
        let inventory = Scenario(policy: policy, objects: objects).inventory
        let check = NamespaceChangeCheck(policy: policy)
        // c-one joins team shop, but shares the cluster EPG with c-two: the policy would split it.
        let breakages = check.breakages(applying: Namespace(name: "c-one", labels: ["team": "shop"]), to: inventory)
        #expect(breakages.map(\.policy) == ["d-shop/p"])
        #expect(breakages.first?.reasons.first?.rule == "split-epg")
        // A namespace with its own EPG can join freely.
        #expect(check.breakages(applying: Namespace(name: "n-new", labels: ["team": "shop"]), to: inventory).isEmpty)
    }
}

@Suite struct UnmanagedNamespaceTests {
    @Test func selectingAnExemptNamespaceWithoutClusterEPGIsRejected() throws {
        // Without defaults.clusterEPG, aci-admission cannot know the EPG of exempt pods.
        let yaml = testPolicyYAML
            .replacingOccurrences(of: "  clusterEPG: {tenant: kube, applicationProfile: aci-containers-kube, name: aci-containers-default}\n", with: "")
            .replacingOccurrences(of: "  - match: {names: [\"c-*\"]}\n    isolation: cluster\n", with: "")
        let policy = try Scenario.policy(yaml)
        let objects = Scenario.objects("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: x-exempt, labels: {team: ops}}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: n-data}
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: p, namespace: n-data}
            spec:
              podSelector: {}
              ingress:
                - from: [{namespaceSelector: {matchLabels: {team: ops}}}]
            """)
        let plan = Scenario(policy: policy, objects: objects).compile()
        let reason = try #require(plan.outcomes.first?.reasons.first)
        #expect(reason.rule == "unmanaged-namespace")
        #expect(reason.path == "spec.ingress[0].from[0].namespaceSelector")
        #expect(reason.message == "spec.ingress[0].from[0].namespaceSelector selects pods of namespace x-exempt, which is exempt; aci-admission does not know their EPG")
        #expect(reason.fix.hasPrefix("set defaults.clusterEPG to the ACI CNI's default EPG"))
    }
}
