import APIC
import ArgumentParser
import ContractCompiler
import EPGPolicy
import Foundation
import KubernetesModel
import Manifests

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print the APIC tree (EPGs, contracts, filters) that the policy and manifests imply.",
        discussion: """
        --output json prints exactly what would be posted (APIC-native: {"totalCount":…,"imdata":[…]}) \
        with a "rejected" list beside imdata; text summarises EPGs and contracts; dot draws them \
        (render with Graphviz: aci-admission plan … -o dot | dot -Tsvg > plan.svg).
        Exit status: 0 when every NetworkPolicy is expressible, 1 when some were rejected (they are \
        listed and left out of the tree), 2 when the policy or a manifest cannot be read.
        """)

    @Option(name: .long, help: "The policy file (YAML).")
    var policy: String

    @Option(name: [.customShort("f"), .long], help: "Manifest file or directory (YAML or JSON); repeatable; - for stdin.")
    var filename: [String]

    @Option(name: .long, help: "Namespace for objects that name none.")
    var namespace: String = "default"

    @Option(name: .shortAndLong, help: "Output format: text, json or dot.")
    var output: PlanFormat = .text

    enum PlanFormat: String, ExpressibleByArgument, CaseIterable { case text, json, dot }

    func validate() throws {
        if filename.isEmpty { throw ValidationError("give at least one manifest with -f") }
    }

    func run() async throws {
        let policy = try loadPolicyOrExit(self.policy)
        let manifests = ManifestLoader.load(paths: filename)
        for diagnostic in manifests.diagnostics { printError(diagnostic.description) }
        if !manifests.diagnostics.isEmpty { throw ExitStatus.usage.code }
        var inventory = Inventory()
        for item in manifests.objects { inventory.add(item.object, defaultNamespace: namespace, source: item.location.description) }
        let plan = ContractCompiler(policy: policy).compile(inventory)
        for warning in plan.warnings { printError("warning: \(warning)") }
        switch output {
        case .json: print(PlanReport.json(plan))
        case .text: print(PlanReport.text(plan, policy: policy), terminator: "")
        case .dot: print(PlanReport.dot(plan), terminator: "")
        }
        if !plan.rejected.isEmpty { throw ExitStatus.findings.code }
    }
}

/// Renders a compiled plan.
public enum PlanReport {
    public static func json(_ plan: CompiledPlan) -> String {
        let rejected: [APICJSON.Value] = plan.outcomes.filter { $0.status == .rejected || $0.status == .failedClosed }.map { outcome in
            var members: [(String, APICJSON.Value)] = [("namespace", .string(outcome.namespace)), ("name", .string(outcome.name))]
            if let source = outcome.source { members.append(("source", .string(source))) }
            members.append(("status", .string(outcome.status.rawValue)))
            members.append(("reasons", .array(outcome.reasons.map { reason in
                var fields: [(String, APICJSON.Value)] = [("path", .string(reason.path)), ("rule", .string(reason.rule))]
                if let epg = reason.epg { fields.append(("epg", .string(epg))) }
                fields += [("message", .string(reason.message)), ("fix", .string(reason.fix))]
                return .object(fields)
            })))
            return .object(members)
        }
        return APICJSON.render(APICJSON.envelope(plan.tree.imdata(), extra: [("rejected", .array(rejected))]), pretty: true)
    }

    public static func text(_ plan: CompiledPlan, policy: Policy) -> String {
        var out = ""
        let owned = plan.groups.filter { $0.kind == .owned }
        out += "Plan for \(policy.source) (\(policy.hash)): \(owned.count) owned EPG\(owned.count == 1 ? "" : "s"), "
        out += "\(plan.contracts.filter { !$0.isReferenced }.count) contracts, about \(plan.ruleCount) leaf filter rules (budget \(policy.fabric.ruleBudget))\n"
        out += "\nEPGs\n"
        let objects = plan.tree.objects
        for group in plan.groups {
            let kind: String
            switch group.kind {
            case .owned: kind = "owned"
            case .shared: kind = "referenced"
            case .peer(let index): kind = "peer (peers[\(index)])"
            case .nodes(let index): kind = "nodes (peers[\(index)])"
            case .external: kind = "external EPG"
            case .world(let index): kind = "external peer (peers[\(index)])"
            case .unmanaged: kind = "unmanaged"
            }
            var line = "  \(group.display)  [\(kind)]"
            if let epg = group.epg, group.kind == .owned, let object = objects[epg.dn], object["pcEnfPref"] == "enforced" { line += " intra-EPG enforced" }
            out += line + "\n"
            let namespaces = Array(Set(group.regions.map(\.namespace))).sorted()
            if !namespaces.isEmpty { out += "      pods of: \(namespaces.joined(separator: ", "))\n" }
            let provided = plan.contracts.filter { $0.providers.contains(group.display) }.map(\.name)
            let consumed = plan.contracts.filter { $0.consumers.contains(group.display) }.map(\.name)
            if !provided.isEmpty { out += "      provides: \(provided.joined(separator: ", "))\n" }
            if !consumed.isEmpty { out += "      consumes: \(consumed.joined(separator: ", "))\n" }
        }
        out += "\nContracts\n"
        for contract in plan.contracts {
            out += "  \(contract.name)\(contract.isReferenced ? " (existing, not ours)" : "")  \(contract.traffic)\n"
            if !contract.providers.isEmpty { out += "      provided by: \(contract.providers.joined(separator: ", "))\n" }
            if !contract.consumers.isEmpty { out += "      consumed by: \(contract.consumers.joined(separator: ", "))\n" }
            if !contract.intraEPG.isEmpty { out += "      inside: \(contract.intraEPG.joined(separator: ", "))\n" }
        }
        let accepted = plan.outcomes.filter { $0.status == .accepted }
        out += "\nNetworkPolicies: \(accepted.count) accepted"
        let rejected = plan.outcomes.filter { $0.status == .rejected || $0.status == .failedClosed }
        let skipped = plan.outcomes.filter { $0.status == .skipped }
        out += ", \(rejected.count) rejected, \(skipped.count) skipped\n"
        for outcome in rejected {
            out += "  \(outcome.status == .failedClosed ? "FAILED CLOSED" : "REJECTED") \(outcome.namespace)/\(outcome.name)\(outcome.source.map { "  (\($0))" } ?? "")\n"
            for reason in outcome.reasons {
                out += "    - [\(reason.rule)] \(reason.message)\n      fix: \(reason.fix)\n"
            }
            if let note = outcome.note { out += "    \(note)\n" }
        }
        for outcome in skipped { out += "  skipped \(outcome.namespace)/\(outcome.name): \(outcome.note ?? "")\n" }
        for warning in plan.warnings { out += "warning: \(warning)\n" }
        return out
    }

    /// EPGs as nodes, contracts as labelled edges from consumer to provider.
    public static func dot(_ plan: CompiledPlan) -> String {
        func quoted(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        var out = "digraph plan {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n"
        for group in plan.groups {
            let shape: String
            switch group.kind {
            case .owned: shape = "box, style=rounded"
            case .shared: shape = "box, style=dashed"
            case .external, .world: shape = "diamond"
            default: shape = "ellipse, style=dashed"
            }
            out += "  \(quoted(group.display)) [shape=\(shape)];\n"
        }
        for contract in plan.contracts {
            let label = quoted("\(contract.name)\n\(contract.traffic)")
            for consumer in contract.consumers {
                for provider in contract.providers where provider != consumer {
                    out += "  \(quoted(consumer)) -> \(quoted(provider)) [label=\(label)\(contract.isReferenced ? ", style=dashed" : "")];\n"
                }
            }
            for member in contract.intraEPG {
                out += "  \(quoted(member)) -> \(quoted(member)) [label=\(label)];\n"
            }
        }
        return out + "}\n"
    }
}
