import ArgumentParser
import EPGPolicy
import Foundation
import Manifests
import PolicyCheck

extension CheckFormat: ExpressibleByArgument {}

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check manifests as the admission webhook would, for CI gates.",
        discussion: """
        PATH is a file, a directory (recursively *.yaml, *.yml, *.json) or - for stdin (e.g. the \
        output of `helm template` or `kustomize build`). Every Namespace, workload and Pod gets the \
        EPG it would get; hand-written EPG annotations the policy does not allow and NetworkPolicies \
        that cannot be expressed as contracts are reported with file, line, column, field path, rule \
        and fix. Findings under `warn` enforcement are warnings, under `audit` notes.
        Exit status: 0 clean, 1 findings (errors; warnings too with --strict), 2 usage, policy or \
        manifest errors.
        """)

    @Option(name: .long, help: "The policy file (YAML).")
    var policy: String

    @Argument(help: "Manifest files, directories, or - for stdin.")
    var paths: [String]

    @Option(name: .shortAndLong, help: "Output format: text, json, junit, sarif or github.")
    var output: CheckFormat = .text

    @Option(name: .long, help: "Namespace for objects that name none.")
    var namespace: String = "default"

    @Option(name: .long, help: "What already runs in the cluster (e.g. `kubectl get ns,deploy,sts,ds,netpol -A -o yaml`), to judge NetworkPolicies against; not itself reported on.")
    var inventory: String?

    @Flag(name: .long, help: "Fail on warnings too.")
    var strict = false

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give at least one manifest path (or - for stdin)") }
    }

    func run() async throws {
        let policy = try loadPolicyOrExit(self.policy)
        var context: ManifestSet?
        if let inventory {
            let set = ManifestLoader.load(paths: [inventory])
            if !set.diagnostics.isEmpty {
                printError(set.diagnostics.map(\.description).joined(separator: "\n"))
                printError("\(inventory): cannot read the inventory")
                throw ExitStatus.usage.code
            }
            context = set
        }
        let manifests = ManifestLoader.load(paths: paths)
        let report = CheckRunner(policy: policy, defaultNamespace: namespace, strict: strict).run(manifests, inventory: context)
        print(ReportRenderer.render(report, format: output, colors: output == .text && isatty(STDOUT_FILENO) == 1), terminator: "")
        if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
    }
}

struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run declarative policy test suites (kind: PolicyTest).",
        discussion: """
        Runs every PolicyTest YAML file under DIR (see examples/tests/ and docs/check.md): each case \
        names manifests and expected EPGs, verdicts or rules.
        Exit status: 0 all passed, 1 a case failed, 2 a suite or its manifests cannot be read.
        """)

    @Argument(help: "A test suite file or a directory of them.")
    var path: String

    @Option(name: .shortAndLong, help: "Output format: text, json, junit, sarif or github.")
    var output: CheckFormat = .text

    func run() async throws {
        let suites = PolicyTestRunner.suites(in: path)
        guard !suites.isEmpty else {
            printError("\(path): no PolicyTest suites found (YAML files with kind: PolicyTest)")
            throw ExitStatus.usage.code
        }
        var results: [PolicyTestResult] = []
        var errors: [ManifestDiagnostic] = []
        for suite in suites {
            let (suiteResults, suiteErrors) = PolicyTestRunner.run(file: suite)
            results += suiteResults
            errors += suiteErrors
        }
        let report = PolicyTestRunner.report(results, errors: errors)
        if output == .text {
            for result in results {
                print("\(result.passed ? "PASS" : "FAIL")  \(result.name)  (\(result.location))")
                for failure in result.failures { print("      \(failure)") }
            }
            for error in errors { print("ERROR \(error)") }
            let failed = results.filter { !$0.passed }.count
            print("\(results.count) case\(results.count == 1 ? "" : "s") in \(suites.count) suite\(suites.count == 1 ? "" : "s"): \(results.count - failed) passed, \(failed) failed")
        } else {
            print(ReportRenderer.render(report, format: output), terminator: "")
        }
        if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
    }
}
