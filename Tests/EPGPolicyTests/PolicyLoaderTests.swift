import Foundation
import KubernetesModel
import Testing
@testable import EPGPolicy

struct MalformedPolicy: Sendable, CustomTestStringConvertible {
    var name: String
    /// Appended to `PolicyFixtures.header` (which ends on line 10), or a whole file when `whole`.
    var text: String
    var whole = false
    /// Replaces text in the header (to break the fabric section).
    var edit: (String, String)? = nil
    var expected: [String]
    var testDescription: String { name }
}

let malformedPolicies: [MalformedPolicy] = [
    .init(name: "empty file", text: "", whole: true,
          expected: ["p.yaml:1:1: error: policy file is empty\n  hint: start from examples/policy.yaml"]),
    .init(name: "YAML syntax error", text: "defaults:\n  isolation: [namespace\n", expected: [
              "p.yaml:13:1: error: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence, line 12 column 14)"]),
    .init(name: "not a mapping", text: "- a\n- b\n", whole: true,
          expected: ["p.yaml:1:1: error: the policy must be a mapping, found a list"]),
    .init(name: "missing apiVersion", text: "kind: EPGPolicy\n", whole: true, expected: [
              "p.yaml:1:1: error: the policy is missing required key \"apiVersion\"\n  hint: the current version is aci-admission/v1"]),
    .init(name: "unsupported apiVersion", text: "apiVersion: aci-admission/v9\nkind: EPGPolicy\n", whole: true, expected: [
              "p.yaml:1:13: error: unsupported apiVersion \"aci-admission/v9\"\n  hint: this release reads aci-admission/v1"]),
    .init(name: "wrong kind", text: "apiVersion: aci-admission/v1\nkind: Policy\n", whole: true, expected: [
              "p.yaml:1:1: error: the policy is missing required key \"fabric\"",
              "p.yaml:2:7: error: kind is \"Policy\"; a policy file has kind EPGPolicy"]),
    .init(name: "unknown top-level key with suggestion", text: "namespace:\n  - match: {names: [a]}\n", expected: [
              "p.yaml:11:1: error: unknown key \"namespace\" in the policy\n  hint: did you mean \"namespaces\"?"]),
    .init(name: "unknown key without suggestion", text: "defaults:\n  colour: blue\n", expected: [
              "p.yaml:12:3: error: unknown key \"colour\" in defaults\n  hint: known keys here: isolation, enforcement, clusterEPG, namespaceEPG, workloadEPG, groupBy"]),
    .init(name: "duplicate key", text: "defaults:\n  isolation: namespace\n  isolation: cluster\n", expected: [
              "p.yaml:12:3: error: duplicate key \"isolation\" in one mapping; a later value would silently replace an earlier one"]),
    .init(name: "bad isolation value", text: "defaults:\n  isolation: Namespace\n", expected: [
              "p.yaml:12:14: error: defaults.isolation is \"Namespace\"; expected one of cluster, namespace, deployment\n  hint: values are lowercase: \"namespace\""]),
    .init(name: "bad enforcement value", text: "defaults:\n  enforcement: block\n", expected: [
              "p.yaml:12:16: error: defaults.enforcement is \"block\"; expected one of enforce, warn, audit"]),
    .init(name: "tenant with colon", text: "", edit: ("tenant: kube", "tenant: \"kube:prod\""), expected: [
              "p.yaml:5:11: error: fabric.tenant: a tenant name may contain only letters, digits, '_', '.' and '-' (no ':'); \"kube:prod\" contains ':'"]),
    .init(name: "EPG name too long", text: "defaults:\n  clusterEPG: {name: \(String(repeating: "e", count: 65))}\n", expected: [
              "p.yaml:12:22: error: defaults.clusterEPG.name: an EPG name is at most 64 characters; \"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\" has 65"]),
    .init(name: "bad CIDR host bits", text: "", edit: ("podCIDRs: [10.2.0.0/16]", "podCIDRs: [10.2.0.1/16, fd00::1/64]"), expected: [
              "p.yaml:9:14: error: fabric.podCIDRs: \"10.2.0.1/16\" has host bits set; the network is 10.2.0.0/16",
              "p.yaml:9:27: error: fabric.podCIDRs: \"fd00::1/64\" has host bits set; the network is fd00::/64"]),
    .init(name: "bad CIDR address", text: "", edit: ("nodeCIDRs: [10.1.0.0/24]", "nodeCIDRs: [10.1.0.300/24, 10.1.0.0/33, 10.1.0.0]"), expected: [
              "p.yaml:10:15: error: fabric.nodeCIDRs: \"10.1.0.300\" is not a valid IPv4 or IPv6 address",
              "p.yaml:10:30: error: fabric.nodeCIDRs: prefix length \"33\" must be a number from 0 to 32",
              "p.yaml:10:43: error: fabric.nodeCIDRs: \"10.1.0.0\" is not a CIDR: expected ADDRESS/PREFIX, e.g. 10.2.0.0/16 or fd00::/48"]),
    .init(name: "missing fabric key", text: "", edit: ("  bridgeDomain: pod-bd\n", ""), expected: [
              "p.yaml:4:3: error: fabric is missing required key \"bridgeDomain\""]),
    .init(name: "template unknown placeholder", text: "defaults:\n  namespaceEPG: \"{ns}\"\n", expected: [
              "p.yaml:12:17: error: defaults.namespaceEPG: unknown placeholder {ns} in template \"{ns}\"\n  hint: the placeholders are {namespace} and {label:KEY}"]),
    .init(name: "template bad character", text: "defaults:\n  namespaceEPG: \"{namespace}/x\"\n", expected: [
              "p.yaml:12:17: error: defaults.namespaceEPG: template \"{namespace}/x\" contains '/', which an EPG name cannot contain\n  hint: EPG names may contain only letters, digits, '_', '.', ':' and '-'"]),
    .init(name: "groupBy label key invalid", text: "defaults:\n  groupBy: [\"-app\"]\n", expected: [
              "p.yaml:12:13: error: defaults.groupBy: label key \"-app\" must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"]),
    .init(name: "groupBy duplicate", text: "defaults:\n  groupBy: [app, app]\n", expected: [
              "p.yaml:12:18: error: defaults.groupBy lists \"app\" twice"]),
    .init(name: "rule without match", text: "namespaces:\n  - isolation: namespace\n", expected: [
              "p.yaml:12:5: error: namespaces[0] is missing required key \"match\"\n  hint: e.g. match: {names: [shop, shop-*]} or match: {selector: {matchLabels: {team: payments}}}"]),
    .init(name: "rule match empty", text: "namespaces:\n  - match: {}\n", expected: [
              "p.yaml:12:12: error: namespaces[0].match must have names, selector, or both\n  hint: use names: [\"*\"] to match every namespace"]),
    .init(name: "namespace glob with capitals", text: "namespaces:\n  - match: {names: [Shop]}\n", expected: [
              "p.yaml:12:21: error: namespaces[0].match.names: \"Shop\" cannot match a namespace name\n  hint: namespace names are lowercase letters, digits and '-'; patterns add '*' and '?'"]),
    .init(name: "selector operator unknown", text: "namespaces:\n  - match:\n      selector:\n        matchExpressions:\n          - {key: team, operator: Equals, values: [a]}\n", expected: [
              "p.yaml:15:35: error: namespaces[0].match.selector.matchExpressions[0].operator: \"Equals\" is not one of In, NotIn, Exists, DoesNotExist"]),
    .init(name: "selector In without values", text: "namespaces:\n  - match:\n      selector:\n        matchExpressions:\n          - {key: team, operator: In}\n", expected: [
              "p.yaml:15:13: error: namespaces[0].match.selector.matchExpressions[0].values: must be non-empty when operator is In"]),
    .init(name: "peer with two forms", text: "peers:\n  - match: {names: [a]}\n    nodes: {epg: {name: n}}\n", expected: [
              "p.yaml:12:5: error: peers[0] must have exactly one of match (namespaces), external (an L3Out EPG) or nodes; found match, nodes"]),
    .init(name: "peer traffic class invalid", text: "peers:\n  - external: {name: out, provides: [{contract: c, allows: [tcp/99999, sctp/5, http]}]}\n", expected: [
              "p.yaml:12:61: error: peers[0].external.provides[0].allows: \"tcp/99999\": ports are a number 1–65535 or a range LOW-HIGH with LOW ≤ HIGH",
              "p.yaml:12:72: error: peers[0].external.provides[0].allows: \"sctp/5\": only tcp and udp take ports (ACI filters match ports for TCP and UDP only)",
              "p.yaml:12:80: error: peers[0].external.provides[0].allows: \"http\" is not a traffic class: expected all, icmp, icmpv6, or tcp|udp followed by /PORT, /LOW-HIGH or /all (e.g. udp/53)"]),
    .init(name: "allow epg glob malformed", text: "annotations:\n  allow:\n    - namespaces: [lab-*]\n      epgs: [\"kube/lab-*\"]\n", expected: [
              "p.yaml:14:14: error: annotations.allow[0].epgs: \"kube/lab-*\" is not TENANT/APPLICATION-PROFILE/EPG\n  hint: each part may use * and ?, e.g. kube/aci-admission/lab-*"]),
    .init(name: "onForeign invalid", text: "annotations:\n  onForeign: ignore\n", expected: [
              "p.yaml:12:14: error: annotations.onForeign is \"ignore\"; expected one of reject, replace"]),
    .init(name: "write rate malformed and VMM type unknown", text: "", edit: ("vmmDomain: {type: Kubernetes, name: kube}", "vmmDomain: {type: VMware, name: kube}\n  writeRateLimit: fast"), expected: [
              "p.yaml:8:21: error: fabric.vmmDomain.type is \"VMware\"; expected Kubernetes or OpenShift",
              "p.yaml:9:19: error: fabric.writeRateLimit \"fast\" is not a rate\n  hint: write N/s or N/m with N > 0, e.g. 10/s"]),
    .init(name: "second document", text: "---\nkind: Other\n", expected: [
              "p.yaml:12:1: error: a policy file holds one YAML document; found a second one\n  hint: remove the `---` separator and everything after it, or split the file"]),
    .init(name: "several errors are all reported", text: "defaults:\n  isolation: strict\n  enforcement: never\nexempt:\n  namespaces: [\"Bad_NS\"]\nguard:\n  labelEditor: [x]\n", expected: [
              "p.yaml:12:14: error: defaults.isolation is \"strict\"; expected one of cluster, namespace, deployment",
              "p.yaml:13:16: error: defaults.enforcement is \"never\"; expected one of enforce, warn, audit",
              "p.yaml:15:16: error: exempt.namespaces: \"Bad_NS\" cannot match a namespace name\n  hint: namespace names are lowercase letters, digits and '-'; patterns add '*' and '?'",
              "p.yaml:17:3: error: unknown key \"labelEditor\" in guard\n  hint: did you mean \"labelEditors\"?"]),
]

@Suite struct PolicyLoaderTests {
    @Test(arguments: malformedPolicies)
    func malformed(_ testCase: MalformedPolicy) {
        var header = PolicyFixtures.header
        if let (from, to) = testCase.edit {
            #expect(header.contains(from))
            header = header.replacingOccurrences(of: from, with: to)
        }
        let result = PolicyLoader.load(text: testCase.whole ? testCase.text : header + testCase.text, source: "p.yaml")
        #expect(result.policy == nil)
        #expect(result.diagnostics.map(\.description) == testCase.expected)
    }
}
