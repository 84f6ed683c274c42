import ArgumentParser
import EPGPolicy
import Foundation
import KubernetesModel
import Manifests

struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show the EPG every Namespace, workload and Pod would get, and why.",
        discussion: """
        For each object: the opflex.cisco.com/endpoint-group value it would carry, the rule that \
        decided it, and why each earlier rule did not match. Namespaces defined in the manifests \
        supply the labels namespace rules select on.
        Exit status: 0 explained, 2 when the policy or a manifest cannot be read.
        """)

    @Option(name: .long, help: "The policy file (YAML).")
    var policy: String

    @Option(name: [.customShort("f"), .long], help: "Manifest file or directory (YAML or JSON, multi-document, kind: List); repeatable; - for stdin.")
    var filename: [String]

    @Option(name: .long, help: "Namespace for objects that name none.")
    var namespace: String = "default"

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: OutputFormat = .text

    func validate() throws {
        if filename.isEmpty { throw ValidationError("give at least one manifest with -f") }
    }

    func run() async throws {
        let policy = try loadPolicyOrExit(self.policy)
        let manifests = ManifestLoader.load(paths: filename)
        for diagnostic in manifests.diagnostics { printError(diagnostic.description) }
        let report = ExplainReport.build(policy: policy, objects: manifests.objects, defaultNamespace: namespace)
        print(output == .json ? report.json() : report.text(), terminator: "")
        if !manifests.diagnostics.isEmpty { throw ExitStatus.usage.code }
    }
}
