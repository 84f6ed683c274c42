import EPGPolicy
import Foundation

/// Policy texts for tests. `header` is a valid policy's first 10 lines; what a test appends starts on line 11.
enum PolicyFixtures {
    static let header = """
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

    """

    static let peers = """
    peers:
      - match: {names: [kube-system]}
        epg: {tenant: kube, applicationProfile: aci-containers-kube, name: aci-containers-system}
        provides:
          - {contract: aci-containers-kube-dns, allows: [udp/53, tcp/53]}
      - nodes:
          epg: {tenant: kube, applicationProfile: aci-containers-kube, name: aci-containers-nodes}
          provides: [{contract: aci-containers-kube-health-check, allows: [tcp/all]}]

    """

    static func load(_ body: String, file: String = "p.yaml") -> PolicyLoadResult {
        PolicyLoader.load(text: header + body, source: file)
    }

    static func policy(_ body: String) throws -> Policy {
        try load(body).get()
    }

    static let examplesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples")
}
