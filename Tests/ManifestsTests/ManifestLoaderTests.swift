import Foundation
import KubernetesModel
import Testing
@testable import Manifests

/// The shared corpora live beside the repository: `../shared/corpus`.
enum Corpus {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/corpus")
}

@Suite struct ManifestLoaderTests {
    @Test func multiDocumentYAMLWithLocations() {
        let text = """
        # leading comment
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop, labels: {team: web}}
        ---
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: shop
        spec:
          template:
            metadata:
              labels: {app: web}
        """
        let set = ManifestLoader.parse(text: text, file: "m.yaml")
        #expect(set.diagnostics.isEmpty)
        #expect(set.objects.map(\.location.description) == ["m.yaml:2:1", "m.yaml:7:1"])
        #expect(set.objects.map(\.object.kind) == ["Namespace", "Deployment"])
        guard case .workload(let deployment) = set.objects[1].object else { Issue.record("not a workload"); return }
        #expect(deployment.podLabels == ["app": "web"])
    }

    @Test func kindListItemsAreLocatedIndividually() {
        let json = """
        {"apiVersion": "v1", "kind": "List", "items": [
          {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}},
          {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "a"}}
        ]}
        """
        let set = ManifestLoader.parse(text: json, file: "l.json")
        #expect(set.diagnostics.isEmpty)
        #expect(set.objects.map(\.location.description) == ["l.json:2:3", "l.json:3:3"])
    }

    @Test func typedListKindsAreUnwrapped() {
        let text = "apiVersion: v1\nkind: NamespaceList\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n"
        #expect(ManifestLoader.parse(text: text, file: "x").objects.count == 1)
    }

    @Test func wrongShapeIsReportedAtTheFieldAndOtherDocumentsSurvive() {
        let text = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: good}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: bad}
        spec:
          podSelector: {}
          ingress:
            - ports:
                - port: 80
                  endPort: lots
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: also-good}
        """
        let set = ManifestLoader.parse(text: text, file: "m.yaml")
        #expect(set.objects.compactMap { $0.object.metadata?.name } == ["good", "also-good"])
        #expect(set.diagnostics.map(\.description) == ["m.yaml:13:20: error: NetworkPolicy \"bad\": spec.ingress[0].ports[0].endPort: expected an integer"])
    }

    @Test func syntaxErrorKeepsEarlierDocuments() {
        let text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {name: [unclosed\n"
        let set = ManifestLoader.parse(text: text, file: "s.yaml")
        #expect(set.objects.count == 1)
        #expect(set.diagnostics.count == 1)
        #expect(set.diagnostics[0].message.hasPrefix("YAML syntax error:"))
        #expect(set.diagnostics[0].location.line == 7)
    }

    @Test func duplicateKeysAreErrors() {
        let set = ManifestLoader.parse(text: "kind: Namespace\nmetadata: {name: a}\nkind: Pod\n", file: "d.yaml")
        #expect(set.objects.isEmpty)
        #expect(set.diagnostics.first?.message.contains("duplicate key \"kind\"") == true)
    }

    @Test(arguments: [
        ("- just\n- a list\n", "a manifest document must be a mapping (an object with apiVersion and kind)"),
        ("apiVersion: v1\nmetadata: {name: x}\n", "object has no `kind`"),
        ("kind: Pod\nmetadata: [1, 2]\n", "Pod: metadata: expected a mapping"),
        ("kind: List\nitems: {a: 1}\n", "List.items must be a sequence"),
    ])
    func hostileDocuments(_ input: (String, String)) {
        let set = ManifestLoader.parse(text: input.0, file: "h.yaml")
        #expect(set.objects.isEmpty)
        #expect(set.diagnostics.map(\.message) == [input.1])
    }

    @Test func invalidUTF8IsReported() {
        let set = ManifestLoader.parse(data: Data([0x6b, 0x69, 0xff, 0xfe]), file: "b.yaml")
        #expect(set.diagnostics.map(\.message) == ["not valid UTF-8 text"])
    }

    @Test func missingPathIsReportedAndOthersLoad() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("manifests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("sub"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "kind: Namespace\nmetadata: {name: b}\n".write(to: directory.appendingPathComponent("sub/b.yml"), atomically: true, encoding: .utf8)
        try "kind: Namespace\nmetadata: {name: a}\n".write(to: directory.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try "not a manifest".write(to: directory.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let set = ManifestLoader.load(paths: [directory.path, "/nonexistent/x.yaml", "-"],
                                      standardInput: { Data("kind: Namespace\nmetadata: {name: c}\n".utf8) })
        #expect(set.objects.compactMap { $0.object.metadata?.name } == ["a", "b", "c"])
        #expect(set.objects.last?.location.file == "<stdin>")
        #expect(set.diagnostics.map(\.description) == ["/nonexistent/x.yaml:0:0: error: no such file or directory"])
    }

    @Test func everyCorpusFileDecodes() throws {
        let set = ManifestLoader.load(paths: [Corpus.root.path])
        #expect(set.diagnostics.isEmpty, "\(set.diagnostics)")
        let policies = set.objects.compactMap { item -> NetworkPolicy? in
            if case .networkPolicy(let policy) = item.object { return policy } else { return nil }
        }
        #expect(policies.count == 24)
        // Recipe 04: `matchLabels:` with nothing under it is null and selects every pod.
        let recipe04 = try #require(policies.first { $0.metadata.name == "deny-from-other-namespaces" })
        #expect(recipe04.spec.podSelector?.isEmpty == true)
        // The flow-style ("KYAML") documents parse too.
        let flow = try #require(policies.first { $0.metadata.name == "allow-all-egress" })
        #expect(flow.spec.egress?.count == 1)
        #expect(flow.spec.effectivePolicyTypes == [.egress])
        // endPort and ipBlock except survive.
        let multiPort = try #require(policies.first { $0.metadata.name == "multi-port-egress" })
        #expect(multiPort.spec.egress?.first?.ports?.first?.endPort == 32768)
        let docs = try #require(policies.first { $0.metadata.name == "test-network-policy" })
        #expect(docs.spec.ingress?.first?.from?.first?.ipBlock?.except == ["172.17.1.0/24"])
        // nginx-policy's quoted "true" stays a string label value.
        let nginx = try #require(policies.first { $0.metadata.name == "access-nginx" })
        #expect(nginx.spec.ingress?.first?.from?.first?.podSelector?.matchLabels == ["access": "true"])
    }
}
