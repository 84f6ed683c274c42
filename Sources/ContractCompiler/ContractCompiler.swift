import APIC
import Crypto
import EPGPolicy
import Foundation
import KubernetesModel

/// The outcome for one NetworkPolicy.
public struct PolicyOutcome: Sendable {
    public enum Status: String, Sendable, Codable {
        case accepted, rejected, skipped
        /// Inexpressible now, but accepted before: its last good translation is kept.
        case failedClosed = "failed-closed"
    }

    public var namespace: String
    public var name: String
    public var source: String?
    public var status: Status
    public var reasons: [Rejection]
    public var note: String?
}

/// A contract in the desired tree, for summaries and pictures.
public struct ContractSummary: Sendable, Hashable, Equatable {
    public var name: String
    public var tenant: String
    public var traffic: String
    public var providers: [String]
    public var consumers: [String]
    public var intraEPG: [String]
    /// An existing contract of a peer that owned EPGs consume (not emitted).
    public var isReferenced: Bool
}

public struct CompiledPlan: Sendable {
    public var tree: DesiredTree
    public var outcomes: [PolicyOutcome]
    /// Accepted (and failed-closed) policies' translations, by `namespace/name`: pass the plan back
    /// as `lastGood` to fail closed on the next compile.
    public var analyses: [String: PolicyAnalysis]
    public var groups: [EndpointGroup]
    public var contracts: [ContractSummary]
    /// Leaf filter rules the tree implies: Σ over contracts of provider × consumer pairs × filter entries.
    public var ruleCount: Int
    public var warnings: [String]

    public var rejected: [PolicyOutcome] { outcomes.filter { $0.status == .rejected } }
}

/// Compiles the inventory and the policy file into the desired APIC tree (DESIGN §5). Pure and
/// deterministic: identical inputs give identical output, whatever their order.
public struct ContractCompiler: Sendable {
    public static let ownershipAnnotation = "orchestrator:aci-admission"
    public static let ownershipTagKey = "aci-admission-cluster"

    public let policy: Policy

    public init(policy: Policy) { self.policy = policy }

    public func compile(_ inventory: Inventory, lastGood: CompiledPlan? = nil) -> CompiledPlan {
        compileKeepingState(inventory, lastGood: lastGood).plan
    }

    struct FullResult {
        var plan: CompiledPlan
        var universe: EndpointUniverse
        var checker: ExpressibilityChecker
        var state: EmissionState
        var store: ObjectStore
        var outcomes: [String: PolicyOutcome]
    }

    func compileKeepingState(_ inventory: Inventory, lastGood: CompiledPlan? = nil) -> FullResult {
        var universe = EndpointUniverse(policy: policy, inventory: inventory)
        let checker = ExpressibilityChecker(universe: universe)
        var outcomes: [String: PolicyOutcome] = [:]
        var analyses: [String: PolicyAnalysis] = [:]
        for entry in inventory.sortedPolicies {
            var outcome = PolicyOutcome(namespace: entry.namespace, name: entry.name, source: entry.source, status: .accepted, reasons: [])
            switch checker.check(entry.policy) {
            case .accepted(let analysis):
                analyses[entry.id] = analysis
            case .rejected(let reasons):
                outcome.reasons = reasons
                if let previous = lastGood?.analyses[entry.id] {
                    outcome.status = .failedClosed
                    outcome.note = "accepted before and inexpressible now: its last good translation stays in force until it is fixed"
                    analyses[entry.id] = previous
                } else {
                    outcome.status = .rejected
                }
            case .skipped(let why):
                outcome.status = .skipped
                outcome.note = why
            }
            outcomes[entry.id] = outcome
        }
        // A failed-closed translation may name groups the current policy file no longer produces
        // (the policy file changed): they are kept, so that its EPGs and contracts stay in force.
        if let lastGood {
            let previousGroups = Dictionary(uniqueKeysWithValues: lastGood.groups.map { ($0.key, $0) })
            for outcome in outcomes.values where outcome.status == .failedClosed {
                guard let analysis = analyses["\(outcome.namespace)/\(outcome.name)"] else { continue }
                let named = analysis.targets.union((analysis.ingress + analysis.egress).flatMap(\.peers.groups))
                for key in named where !key.hasPrefix("external:") { if let group = previousGroups[key] { universe.restore(group) } }
            }
        }
        // External EPGs exist for the prefixes of the policies finally accepted: a policy rejected
        // below (it would restrict a shared EPG) must not leave its prefixes' EPGs behind, so they
        // are derived again each round.
        let groupsWithoutExternals = universe
        var matrix: FlowMatrix
        while true {
            universe = groupsWithoutExternals
            for analysis in analyses.values {
                for rule in analysis.ingress + analysis.egress { rule.prefixes.forEach { universe.addExternal($0) } }
            }
            // External EPGs classify by longest prefix: an address inside a more specific prefix (from
            // any policy) lands in that prefix's EPG, so a rule naming a prefix covers every external
            // EPG inside it.
            let externalPrefixes = universe.groups.values.compactMap { group -> CIDR? in
                if case .external(let cidr) = group.kind { return cidr } else { return nil }
            }
            var widened = analyses
            for id in widened.keys {
                func widen(_ rules: inout [PolicyAnalysis.Rule]) {
                    for index in rules.indices {
                        for prefix in rules[index].prefixes {
                            for inner in externalPrefixes where prefix.contains(inner) { rules[index].peers.groups.insert("external:\(inner)") }
                        }
                    }
                }
                widen(&widened[id]!.ingress)
                widen(&widened[id]!.egress)
            }
            matrix = FlowMatrix(analyses: Array(widened.values))
            // Traffic inside an EPG aci-admission does not own cannot be restricted (its intra-EPG
            // enforcement is not ours to set): policies that would need it are rejected.
            let offenders = universe.groups.values.filter { $0.kind == .shared && matrix.allowed(from: $0.key, to: $0.key) != .all }
            guard !offenders.isEmpty else { break }
            for group in offenders.sorted(by: { $0.key < $1.key }) {
                for (id, analysis) in widened where analysis.targets.contains(group.key) {
                    analyses[id] = nil
                    outcomes[id]?.status = .rejected
                    outcomes[id]?.reasons.append(Rejection(path: "spec.podSelector", rule: Rejection.Rule.sharedEPGIntra, epg: group.display,
                        message: "spec.podSelector selects \(group.display), an EPG aci-admission does not own, and the policies on it would restrict traffic between its own pods (\(matrix.allowed(from: group.key, to: group.key)) allowed)",
                        fix: "give these pods an EPG of their own (namespace or deployment isolation), or allow all traffic between them"))
                }
            }
        }
        let state = EmissionState(policy: policy, universe: universe, matrix: matrix)
        let store = ObjectStore.build(state)
        let plan = ContractCompiler.plan(state: state, store: store, outcomes: outcomes)
        return FullResult(plan: plan, universe: universe, checker: checker, state: state, store: store, outcomes: outcomes)
    }

    static func plan(state: EmissionState, store: ObjectStore, outcomes: [String: PolicyOutcome]) -> CompiledPlan {
        let (contracts, ruleCount) = store.summaries(state)
        var warnings: [String] = []
        let budget = state.policy.fabric.ruleBudget
        if ruleCount > budget {
            warnings.append("the plan needs about \(ruleCount) leaf filter rules, above fabric.ruleBudget (\(budget)); explicit contracts grow with the number of EPG pairs")
        }
        return CompiledPlan(tree: store.tree(state), outcomes: outcomes.keys.sorted().map { outcomes[$0]! }, analyses: state.matrix.analyses,
                            groups: state.universe.sortedKeys.map { state.universe.groups[$0]! }, contracts: contracts,
                            ruleCount: ruleCount, warnings: warnings)
    }
}

/// Per ordered pair of endpoint groups, the traffic Kubernetes allows: (the destination is not
/// ingress-isolated, or its ingress rules allow the source) and (the source is not egress-isolated,
/// or its egress rules allow the destination). Kept per target, with reverse indexes, so that one
/// policy's change updates only the groups it selects.
struct FlowMatrix: Sendable {
    struct Allowance: Sendable, Equatable {
        var everywhere = PortSet.none
        var specific: [String: PortSet] = [:]
        func ports(for key: String) -> PortSet { everywhere.union(specific[key] ?? .none) }
    }

    private(set) var egress: [String: Allowance] = [:]
    private(set) var ingress: [String: Allowance] = [:]
    /// destination → egress-isolated sources whose rules name it specifically.
    private(set) var egressNamers: [String: Set<String>] = [:]
    /// Egress-isolated sources with a rule towards every endpoint.
    private(set) var everywhereEgress = Set<String>()
    /// source → ingress-isolated destinations whose rules name it specifically.
    private(set) var ingressNamers: [String: Set<String>] = [:]
    private(set) var everywhereIngress = Set<String>()
    /// target → the policies selecting it.
    private(set) var policiesByTarget: [String: Set<String>] = [:]
    private(set) var analyses: [String: PolicyAnalysis] = [:]

    init(analyses: [PolicyAnalysis]) {
        for analysis in analyses {
            self.analyses[analysis.id] = analysis
            for target in analysis.targets { policiesByTarget[target, default: []].insert(analysis.id) }
        }
        for target in policiesByTarget.keys { recompute(target) }
    }

    /// Replaces (or removes, with nil) one policy's translation; returns the targets whose
    /// allowances were recomputed.
    mutating func update(_ id: String, _ analysis: PolicyAnalysis?) -> Set<String> {
        var touched = analyses[id]?.targets ?? []
        for target in touched { policiesByTarget[target]?.remove(id) }
        analyses[id] = analysis
        if let analysis {
            touched.formUnion(analysis.targets)
            for target in analysis.targets { policiesByTarget[target, default: []].insert(id) }
        }
        for target in touched { recompute(target) }
        return touched
    }

    private mutating func recompute(_ target: String) {
        unindex(target)
        var out: Allowance?, into: Allowance?
        for id in (policiesByTarget[target] ?? []).sorted() {
            guard let analysis = analyses[id] else { continue }
            if analysis.isolatesEgress {
                var allowance = out ?? Allowance()
                for rule in analysis.egress { FlowMatrix.add(rule, to: &allowance) }
                out = allowance
            }
            if analysis.isolatesIngress {
                var allowance = into ?? Allowance()
                for rule in analysis.ingress { FlowMatrix.add(rule, to: &allowance) }
                into = allowance
            }
        }
        egress[target] = out
        ingress[target] = into
        if let out {
            for key in out.specific.keys { egressNamers[key, default: []].insert(target) }
            if !out.everywhere.isEmpty { everywhereEgress.insert(target) }
        }
        if let into {
            for key in into.specific.keys { ingressNamers[key, default: []].insert(target) }
            if !into.everywhere.isEmpty { everywhereIngress.insert(target) }
        }
    }

    private mutating func unindex(_ target: String) {
        for key in egress[target]?.specific.keys ?? [:].keys { egressNamers[key]?.remove(target) }
        for key in ingress[target]?.specific.keys ?? [:].keys { ingressNamers[key]?.remove(target) }
        everywhereEgress.remove(target)
        everywhereIngress.remove(target)
    }

    private static func add(_ rule: PolicyAnalysis.Rule, to allowance: inout Allowance) {
        if rule.peers.everything {
            allowance.everywhere = allowance.everywhere.union(rule.ports)
        } else {
            for key in rule.peers.groups { allowance.specific[key] = (allowance.specific[key] ?? .none).union(rule.ports) }
        }
    }

    func isEgressIsolated(_ key: String) -> Bool { egress[key] != nil }
    func isIngressIsolated(_ key: String) -> Bool { ingress[key] != nil }

    func allowed(from source: String, to destination: String) -> PortSet {
        let out = egress[source].map { $0.ports(for: destination) } ?? .all
        let into = ingress[destination].map { $0.ports(for: source) } ?? .all
        return out.intersection(into)
    }

    /// Whether an egress-isolated source's rules name `destination` (specifically or as everything).
    func egressNames(_ source: String, _ destination: String) -> Bool {
        guard let allowance = egress[source] else { return false }
        return !allowance.everywhere.isEmpty || allowance.specific[destination] != nil
    }

    func ingressCandidates(of destination: String, among all: [String]) -> [String] {
        guard let allowance = ingress[destination] else { return [] }
        return allowance.everywhere.isEmpty ? allowance.specific.keys.sorted() : all
    }
}
