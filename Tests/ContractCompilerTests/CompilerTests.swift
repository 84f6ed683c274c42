import APIC
import Foundation
import KubernetesModel
import Testing
@testable import ContractCompiler
@testable import EPGPolicy

@Suite struct CompilerExampleTests {
    @Test func examplesPlanPassesTheOracle() throws {
        let root = Scenario.repositoryRoot.appendingPathComponent("examples")
        let scenario = try Scenario.load(policyFile: root.appendingPathComponent("policy.yaml").path,
                                         manifests: [root.appendingPathComponent("manifests").path])
        let plan = scenario.compile()
        #expect(plan.rejected.isEmpty)
        let mismatches = try scenario.oracle(for: plan).mismatches()
        #expect(mismatches.isEmpty, "\(mismatches.map(\.description).joined(separator: "\n"))")
    }

    @Test func everyEmittedObjectCarriesBothOwnershipMarks() throws {
        let scenario = Scenario(policy: try Scenario.policy(testPolicyYAML), objects: Scenario.objects(sampleShop))
        let plan = scenario.compile()
        for (dn, object) in plan.tree.objects where object.className != "tagAnnotation" {
            #expect(object["annotation"] == "orchestrator:aci-admission", "\(dn)")
            let tagDN = "\(dn)/annotationKey-[aci-admission-cluster]"
            #expect(plan.tree.objects[tagDN]?["value"] == "kube", "\(dn) has no ownership tag")
        }
        // Referenced objects are containers marked `modified`, never created.
        for tenant in plan.tree.imdata() {
            #expect(tenant["status"] == "modified")
        }
    }

    @Test func outputIsIndependentOfInputOrder() throws {
        let policy = try Scenario.policy(testPolicyYAML)
        let objects = Scenario.objects(sampleShop)
        let reference = Scenario.imdataJSON(Scenario(policy: policy, objects: objects).compile())
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5 {
            let shuffled = Scenario.imdataJSON(Scenario(policy: policy, objects: objects.shuffled(using: &generator)).compile())
            #expect(shuffled == reference)
        }
    }

    @Test func sampleShopMatchesTheOracle() throws {
        let scenario = Scenario(policy: try Scenario.policy(testPolicyYAML), objects: Scenario.objects(sampleShop))
        let plan = scenario.compile()
        #expect(plan.rejected.map { "\($0.namespace)/\($0.name)" } == [], "\(plan.rejected.flatMap(\.reasons).map(\.message))")
        let mismatches = try scenario.oracle(for: plan).mismatches()
        #expect(mismatches.isEmpty, "\(mismatches.map(\.description).joined(separator: "\n"))")
    }

    @Test func contractsUseOneWayTermsAndReplyOnlyReturns() throws {
        let scenario = Scenario(policy: try Scenario.policy(testPolicyYAML), objects: Scenario.objects(sampleShop))
        let plan = scenario.compile()
        let objects = plan.tree.objects
        let contract = try #require(plan.contracts.first { $0.traffic == "tcp/5432" })
        #expect(contract.providers == ["kube/aci-admission/d-shop.db"])
        #expect(contract.consumers == ["kube/aci-admission/d-shop.api"])
        let subjectDN = "uni/tn-kube/brc-\(contract.name)/subj-flow"
        #expect(objects[subjectDN]?["revFltPorts"] == "no")
        let inFilter = try #require(objects.keys.first { $0.hasPrefix("\(subjectDN)/intmnl/rsfiltAtt-") }).split(separator: "-").dropFirst().joined(separator: "-")
        #expect(!inFilter.isEmpty)
        let entries = objects.filter { $0.key.contains("/flt-") && $0.value.className == "vzEntry" }.map(\.value)
        #expect(entries.contains { $0["dFromPort"] == "5432" && $0["dToPort"] == "5432" && $0["prot"] == "tcp" && $0["tcpRules"] == nil })
        #expect(entries.contains { $0["sFromPort"] == "5432" && $0["sToPort"] == "5432" && $0["tcpRules"] == "est" })
        // The db EPG restricts traffic between its own pods: nothing is allowed there.
        #expect(objects["uni/tn-kube/ap-aci-admission/epg-d-shop.db"]?["pcEnfPref"] == "enforced")
    }

    @Test func externalPrefixesBecomeExternalEPGs() throws {
        let scenario = Scenario(policy: try Scenario.policy(testPolicyYAML), objects: Scenario.objects(sampleShop))
        let plan = scenario.compile()
        let objects = plan.tree.objects
        let subnet = try #require(objects.first { $0.value.className == "l3extSubnet" })
        #expect(subnet.key == "uni/tn-common/out-l3out/instP-kube-ext-203.0.113.0_24/extsubnet-[203.0.113.0/24]")
        #expect(subnet.value["scope"] == "import-security")
    }

    @Test func ruleBudgetWarns() throws {
        var policy = try Scenario.policy(testPolicyYAML)
        policy.fabric.ruleBudget = 10
        let plan = Scenario(policy: policy, objects: Scenario.objects(sampleShop)).compile()
        #expect(plan.ruleCount > 10)
        #expect(plan.warnings.first?.contains("above fabric.ruleBudget (10)") == true)
    }

    @Test func failsClosedKeepingLastGoodTranslation() throws {
        let policy = try Scenario.policy(testPolicyYAML)
        let scenario = Scenario(policy: policy, objects: Scenario.objects(sampleShop))
        let good = scenario.compile()
        // The policy file changes: d-shop moves to namespace isolation, so selecting app=db splits an EPG.
        let changed = try Scenario.policy(testPolicyYAML.replacingOccurrences(of: "names: [\"d-*\", default]", with: "names: [default]"))
        let failing = ContractCompiler(policy: changed).compile(scenario.inventory, lastGood: good)
        let outcome = try #require(failing.outcomes.first { $0.name == "db-from-api" })
        #expect(outcome.status == .failedClosed)
        #expect(outcome.reasons.contains { $0.rule == "split-epg" })
        #expect(failing.analyses["d-shop/db-from-api"] == good.analyses["d-shop/db-from-api"])
        // The EPG the kept translation protects, and its contract, stay in the tree.
        let kept = failing.tree.objects
        #expect(kept["uni/tn-kube/ap-aci-admission/epg-d-shop.db"]?["pcEnfPref"] == "enforced")
        #expect(failing.contracts.contains { $0.traffic == "tcp/5432" && $0.providers == ["kube/aci-admission/d-shop.db"] })
        // Without a last good plan the same policy is simply rejected.
        let fresh = ContractCompiler(policy: changed).compile(scenario.inventory)
        #expect(fresh.outcomes.first { $0.name == "db-from-api" }?.status == .rejected)
    }

    @Test func incrementalDiffNamesOnlyWhatChanged() throws {
        let policy = try Scenario.policy(testPolicyYAML)
        var objects = Scenario.objects(sampleShop)
        let before = Scenario(policy: policy, objects: objects).compile()
        objects += Scenario.objects("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: web-from-api, namespace: d-shop}
            spec:
              podSelector: {matchLabels: {app: web}}
              ingress: [{from: [{namespaceSelector: {matchLabels: {team: data}}}], ports: [{port: 8080}]}]
            """)
        let after = Scenario(policy: policy, objects: objects).compile()
        let diff = after.tree.diff(from: before.tree)
        #expect(!diff.isEmpty)
        #expect(diff.created.contains { $0.contains("brc-kube-to-d-shop.web-") })
        #expect(diff.modified.contains("uni/tn-kube/ap-aci-admission/epg-d-shop.web"))
        #expect(diff.created.contains { $0.hasPrefix("uni/tn-kube/ap-aci-admission/epg-n-data/rscons-kube-to-d-shop.web-") })
        #expect(!diff.modified.contains("uni/tn-kube/ap-aci-admission/epg-d-shop.db"))
        #expect(!diff.created.contains { $0.hasPrefix("uni/tn-kube/ap-aci-admission/epg-d-shop.db/") })
        #expect(after.tree.diff(from: after.tree).isEmpty)
    }
}

let sampleShop = """
apiVersion: v1
kind: Namespace
metadata: {name: d-shop, labels: {team: shop}}
---
apiVersion: v1
kind: Namespace
metadata: {name: n-data, labels: {team: data}}
---
apiVersion: v1
kind: Namespace
metadata: {name: c-legacy}
---
apiVersion: v1
kind: Namespace
metadata: {name: kube-system}
---
apiVersion: v1
kind: Namespace
metadata: {name: x-exempt}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: d-shop}
spec: {template: {metadata: {labels: {app: web}}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: d-shop}
spec: {template: {metadata: {labels: {app: api}}}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: d-shop}
spec: {template: {metadata: {labels: {app: db}}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: etl, namespace: n-data}
spec: {template: {metadata: {labels: {app: etl}}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: batch, namespace: c-legacy}
spec: {template: {metadata: {labels: {app: batch}}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-api, namespace: d-shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: api}}}]
      ports: [{protocol: TCP, port: 5432}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-egress, namespace: d-shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Egress]
  egress:
    - to: [{podSelector: {matchLabels: {app: db}}}]
      ports: [{port: 5432}]
    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]
      ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
    - to: [{ipBlock: {cidr: 203.0.113.0/24}}]
      ports: [{port: 443}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: etl-ingress, namespace: n-data}
spec:
  podSelector: {}
  ingress:
    - from: [{namespaceSelector: {matchLabels: {team: shop}}, podSelector: {matchLabels: {app: api}}}]
      ports: [{protocol: UDP, port: 9000, endPort: 9010}, {protocol: SCTP}]
"""
