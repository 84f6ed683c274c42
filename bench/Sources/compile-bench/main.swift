import ContractCompiler
import EPGPolicy
import Foundation
import KubernetesModel

// Contract compiler benchmark: a full compile of ~2,000 EPGs and 5,000 NetworkPolicies, and one
// changed NetworkPolicy recompiled with the resulting diff. Medians of several runs.

let namespaceCount = 200, appsPerNamespace = 10, policiesPerNamespace = 25

let policyText = """
apiVersion: aci-admission/v1
kind: EPGPolicy
fabric:
  clusterName: bench
  tenant: kube
  applicationProfile: aci-admission
  bridgeDomain: pod-bd
  vmmDomain: {type: Kubernetes, name: kube}
  podCIDRs: [10.2.0.0/16]
  nodeCIDRs: [10.1.0.0/24]
  l3out: {tenant: common, name: l3out}
  externalPrefixes: [0.0.0.0/0]
  ruleBudget: 10000000
peers:
  - match: {names: [kube-system]}
    epg: {tenant: kube, applicationProfile: aci-containers-kube, name: aci-containers-system}
    provides: [{contract: aci-containers-kube-dns, allows: [udp/53, tcp/53]}]
defaults:
  isolation: deployment
  groupBy: [app]
"""

func inventory(variant: Int = 0) -> Inventory {
    var inventory = Inventory()
    inventory.add(namespace: Namespace(name: "kube-system"))
    for n in 0..<namespaceCount {
        let namespace = "team-\(n)"
        inventory.add(namespace: Namespace(name: namespace, labels: ["tier": n % 2 == 0 ? "front" : "back"]))
        for a in 0..<appsPerNamespace {
            inventory.add(.workload(Workload(kind: .deployment, metadata: ObjectMeta(name: "app-\(a)", namespace: namespace),
                                             podTemplate: PodTemplateSpec(metadata: ObjectMeta(labels: ["app": "app-\(a)"])))))
        }
        for p in 0..<policiesPerNamespace {
            let target = "app-\(p % appsPerNamespace)", source = "app-\((p + 1) % appsPerNamespace)"
            var spec = NetworkPolicySpec(podSelector: LabelSelector(matchLabels: ["app": target]))
            let port = 8000 + p + (n == 0 && p == 0 ? variant : 0)
            switch p % 5 {
            case 0, 1:
                spec.ingress = [NetworkPolicyIngressRule(from: [NetworkPolicyPeer(podSelector: LabelSelector(matchLabels: ["app": source]))],
                                                         ports: [NetworkPolicyPort(port: .int(port))])]
            case 2:
                spec.ingress = [NetworkPolicyIngressRule(from: [NetworkPolicyPeer(podSelector: LabelSelector(matchLabels: ["app": source]),
                                                                                  namespaceSelector: LabelSelector(matchLabels: ["tier": "front"]))],
                                                         ports: [NetworkPolicyPort(protocol: "UDP", port: .int(port))])]
            case 3:
                spec.policyTypes = [.egress]
                spec.egress = [NetworkPolicyEgressRule(to: [NetworkPolicyPeer(podSelector: LabelSelector(matchLabels: ["app": source]))], ports: [NetworkPolicyPort(port: .int(port))]),
                               NetworkPolicyEgressRule(to: [NetworkPolicyPeer(namespaceSelector: LabelSelector(matchLabels: [LabelSyntax.namespaceNameLabel: "kube-system"]))],
                                                       ports: [NetworkPolicyPort(protocol: "UDP", port: .int(53)), NetworkPolicyPort(port: .int(53))])]
            default:
                spec.egress = [NetworkPolicyEgressRule(to: [NetworkPolicyPeer(ipBlock: IPBlock(cidr: "198.51.\(n % 200).0/24"))], ports: [NetworkPolicyPort(port: .int(443))])]
                spec.policyTypes = [.egress]
            }
            inventory.add(.networkPolicy(NetworkPolicy(metadata: ObjectMeta(name: "p\(p)", namespace: namespace), spec: spec)))
        }
    }
    return inventory
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

func time<T>(_ body: () -> T) -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let value = body()
    return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
}

let policy = try PolicyLoader.load(text: policyText, source: "bench-policy.yaml").get()
let compiler = ContractCompiler(policy: policy)
let base = inventory()
let runs = Int(ProcessInfo.processInfo.environment["RUNS"] ?? "5") ?? 5

var fullTimes: [Double] = []
var plan: CompiledPlan!
for _ in 0..<runs {
    let (result, ms) = time { compiler.compile(base) }
    plan = result
    fullTimes.append(ms)
}
let owned = plan.groups.filter { $0.kind == .owned }.count
let accepted = plan.outcomes.filter { $0.status == .accepted }.count
print("full compile: \(owned) owned EPGs, \(plan.groups.count) endpoint groups, \(base.policies.count) NetworkPolicies (\(accepted) accepted), \(plan.contracts.count) contracts, \(plan.tree.objects.count) objects")
print(String(format: "  median %.1f ms over %d runs (min %.1f, max %.1f)", median(fullTimes), runs, fullTimes.min()!, fullTimes.max()!))

var incrementalTimes: [Double] = []
var changedObjects = 0
for run in 0..<runs {
    let changed = inventory(variant: run + 1)
    let ((_, diff), ms) = time { () -> (CompiledPlan, TreeDiff) in
        let next = compiler.compile(changed, lastGood: plan)
        return (next, next.tree.diff(from: plan.tree))
    }
    changedObjects = diff.created.count + diff.modified.count + diff.deleted.count
    incrementalTimes.append(ms)
}
print("one NetworkPolicy changed (recompile + diff): \(changedObjects) objects changed")
print(String(format: "  median %.1f ms over %d runs (min %.1f, max %.1f)", median(incrementalTimes), runs, incrementalTimes.min()!, incrementalTimes.max()!))

// The incremental path: one NetworkPolicy changed in a running IncrementalCompiler.
let incremental = IncrementalCompiler(policy: policy, inventory: base)
var applyTimes: [Double] = []
var applied = 0
for run in 0..<max(runs, 20) {
    var changed = base.policies["team-7/p1"]!.policy
    changed.spec.ingress?[0].ports = [NetworkPolicyPort(port: .int(9000 + run))]
    let (diff, ms) = time { incremental.apply(changed) }
    applied = diff.created.count + diff.modified.count + diff.deleted.count
    applyTimes.append(ms)
}
print("one NetworkPolicy changed (IncrementalCompiler.apply): \(applied) objects changed, \(incremental.lastChangeWasFull ? "full path" : "incremental path")")
print(String(format: "  median %.2f ms over %d runs (min %.2f, max %.2f)", median(applyTimes), applyTimes.count, applyTimes.min()!, applyTimes.max()!))
