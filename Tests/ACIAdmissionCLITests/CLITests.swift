import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct CLITests {
    @Test func explainExamplesText() throws {
        let result = try CLI.run(["explain", "--policy", "examples/policy.yaml", "-f", "examples/manifests"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        #expect(result.stdout == (try CLI.golden("explain-examples.txt", result.stdout)))
    }

    @Test func explainExamplesJSON() throws {
        let result = try CLI.run(["explain", "--policy", "examples/policy.yaml", "-f", "examples/manifests", "--output", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == (try CLI.golden("explain-examples.json", result.stdout)))
        // The JSON is well-formed and carries the annotation value a webhook would write.
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let objects = try #require(document?["objects"] as? [[String: Any]])
        let web = try #require(objects.first { $0["name"] as? String == "web" && $0["kind"] as? String == "Deployment" })
        #expect(web["annotation"] as? String == #"{"tenant":"kube","app-profile":"aci-admission","name":"storefront.web"}"#)
        #expect(web["rule"] as? String == "namespaces[1] (storefront)")
    }

    @Test func explainReadsStdinAndDefaultsTheNamespace() throws {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: solo, labels: {app: x}}\n"
        let result = try CLI.run(["explain", "--policy", "examples/policy.yaml", "-f", "-", "--namespace", "storefront", "-o", "json"], stdin: pod)
        #expect(result.status == 0)
        #expect(result.stdout.contains(#""annotation" : "{\"tenant\":\"kube\",\"app-profile\":\"aci-admission\",\"name\":\"storefront.x\"}""#))
        #expect(result.stdout.contains(#""location" : "<stdin>:1:1""#))
    }

    @Test func explainWithBrokenManifestReportsAndExplainsTheRest() throws {
        let input = "kind: Pod\nmetadata: {name: ok, namespace: analytics}\n---\nkind: Pod\nmetadata: [broken]\n"
        let result = try CLI.run(["explain", "--policy", "examples/policy.yaml", "-f", "-"], stdin: input)
        #expect(result.status == 2)
        #expect(result.stderr.contains("<stdin>:5:11: error: Pod: metadata: expected a mapping"))
        #expect(result.stdout.contains("Pod analytics/ok"))
    }

    @Test func explainWithInvalidPolicyExits2() throws {
        let result = try CLI.run(["explain", "--policy", "Tests/ACIAdmissionCLITests/Golden/invalid-policy.yaml", "-f", "examples/manifests"])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("invalid policy; run `aci-admission policy lint"))
    }

    @Test func lintValidPolicy() throws {
        let result = try CLI.run(["policy", "lint", "examples/policy.yaml"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("examples/policy.yaml: valid (0 errors, 0 warnings); policy hash sha256:"))
    }

    @Test func lintInvalidPolicyText() throws {
        let result = try CLI.run(["policy", "lint", "Tests/ACIAdmissionCLITests/Golden/invalid-policy.yaml"])
        #expect(result.status == 2)
        #expect(result.stdout == (try CLI.golden("lint-invalid.txt", result.stdout)))
    }

    @Test func lintInvalidPolicyJSON() throws {
        let result = try CLI.run(["policy", "lint", "Tests/ACIAdmissionCLITests/Golden/invalid-policy.yaml", "--output", "json"])
        #expect(result.status == 2)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(document["valid"] as? Bool == false)
        let diagnostics = try #require(document["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count >= 3)
        #expect(diagnostics.allSatisfy { ($0["line"] as? Int ?? 0) > 0 && $0["severity"] != nil && $0["message"] != nil })
    }

    @Test func lintMissingFile() throws {
        let result = try CLI.run(["policy", "lint", "no/such/policy.yaml"])
        #expect(result.status == 2)
        #expect(result.stdout.contains("no/such/policy.yaml:0:0: error: cannot read policy file"))
    }

    @Test(arguments: [["--help"], ["policy", "--help"], ["policy", "lint", "--help"], ["explain", "--help"], ["help", "explain"]])
    func helpEverywhere(_ arguments: [String]) throws {
        let result = try CLI.run(arguments)
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE:"))
    }

    @Test(arguments: [["explain"], ["explain", "--policy", "p.yaml"], ["policy", "lint"], ["bogus"], ["explain", "--policy", "p", "-f", "m", "--output", "xml"], ["policy", "lint", "a", "b"]])
    func usageErrorsExit2(_ arguments: [String]) throws {
        let result = try CLI.run(arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains("Usage:") || result.stderr.contains("Error:"))
    }
}

@Suite(.serialized) struct PlanCLITests {
    @Test func planExamplesJSONIsAPICNative() throws {
        let result = try CLI.run(["plan", "--policy", "examples/policy.yaml", "-f", "examples/manifests", "--output", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == (try CLI.golden("plan-examples.json", result.stdout)))
        #expect(result.stdout.hasPrefix("{\n  \"totalCount\": \"1\",\n  \"imdata\": ["))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((document["rejected"] as? [Any])?.isEmpty == true)
    }

    @Test func planExamplesText() throws {
        let result = try CLI.run(["plan", "--policy", "examples/policy.yaml", "-f", "examples/manifests"])
        #expect(result.status == 0)
        #expect(result.stdout == (try CLI.golden("plan-examples.txt", result.stdout)))
    }

    @Test func planDotRendersWithGraphviz() throws {
        let result = try CLI.run(["plan", "--policy", "examples/policy.yaml", "-f", "examples/manifests", "-o", "dot"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("\"kube/aci-admission/storefront.web\" -> \"kube/aci-admission/storefront.cart\""))
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString).dot")
        try result.stdout.write(to: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: input) }
        let dot = try Subprocess.runBlocking("dot", ["-Tsvg", input.path])
        #expect(dot.status == 0, "Graphviz `dot` is needed (scripts/setup.sh installs it)")
        #expect(dot.stdout.contains("<svg") && dot.stdout.contains("storefront.cart"))
    }

    @Test func rejectedPoliciesAreListedAndExitOne() throws {
        let policy = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: by-version, namespace: storefront}
        spec:
          podSelector: {matchLabels: {version: v2}}
          ingress:
            - ports: [{port: http}]
        """
        let result = try CLI.run(["plan", "--policy", "examples/policy.yaml", "-f", "examples/manifests/00-namespaces.yaml", "-f", "-", "-o", "json"], stdin: policy)
        #expect(result.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let rejected = try #require(document["rejected"] as? [[String: Any]])
        #expect(rejected.count == 1)
        #expect(rejected.first?["namespace"] as? String == "storefront")
        #expect(rejected.first?["name"] as? String == "by-version")
        let reasons = try #require(rejected.first?["reasons"] as? [[String: Any]])
        #expect(reasons.map { $0["rule"] as? String } == ["split-epg", "named-port"])
        #expect(reasons.map { $0["path"] as? String } == ["spec.podSelector.matchLabels.version", "spec.ingress[0].ports[0].port"])
        #expect(reasons.allSatisfy { ($0["message"] as? String)?.isEmpty == false })
        let text = try CLI.run(["plan", "--policy", "examples/policy.yaml", "-f", "examples/manifests/00-namespaces.yaml", "-f", "-"], stdin: policy)
        #expect(text.status == 1)
        #expect(text.stdout.contains("REJECTED storefront/by-version  (<stdin>:1:1)"))
        #expect(text.stdout.contains("fix: write the container port number instead of \"http\""))
    }

    @Test func planUsageErrors() throws {
        #expect(try CLI.run(["plan", "--policy", "examples/policy.yaml"]).status == 2)
        #expect(try CLI.run(["plan", "--policy", "examples/policy.yaml", "-f", "x", "-o", "svg"]).status == 2)
        #expect(try CLI.run(["plan", "--policy", "nope.yaml", "-f", "examples/manifests"]).status == 2)
        #expect(try CLI.run(["plan", "--help"]).status == 0)
    }
}

@Suite(.serialized) struct CheckCLITests {
    @Test(arguments: ["text", "json", "junit", "sarif", "github"])
    func checkExamplesGolden(_ format: String) throws {
        let result = try CLI.run(["check", "--policy", "examples/policy.yaml", "examples/manifests", "--output", format])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == (try CLI.golden("check-examples.\(format)", result.stdout)))
    }

    @Test(arguments: ["text", "sarif"])
    func checkCorpusGolden(_ format: String) throws {
        let result = try CLI.run(["check", "--policy", "examples/policy.yaml", "../shared/corpus", "--output", format])
        #expect(result.status == 1)
        #expect(result.stdout == (try CLI.golden("check-corpus.\(format)", result.stdout)))
    }

    @Test func strictFailsOnWarnings() throws {
        #expect(try CLI.run(["check", "--policy", "examples/policy.yaml", "examples/manifests", "--strict"]).status == 1)
    }

    @Test func stdinAndAMalformedFileAmongGoodOnes() throws {
        let input = "apiVersion: v1\nkind: Pod\nmetadata: {name: from-stdin, namespace: analytics}\n"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "kind: Pod\nmetadata: {name: [broken\n".write(to: directory.appendingPathComponent("a-bad.yaml"), atomically: true, encoding: .utf8)
        try "apiVersion: v1\nkind: Pod\nmetadata: {name: good, namespace: analytics}\n".write(to: directory.appendingPathComponent("b-good.yaml"), atomically: true, encoding: .utf8)
        let result = try CLI.run(["check", "--policy", "examples/policy.yaml", directory.path, "-", "-o", "json"], stdin: input)
        #expect(result.status == 2)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let objects = try #require(document["objects"] as? [[String: Any]])
        #expect(objects.map { $0["name"] as? String } == ["good", "from-stdin"])
        #expect(objects.last?["file"] as? String == "<stdin>")
        let errors = try #require(document["inputErrors"] as? [[String: Any]])
        #expect(errors.first?["file"] as? String == directory.appendingPathComponent("a-bad.yaml").path)
        #expect((errors.first?["message"] as? String)?.hasPrefix("YAML syntax error") == true)
    }

    @Test func checkUsageErrors() throws {
        #expect(try CLI.run(["check", "--policy", "examples/policy.yaml"]).status == 2)
        #expect(try CLI.run(["check", "--policy", "missing.yaml", "examples/manifests"]).status == 2)
        #expect(try CLI.run(["check", "--policy", "examples/policy.yaml", "examples", "-o", "xml"]).status == 2)
        #expect(try CLI.run(["check", "--policy", "examples/policy.yaml", "examples/manifests", "--inventory", "missing.yaml"]).status == 2)
        #expect(try CLI.run(["check", "--help"]).status == 0)
    }

    @Test func exampleTestSuitePasses() throws {
        let result = try CLI.run(["test", "examples/tests"])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.hasSuffix("4 cases in 1 suite: 4 passed, 0 failed\n"))
    }

    @Test func failingTestSuiteReportsAndExitsOne() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("suite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = CLI.packageRoot.appendingPathComponent("examples/policy.yaml").path
        try """
        apiVersion: aci-admission/v1
        kind: PolicyTest
        policy: \(policy)
        cases:
          - name: wrong expectation
            objects: |
              apiVersion: v1
              kind: Pod
              metadata: {name: p, namespace: analytics}
            expect:
              - object: Pod analytics/p
                epg: kube/aci-admission/elsewhere
              - object: Pod analytics/missing
                clean: true
        """.write(to: directory.appendingPathComponent("t.yaml"), atomically: true, encoding: .utf8)
        let result = try CLI.run(["test", directory.path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAIL  wrong expectation  (\(directory.path)/t.yaml:5:5)"))
        #expect(result.stdout.contains("Pod analytics/p: expected EPG kube/aci-admission/elsewhere, got kube/aci-admission/analytics"))
        #expect(result.stdout.contains("Pod analytics/missing: no such object in the case's manifests"))
        let junit = try CLI.run(["test", directory.path, "-o", "junit"])
        #expect(junit.status == 1 && junit.stdout.contains("<failure"))
        #expect(try CLI.run(["test", "/nonexistent"]).status == 2)
    }
}
