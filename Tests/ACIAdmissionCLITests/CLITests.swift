import Foundation
import Testing

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
