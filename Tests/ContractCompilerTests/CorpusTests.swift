import Foundation
import KubernetesModel
import Manifests
import Testing
@testable import ContractCompiler
@testable import EPGPolicy

/// The shared NetworkPolicy corpora, each file judged on its own against one inventory: the
/// `default` namespace under deployment isolation by `app`, labelled namespaces under namespace
/// isolation, kube-system as a peer.
enum CorpusFixture {
    static let inventory = """
    apiVersion: v1
    kind: Namespace
    metadata: {name: default}
    ---
    apiVersion: v1
    kind: Namespace
    metadata: {name: kube-system}
    ---
    apiVersion: v1
    kind: Namespace
    metadata: {name: prod, labels: {purpose: production}}
    ---
    apiVersion: v1
    kind: Namespace
    metadata: {name: ops, labels: {team: operations}}
    ---
    apiVersion: v1
    kind: Namespace
    metadata: {name: n-other, labels: {project: myproject}}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: default}
    spec: {template: {metadata: {labels: {app: web}}}}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: bookstore-api, namespace: default}
    spec: {template: {metadata: {labels: {app: bookstore, role: api}}}}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: bookstore-frontend, namespace: default}
    spec: {template: {metadata: {labels: {app: bookstore, role: frontend}}}}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: redis, namespace: default}
    spec: {template: {metadata: {labels: {app: redis, role: db}}}}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: foo, namespace: default}
    spec: {template: {metadata: {labels: {app: foo}}}}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: nginx, namespace: default}
    spec: {template: {metadata: {labels: {app: nginx}}}}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: monitoring, namespace: ops}
    spec: {template: {metadata: {labels: {type: monitoring}}}}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: coredns, namespace: kube-system}
    spec: {template: {metadata: {labels: {k8s-app: kube-dns}}}}
    """

    static func files() -> [URL] {
        ["netpol-recipes", "k8s-docs-netpol"].flatMap { folder -> [URL] in
            let directory = Scenario.corpus.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            return names.filter { $0.hasSuffix(".yaml") }.sorted().map { directory.appendingPathComponent($0) }
        }
    }

    static func scenario(for file: URL) -> Scenario {
        let policies = ManifestLoader.load(file: file.path).objects.map(\.object)
        return Scenario(policy: try! Scenario.policy(testPolicyYAML), objects: Scenario.objects(inventory) + policies)
    }

    /// `accepted`, or the rules of the reasons, per policy of the file.
    static func verdict(_ plan: CompiledPlan) -> String {
        plan.outcomes.map { outcome in
            outcome.status == .accepted ? "\(outcome.name): accepted"
                : "\(outcome.name): \(outcome.status.rawValue) \(Array(Set(outcome.reasons.map(\.rule))).sorted().joined(separator: ","))"
        }.joined(separator: "; ")
    }
}

@Suite struct CorpusTests {
    /// Written down by hand from DESIGN §5, for this inventory.
    static let expected: [String: String] = [
        "01-web-deny-all.yaml": "web-deny-all: accepted",
        "02-api-allow.yaml": "api-allow: rejected split-epg",  // role is not a groupBy key
        "02a-web-allow-all.yaml": "web-allow-all: accepted",
        "03-default-deny-all.yaml": "default-deny-all: accepted",
        "04-deny-from-other-namespaces.yaml": "deny-from-other-namespaces: accepted",  // null matchLabels: every pod
        "05-web-allow-all-namespaces.yaml": "web-allow-all-namespaces: accepted",
        "06-web-allow-prod.yaml": "web-allow-prod: accepted",
        "07-web-allow-all-ns-monitoring.yaml": "web-allow-all-ns-monitoring: rejected split-epg",  // ops uses namespace isolation
        "08-web-allow-external.yaml": "web-allow-external: accepted",
        "09-api-allow-5000.yaml": "api-allow-5000: rejected split-epg",
        "10-redis-allow-services.yaml": "redis-allow-services: rejected split-epg",
        "11-foo-deny-egress.yaml": "foo-deny-egress: rejected split-epg",  // the kube-dns pods are part of the kube-system peer EPG
        "12-default-deny-all-egress.yaml": "default-deny-all-egress: accepted",
        "14-foo-deny-external-egress.yaml": "foo-deny-external-egress: rejected split-epg",
        "network-policy-allow-all-egress-deny-all-ingress.yaml": "allow-egress-deny-ingress: accepted",
        "network-policy-allow-all-egress.yaml": "allow-all-egress: accepted",
        "network-policy-allow-all-ingress.yaml": "allow-all-ingress: accepted",
        "network-policy-default-deny-all.yaml": "default-deny-all: accepted",
        "network-policy-default-deny-egress.yaml": "default-deny-egress: accepted",
        "network-policy-default-deny-ingress.yaml": "default-deny-ingress: accepted",
        "networkpolicy-multiport-egress.yaml": "multi-port-egress: rejected split-epg",
        "networkpolicy.yaml": "test-network-policy: rejected ipblock-except,split-epg",
        "nginx-policy.yaml": "access-nginx: rejected split-epg",
    ]

    @Test func everyCorpusFileHasItsExpectedVerdictAndPassesTheOracle() throws {
        let files = CorpusFixture.files()
        #expect(files.count == 23)
        for file in files {
            let scenario = CorpusFixture.scenario(for: file)
            let plan = scenario.compile()
            #expect(CorpusFixture.verdict(plan) == Self.expected[file.lastPathComponent], "\(file.lastPathComponent)")
            for reason in plan.rejected.flatMap(\.reasons) {
                #expect(reason.message.hasPrefix(reason.path), "\(reason.message)")
            }
            let mismatches = try scenario.oracle(for: plan).mismatches(limit: 3)
            #expect(mismatches.isEmpty, "\(file.lastPathComponent): \(mismatches)")
        }
    }

    @Test func acceptedRecipesStillPassWhenAppliedTogether() throws {
        // Everything accepted above, in one cluster at once (names made unique per file).
        var objects = Scenario.objects(CorpusFixture.inventory)
        for file in CorpusFixture.files() where Self.expected[file.lastPathComponent]?.hasSuffix("accepted") == true {
            for case .networkPolicy(var policy) in ManifestLoader.load(file: file.path).objects.map(\.object) {
                policy.metadata.name = file.deletingPathExtension().lastPathComponent
                objects.append(.networkPolicy(policy))
            }
        }
        let scenario = Scenario(policy: try Scenario.policy(testPolicyYAML), objects: objects)
        let plan = scenario.compile()
        #expect(plan.rejected.isEmpty)
        #expect(plan.outcomes.count == 14)
        let mismatches = try scenario.oracle(for: plan).mismatches(limit: 5)
        #expect(mismatches.isEmpty, "\(mismatches)")
    }
}
