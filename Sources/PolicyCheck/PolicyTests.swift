import EPGPolicy
import Foundation
import KubernetesModel
import Manifests
import Yams

/// A declarative test suite platform teams keep next to their policy:
///
///     apiVersion: aci-admission/v1
///     kind: PolicyTest
///     policy: ../policy.yaml                 # relative to this file
///     cases:
///       - name: web gets its own EPG
///         manifests: [../manifests]          # files or directories, relative to this file
///         objects: |                         # and/or inline YAML
///           apiVersion: v1
///           kind: Pod
///           metadata: {name: p, namespace: shop, labels: {app: web}}
///         expect:
///           - object: Deployment storefront/web
///             epg: kube/aci-admission/storefront.web
///           - object: NetworkPolicy storefront/cart-from-web
///             verdict: accepted
///           - object: Deployment payments/fraud-check
///             rule: foreign-epg-annotation
///           - object: Pod shop/p
///             clean: true
public struct PolicyTestSuite: Decodable, Sendable {
    public var apiVersion: String
    public var kind: String
    public var policy: String
    public var cases: [TestCase]

    public struct TestCase: Decodable, Sendable {
        public var name: String
        public var manifests: [String]?
        public var objects: String?
        public var namespace: String?
        public var expect: [Expectation]
    }

    public struct Expectation: Decodable, Sendable {
        /// `Kind namespace/name`, or `Namespace name`.
        public var object: String
        /// `tenant/application-profile/name`, or `none`.
        public var epg: String?
        public var verdict: String?
        /// A finding with this rule is expected.
        public var rule: String?
        /// No findings at all.
        public var clean: Bool?
    }
}

public struct PolicyTestResult: Sendable {
    public var suite: String
    public var name: String
    public var location: SourceLocation
    public var failures: [String]
    public var passed: Bool { failures.isEmpty }
}

public enum PolicyTestRunner {
    /// Test suites in a directory (recursively): YAML files whose `kind` is `PolicyTest`.
    public static func suites(in path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [path] }
        let enumerator = FileManager.default.enumerator(atPath: path)
        var files: [String] = []
        while let relative = enumerator?.nextObject() as? String {
            guard relative.hasSuffix(".yaml") || relative.hasSuffix(".yml") else { continue }
            let full = (path as NSString).appendingPathComponent(relative)
            if let text = try? String(contentsOfFile: full, encoding: .utf8), text.range(of: #"(?m)^kind:\s*PolicyTest\s*$"#, options: .regularExpression) != nil {
                files.append(full)
            }
        }
        return files.sorted()
    }

    /// Runs every case of one suite file. Problems with the suite itself (unreadable, wrong shape,
    /// invalid policy) are returned as `errors`.
    public static func run(file: String) -> (results: [PolicyTestResult], errors: [ManifestDiagnostic]) {
        let directory = (file as NSString).deletingLastPathComponent
        func resolve(_ path: String) -> String { path.hasPrefix("/") ? path : (directory as NSString).appendingPathComponent(path) }
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            return ([], [ManifestDiagnostic(location: start, message: "cannot read test suite")])
        }
        let root: Node
        let suite: PolicyTestSuite
        do {
            guard let node = try Yams.compose(yaml: text) else { return ([], [ManifestDiagnostic(location: start, message: "test suite is empty")]) }
            root = node
            suite = try YAMLDecoder().decode(PolicyTestSuite.self, from: node)
        } catch let error as DecodingError {
            guard let node = try? Yams.compose(yaml: text) else { return ([], [YAMLErrors.diagnostic(for: error, file: file)]) }
            let (location, message) = YAMLErrors.describe(decodingError: error, root: node, file: file)
            return ([], [ManifestDiagnostic(location: location ?? start, message: "test suite: \(message)")])
        } catch {
            return ([], [YAMLErrors.diagnostic(for: error, file: file)])
        }
        guard suite.kind == "PolicyTest", suite.apiVersion == Policy.currentAPIVersion else {
            return ([], [ManifestDiagnostic(location: start, message: "expected apiVersion \(Policy.currentAPIVersion) and kind PolicyTest")])
        }
        let loaded = PolicyLoader.load(file: resolve(suite.policy))
        guard let policy = loaded.policy else {
            return ([], loaded.errors.map { ManifestDiagnostic(location: $0.location, message: $0.message) })
        }
        var results: [PolicyTestResult] = []
        var errors: [ManifestDiagnostic] = []
        for (index, testCase) in suite.cases.enumerated() {
            let mark = root["cases"].flatMap { node -> Node? in
                if case .sequence(let items) = node, index < items.count { return items[index] } else { return nil }
            }?.mark
            let location = SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
            var manifests = ManifestLoader.load(paths: (testCase.manifests ?? []).map(resolve))
            if let inline = testCase.objects {
                manifests.append(contentsOf: ManifestLoader.parse(text: inline, file: "\(file)#cases[\(index)].objects"))
            }
            errors += manifests.diagnostics
            let report = CheckRunner(policy: policy, defaultNamespace: testCase.namespace ?? "default").run(manifests)
            var failures: [String] = []
            for expectation in testCase.expect {
                guard let object = report.objects.first(where: { $0.identity == expectation.object }) else {
                    failures.append("\(expectation.object): no such object in the case's manifests (objects: \(report.objects.map(\.identity).joined(separator: ", ")))")
                    continue
                }
                if let epg = expectation.epg {
                    let actual = object.epg.flatMap { try? EPGAnnotation.parse($0) }?.description ?? "none"
                    if actual != epg { failures.append("\(expectation.object): expected EPG \(epg), got \(actual)") }
                }
                if let verdict = expectation.verdict, verdict != object.verdict {
                    failures.append("\(expectation.object): expected verdict \(verdict), got \(object.verdict)")
                }
                if let rule = expectation.rule, !object.findings.contains(where: { $0.rule == rule }) {
                    let found = object.findings.map(\.rule)
                    failures.append("\(expectation.object): expected a \(rule) finding, got \(found.isEmpty ? "none" : found.joined(separator: ", "))")
                }
                if expectation.clean == true, !object.findings.isEmpty {
                    failures.append("\(expectation.object): expected no findings, got \(object.findings.map { "[\($0.rule)] \($0.message)" }.joined(separator: "; "))")
                }
            }
            results.append(PolicyTestResult(suite: file, name: testCase.name, location: location, failures: failures))
        }
        return (results, errors)
    }

    /// The results as a check report, so that every output format works for tests too: one
    /// "object" per case, one error finding per failed expectation.
    public static func report(_ results: [PolicyTestResult], errors: [ManifestDiagnostic]) -> CheckReport {
        let objects = results.map { result in
            CheckedObject(file: result.location.file, line: result.location.line, column: result.location.column, kind: "PolicyTest",
                          namespace: "", name: result.name, epg: nil, verdict: result.passed ? "passed" : "failed",
                          findings: result.failures.map {
                              Finding(file: result.location.file, line: result.location.line, column: result.location.column, kind: "PolicyTest",
                                      namespace: "", name: result.name, path: "", rule: "test-failed", severity: .error, message: $0,
                                      fix: "fix the policy or the manifests, or update the expectation")
                          })
        }
        let inputErrors = errors.map {
            Finding(file: $0.location.file, line: $0.location.line, column: $0.location.column, kind: "", namespace: "", name: "", path: "",
                    rule: "input-error", severity: .error, message: $0.message, fix: "correct the test suite or its manifests")
        }
        return CheckReport(policySource: "policy tests", policyHash: "", objects: objects, inputErrors: inputErrors, strict: false)
    }
}
