import EPGPolicy
import KubernetesModel

/// Keeps the compiled state so that one NetworkPolicy change is applied by recomputing only the
/// groups it selects and the contracts of the providers it touches, and returns what changed.
/// Changes that alter the set of endpoint groups (namespaces, workloads, a new or no-longer-used
/// `ipBlock` prefix) take the full path. The result always equals a full compile of the same
/// inventory with the previous plan as `lastGood` (a property the tests check).
public final class IncrementalCompiler {
    public let policy: Policy
    public private(set) var inventory: Inventory
    private var universe: EndpointUniverse
    private var checker: ExpressibilityChecker
    private var state: EmissionState
    private var store: ObjectStore
    private var outcomes: [String: PolicyOutcome]
    private var cachedPlan: CompiledPlan?
    /// Whether the last change took the full path (for diagnostics and tests).
    public private(set) var lastChangeWasFull = true

    public init(policy: Policy, inventory: Inventory) {
        self.policy = policy
        self.inventory = inventory
        let full = ContractCompiler(policy: policy).compileKeepingState(inventory)
        (universe, checker, state, store, outcomes, cachedPlan) = (full.universe, full.checker, full.state, full.store, full.outcomes, full.plan)
    }

    /// The current plan (assembled on demand after incremental changes).
    public var plan: CompiledPlan {
        if let cachedPlan { return cachedPlan }
        let plan = ContractCompiler.plan(state: state, store: store, outcomes: outcomes)
        cachedPlan = plan
        return plan
    }

    /// A NetworkPolicy was created or updated.
    @discardableResult
    public func apply(_ networkPolicy: NetworkPolicy, source: String? = nil) -> TreeDiff {
        var networkPolicy = networkPolicy
        if networkPolicy.metadata.namespace == nil { networkPolicy.metadata.namespace = "default" }
        inventory.add(.networkPolicy(networkPolicy), source: source)
        let entry = inventory.policies["\(networkPolicy.metadata.namespace!)/\(networkPolicy.metadata.name ?? "(unnamed)")"]!
        var outcome = PolicyOutcome(namespace: entry.namespace, name: entry.name, source: source, status: .accepted, reasons: [])
        var analysis: PolicyAnalysis?
        switch checker.check(entry.policy) {
        case .accepted(let accepted):
            analysis = widened(accepted)
        case .rejected(let reasons):
            outcome.reasons = reasons
            if let previous = state.matrix.analyses[entry.id] {
                outcome.status = .failedClosed
                outcome.note = "accepted before and inexpressible now: its last good translation stays in force until it is fixed"
                analysis = previous
            } else {
                outcome.status = .rejected
            }
        case .skipped(let why):
            outcome.status = .skipped
            outcome.note = why
        }
        return update(entry.id, analysis: analysis, outcome: outcome)
    }

    /// A NetworkPolicy was deleted.
    @discardableResult
    public func remove(namespace: String, name: String) -> TreeDiff {
        let id = "\(namespace)/\(name)"
        inventory.policies[id] = nil
        return update(id, analysis: nil, outcome: nil)
    }

    /// Any other change (namespaces, workloads): a full recompile, diffed against the current tree.
    @discardableResult
    public func replace(inventory newInventory: Inventory) -> TreeDiff {
        inventory = newInventory
        return recompileFully()
    }

    // MARK: internals

    private func widened(_ analysis: PolicyAnalysis) -> PolicyAnalysis {
        var result = analysis
        let externals = universe.groups.values.compactMap { group -> CIDR? in
            if case .external(let cidr) = group.kind { return cidr } else { return nil }
        }
        func widen(_ rules: inout [PolicyAnalysis.Rule]) {
            for index in rules.indices {
                for prefix in rules[index].prefixes {
                    for inner in externals where prefix.contains(inner) { rules[index].peers.groups.insert("external:\(inner)") }
                }
            }
        }
        widen(&result.ingress)
        widen(&result.egress)
        return result
    }

    private func prefixes(_ analyses: some Sequence<PolicyAnalysis>) -> Set<CIDR> {
        Set(analyses.flatMap { ($0.ingress + $0.egress).flatMap(\.prefixes) })
    }

    private func update(_ id: String, analysis: PolicyAnalysis?, outcome: PolicyOutcome?) -> TreeDiff {
        let previous = state.matrix.analyses[id]
        var after = state.matrix.analyses
        after[id] = analysis
        // A new prefix, or one no longer used, changes the set of external EPGs: full path.
        if prefixes(after.values) != prefixes(state.matrix.analyses.values) {
            outcomes[id] = outcome
            return recompileFully()
        }
        // What the update needs from before it, captured without copying the state.
        let predicted = (previous?.targets ?? []).union(analysis?.targets ?? [])
        let wasEgressIsolated = Dictionary(uniqueKeysWithValues: predicted.map { ($0, state.matrix.isEgressIsolated($0)) })
        let oldIngressNamers = Dictionary(uniqueKeysWithValues: predicted.map { ($0, state.matrix.ingressNamers[$0] ?? []) })
        let oldEverywhereIngress = state.matrix.everywhereIngress
        let hadAllowAll = state.hasAllowAll, hadToExternal = state.hasToExternal
        let oldEgressNamed = namedDestinations(of: (previous?.targets ?? []), in: state)
        let touched = state.matrix.update(id, analysis)
        state.refreshSharedContracts()
        outcomes[id] = outcome
        // Traffic inside a referenced EPG cannot be restricted: the full path rejects such policies.
        if touched.contains(where: { universe.groups[$0]?.kind == .shared && state.matrix.allowed(from: $0, to: $0) != .all }) {
            return recompileFully()
        }
        let providerSet = Set(state.controlled + state.externals)
        var dirtyProviders = touched.intersection(providerSet)
        let newEgressNamed = namedDestinations(of: touched, in: state)
        if oldEgressNamed.everything || newEgressNamed.everything {
            dirtyProviders = providerSet
        } else {
            dirtyProviders.formUnion(oldEgressNamed.keys.intersection(providerSet))
            dirtyProviders.formUnion(newEgressNamed.keys.intersection(providerSet))
        }
        for target in touched where (wasEgressIsolated[target] ?? false) != state.matrix.isEgressIsolated(target) {
            dirtyProviders.formUnion((oldIngressNamers[target] ?? []).union(state.matrix.ingressNamers[target] ?? []))
            dirtyProviders.formUnion(oldEverywhereIngress.union(state.matrix.everywhereIngress))
        }
        var affected = touched.intersection(providerSet)
        for provider in dirtyProviders {
            let oldConsumers = (state.explicit[provider] ?? [:]).values.reduce(into: Set<String>()) { $0.formUnion($1) }
            state.recomputeProvider(provider)
            let newConsumers = (state.explicit[provider] ?? [:]).values.reduce(into: Set<String>()) { $0.formUnion($1) }
            affected.insert(provider)
            affected.formUnion(oldConsumers)
            affected.formUnion(newConsumers)
        }
        for target in touched {
            state.recomputePeerConsumption(target)
            state.recomputeIntra(target)
        }
        if hadAllowAll != state.hasAllowAll || hadToExternal != state.hasToExternal {
            affected = providerSet
        }
        store.beginJournal()
        for key in affected { store.rebuildGroup(key, state) }
        let owners = Set(["shared:allow-all", "shared:to-external"] + dirtyProviders.map { "provider:\($0)" } + touched.map { "intra:\($0)" })
        store.rebuildContracts(state, owners: owners)
        let journal = store.endJournal()
        cachedPlan = nil
        lastChangeWasFull = false
        return ObjectStore.diff(journal: journal, current: store)
    }

    /// The destinations the given sources' egress rules name, or `everything`.
    private func namedDestinations(of targets: Set<String>, in state: EmissionState) -> (keys: Set<String>, everything: Bool) {
        var keys = Set<String>()
        for target in targets {
            guard let allowance = state.matrix.egress[target] else { continue }
            if !allowance.everywhere.isEmpty { return ([], true) }
            keys.formUnion(allowance.specific.keys)
        }
        return (keys, false)
    }

    private func recompileFully() -> TreeDiff {
        let previous = plan
        let full = ContractCompiler(policy: policy).compileKeepingState(inventory, lastGood: previous)
        (universe, checker, state, store, outcomes, cachedPlan) = (full.universe, full.checker, full.state, full.store, full.outcomes, full.plan)
        lastChangeWasFull = true
        return full.plan.tree.diff(from: previous.tree)
    }
}
