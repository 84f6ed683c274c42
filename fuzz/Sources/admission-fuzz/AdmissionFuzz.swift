import AdmissionEngine
import ContractCompiler
import EPGPolicy
import Foundation
import KubernetesModel

/// Any byte string, as an AdmissionReview body: it must decode or be refused with a message, and every
/// review that decodes must get a decision on both endpoints whose response encodes and, when it
/// carries a patch, a patch that is valid base64 JSON. A crash, a trap or a hang is a finding.
enum Fixture {
    static let policy = try! PolicyLoader.load(text: """
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
    namespaces:
      - match: {names: [shop]}
        isolation: deployment
        groupBy: [app]
      - match: {selector: {matchLabels: {team: payments}}}
        isolation: namespace
        enforcement: warn
    defaults:
      isolation: namespace
    annotations:
      onForeign: reject
    """, source: "fuzz.yaml").get()
    static let decider = AdmissionDecider(policy: policy)
    static let cluster: ClusterSnapshot = {
        var inventory = Inventory()
        inventory.add(namespace: Namespace(name: "shop"))
        inventory.add(namespace: Namespace(name: "pay", labels: ["team": "payments"]))
        return ClusterSnapshot(inventory: inventory)
    }()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let body = Data(bytes: bytes, count: count)
    guard let review = try? AdmissionReviewDecoder.decode(body) else { return 0 }
    for endpoint in [AdmissionDecider.Endpoint.mutate, .validate] {
        let decision = Fixture.decider.decide(review, endpoint: endpoint, cluster: Fixture.cluster)
        let response = decision.response.reviewJSON(apiVersion: review.apiVersion)
        precondition(!response.isEmpty)
        precondition(decision.response.uid == review.request.uid)
        if let patch = decision.response.patch {
            precondition(endpoint == .mutate, "a patch on /validate")
            guard let data = Data(base64Encoded: patch), (try? JSONSerialization.jsonObject(with: data)) is [Any] else {
                preconditionFailure("the patch is not base64 of a JSON array")
            }
        }
    }
    return 0
}
