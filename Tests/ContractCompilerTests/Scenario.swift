import APIC
import ContractCompiler
import EPGPolicy
import Foundation
import KubernetesModel
import Manifests

enum ScenarioError: Error { case badManifests([String]) }

/// A policy file plus objects: compiled, then checked by the flow oracle.
struct Scenario {
    var policy: Policy
    var objects: [KubeObject]

    var inventory: Inventory {
        var inventory = Inventory()
        for object in objects { inventory.add(object) }
        return inventory
    }

    func compile() -> CompiledPlan { ContractCompiler(policy: policy).compile(inventory) }

    static func imdataJSON(_ plan: CompiledPlan) -> String {
        APICJSON.render(APICJSON.envelope(plan.tree.imdata()))
    }

    func oracle(for plan: CompiledPlan) throws -> FlowOracle {
        let inventory = self.inventory
        let accepted = Set(plan.outcomes.filter { $0.status == .accepted }.map { "\($0.namespace)/\($0.name)" })
        let policies = inventory.sortedPolicies.filter { accepted.contains($0.id) }.map(\.policy)
        let workloads = inventory.workloads.map { (namespace: $0.namespace, name: "\($0.kind)-\($0.name)", labels: $0.podLabels, annotations: $0.podAnnotations) }
        return try FlowOracle(policy: policy, namespaces: inventory.namespaces, workloads: workloads,
                              acceptedPolicies: policies, imdataJSON: Scenario.imdataJSON(plan))
    }

    static func load(policyFile: String, manifests: [String]) throws -> Scenario {
        let policy = try PolicyLoader.load(file: policyFile).get()
        let set = ManifestLoader.load(paths: manifests)
        guard set.diagnostics.isEmpty else { throw ScenarioError.badManifests(set.diagnostics.map(\.description)) }
        return Scenario(policy: policy, objects: set.objects.map(\.object))
    }

    static func policy(_ yaml: String) throws -> Policy {
        try PolicyLoader.load(text: yaml, source: "test-policy.yaml").get()
    }

    static func objects(_ yaml: String) -> [KubeObject] {
        let set = ManifestLoader.parse(text: yaml, file: "test.yaml")
        precondition(set.diagnostics.isEmpty, "\(set.diagnostics)")
        return set.objects.map(\.object)
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let corpus = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
}

/// The policy file the tests share: every isolation mode, peers, external prefixes.
let testPolicyYAML = """
apiVersion: aci-admission/v1
kind: EPGPolicy
fabric:
  clusterName: kube
  tenant: kube
  applicationProfile: aci-admission
  bridgeDomain: pod-bd
  vmmDomain: {type: Kubernetes, name: kube}
  podCIDRs: [10.2.0.0/16]
  nodeCIDRs: [10.1.0.0/24]
  l3out: {tenant: common, name: l3out}
  externalPrefixes: [0.0.0.0/0]
peers:
  - match: {names: [kube-system]}
    epg: {tenant: kube, applicationProfile: aci-containers-kube, name: aci-containers-system}
    provides:
      - {contract: aci-containers-kube-dns, allows: [udp/53, tcp/53]}
      - {contract: aci-containers-kube-icmp, allows: [icmp]}
  - external:
      name: l3out-all
      provides: [{contract: kube-l3out-allow-all, allows: [all]}]
  - nodes:
      epg: {tenant: kube, applicationProfile: aci-containers-kube, name: aci-containers-nodes}
      provides: [{contract: aci-containers-kube-health-check, allows: [tcp/all]}]
defaults:
  isolation: namespace
  clusterEPG: {tenant: kube, applicationProfile: aci-containers-kube, name: aci-containers-default}
namespaces:
  - match: {names: ["d-*", default]}
    isolation: deployment
    groupBy: [app]
  - match: {names: ["m-*"]}
    isolation: deployment
    groupBy: [app, tier]
  - match: {names: ["c-*"]}
    isolation: cluster
exempt:
  namespaces: [x-exempt]

"""
