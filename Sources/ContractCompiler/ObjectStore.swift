import APIC
import EPGPolicy

/// The desired tree as units (an EPG, the relations added to a referenced EPG, an external EPG, a
/// contract, a filter), each built from the emission state, so that an update rebuilds only the
/// units it touches.
struct ObjectStore {
    struct Unit: Equatable {
        var dn: String
        var object: ManagedObject
        /// Under the owned application profile (an owned EPG) rather than a root of its own.
        var underApplicationProfile: Bool
    }

    struct ContractDefinition: Equatable {
        var name: String
        var tenant: String
        var traffic: PortSet
    }

    private(set) var units: [String: Unit] = [:]
    private(set) var contracts: [String: ContractDefinition] = [:]
    /// group key → the keys of its units.
    private var groupUnits: [String: Set<String>] = [:]
    /// owner → the names of its contracts (see `definitions(for:_:)`).
    private var contractsByOwner: [String: Set<String>] = [:]
    /// filter unit key → how many contracts use it.
    private var filterReferences: [String: Int] = [:]
    /// While recording: each changed unit's value before the first change.
    private var journal: [String: Unit?]?

    mutating func beginJournal() { journal = [:] }

    mutating func endJournal() -> [String: Unit?] {
        defer { journal = nil }
        return journal ?? [:]
    }

    private mutating func set(_ key: String, _ unit: Unit?) {
        if journal != nil && journal![key] == nil { journal![key] = .some(units[key]) }
        units[key] = unit
    }

    // MARK: relations of one group

    static func provides(_ key: String, _ state: EmissionState) -> [String] {
        var names = Set((state.explicit[key] ?? [:]).keys.map { state.contractName(provider: key, traffic: $0) })
        let group = state.universe.groups[key]
        if state.hasAllowAll, state.controlledSet.contains(key), !state.matrix.isIngressIsolated(key) { names.insert(state.allowAllName) }
        if state.hasToExternal, state.externalSet.contains(key) { names.insert(state.toExternalName) }
        if group?.kind == .owned { names.formUnion(nodeContracts(state.policy)) }
        return names.sorted()
    }

    static func consumes(_ key: String, _ state: EmissionState) -> [String] {
        var names = state.explicitConsumes[key] ?? []
        names.formUnion((state.peerConsumption[key] ?? [:]).keys)
        let openEgress = state.controlledSet.contains(key) && !state.matrix.isEgressIsolated(key)
        if state.hasAllowAll && (openEgress || state.externalSet.contains(key)) { names.insert(state.allowAllName) }
        if state.hasToExternal && openEgress { names.insert(state.toExternalName) }
        return names.sorted()
    }

    static func intra(_ key: String, _ state: EmissionState) -> [String] {
        guard let traffic = state.intraTraffic[key], !traffic.isEmpty else { return [] }
        return [state.intraName(key, traffic)]
    }

    static func nodeContracts(_ policy: Policy) -> [String] {
        policy.peers.flatMap { peer -> [String] in
            if case .nodes = peer.kind { return peer.provides.map(\.contract) } else { return [] }
        }
    }

    // MARK: building

    static func build(_ state: EmissionState) -> ObjectStore {
        var store = ObjectStore()
        for key in state.controlled + state.externals { store.rebuildGroup(key, state) }
        store.rebuildContracts(state)
        return store
    }

    /// Rebuilds the units of one group (its EPG, or the relations on a referenced EPG, or its external EPG).
    mutating func rebuildGroup(_ key: String, _ state: EmissionState) {
        for unitKey in groupUnits[key] ?? [] { set(unitKey, nil) }
        groupUnits[key] = nil
        guard let group = state.universe.groups[key] else { return }
        var relationRNs: [String] = []
        defer { groupUnits[key] = Set(["epg", "instP"].map { "group|\(key)|\($0)" } + relationRNs.map { "group|\(key)|\($0)" }).filter { units[$0] != nil } }
        let fabric = state.policy.fabric
        var relations: [ManagedObject] = []
        for name in ObjectStore.provides(key, state) { relations.append(owned("fvRsProv", ["tnVzBrCPName": name], fabric)) }
        for name in ObjectStore.consumes(key, state) { relations.append(owned("fvRsCons", ["tnVzBrCPName": name], fabric)) }
        for name in ObjectStore.intra(key, state) { relations.append(owned("fvRsIntraEpg", ["tnVzBrCPName": name], fabric)) }
        switch group.kind {
        case .owned:
            let epg = group.epg!
            let children = [
                owned("fvRsBd", ["tnFvBDName": fabric.bridgeDomain], fabric),
                owned("fvRsDomAtt", ["tDn": "uni/vmmp-\(fabric.vmmDomain.type)/dom-\(fabric.vmmDomain.name)"], fabric),
            ] + relations
            let object = owned("fvAEPg", ["name": epg.name, "pcEnfPref": state.intraTraffic[key] != nil ? "enforced" : "unenforced"], fabric, children: children)
            set("group|\(key)|epg", Unit(dn: epg.dn, object: ObjectStore.sorted(object), underApplicationProfile: fabric.ownsApplicationProfile))
        case .shared:
            for relation in relations {
                relationRNs.append(relation.rn!)
                let dn = "\(group.epg!.dn)/\(relation.rn!)"
                set("group|\(key)|\(relation.rn!)", Unit(dn: dn, object: ObjectStore.sorted(relation), underApplicationProfile: false))
            }
        case .external(let cidr):
            guard let l3out = fabric.l3out else { return }
            let name = state.externalName(cidr)
            let children = [owned("l3extSubnet", ["ip": cidr.description, "scope": "import-security"], fabric)] + relations
            set("group|\(key)|instP", Unit(dn: "uni/tn-\(l3out.tenant)/out-\(l3out.name)/instP-\(name)",
                                              object: ObjectStore.sorted(owned("l3extInstP", ["name": name], fabric, children: children)),
                                              underApplicationProfile: false))
        default:
            break
        }
    }

    /// The contracts one owner implies: `shared:allow-all`, `shared:to-external`,
    /// `provider:<group>` (its explicit contracts), `intra:<group>` (its intra-EPG contract).
    static func definitions(for owner: String, _ state: EmissionState) -> [String: ContractDefinition] {
        let fabric = state.policy.fabric
        let l3outTenant = fabric.l3out?.tenant ?? fabric.tenant
        var result: [String: ContractDefinition] = [:]
        if owner == "shared:allow-all" {
            if state.hasAllowAll {
                result[state.allowAllName] = .init(name: state.allowAllName, tenant: state.externals.isEmpty ? fabric.tenant : l3outTenant, traffic: .all)
            }
        } else if owner == "shared:to-external" {
            if state.hasToExternal { result[state.toExternalName] = .init(name: state.toExternalName, tenant: l3outTenant, traffic: .all) }
        } else if owner.hasPrefix("provider:") {
            let provider = String(owner.dropFirst("provider:".count))
            for (traffic, consumers) in state.explicit[provider] ?? [:] {
                let name = state.contractName(provider: provider, traffic: traffic)
                let external = state.externalSet.contains(provider) || consumers.contains { state.externalSet.contains($0) }
                result[name] = .init(name: name, tenant: external ? l3outTenant : fabric.tenant, traffic: traffic)
            }
        } else if owner.hasPrefix("intra:") {
            let key = String(owner.dropFirst("intra:".count))
            if let traffic = state.intraTraffic[key], !traffic.isEmpty {
                let name = state.intraName(key, traffic)
                result[name] = .init(name: name, tenant: fabric.tenant, traffic: traffic)
            }
        }
        return result
    }

    static func allOwners(_ state: EmissionState) -> Set<String> {
        Set(["shared:allow-all", "shared:to-external"] + (state.controlled + state.externals).map { "provider:\($0)" } + state.controlled.map { "intra:\($0)" })
    }

    /// Rebuilds the contracts (and their filters) of these owners, all when nil; returns the keys of
    /// the units it created, replaced or removed.
    @discardableResult
    mutating func rebuildContracts(_ state: EmissionState, owners: Set<String>? = nil) -> Set<String> {
        let fabric = state.policy.fabric
        var changed = Set<String>()
        func filterKeys(_ definition: ContractDefinition) -> [(key: String, name: String, reverse: Bool)] {
            [false, true].map { reverse in
                let name = state.filterName(definition.traffic, reverse: reverse)
                return ("filter|\(definition.tenant)|\(name)", name, reverse)
            }
        }
        for owner in owners ?? ObjectStore.allOwners(state).union(contractsByOwner.keys) {
            let wanted = ObjectStore.definitions(for: owner, state)
            for name in contractsByOwner[owner] ?? [] {
                guard let old = contracts[name], wanted[name] != old else { continue }
                set("contract|\(old.tenant)|\(name)", nil)
                changed.insert("contract|\(old.tenant)|\(name)")
                contracts[name] = nil
                for filter in filterKeys(old) {
                    filterReferences[filter.key, default: 0] -= 1
                    if filterReferences[filter.key] == 0 {
                        filterReferences[filter.key] = nil
                        set(filter.key, nil)
                        changed.insert(filter.key)
                    }
                }
            }
            for definition in wanted.values where contracts[definition.name] != definition {
                let filters = filterKeys(definition)
                for filter in filters {
                    filterReferences[filter.key, default: 0] += 1
                    if units[filter.key] == nil {
                        let entries = FilterEntries.entries(for: definition.traffic, reverse: filter.reverse).map { owned("vzEntry", $0, fabric) }
                        set(filter.key, Unit(dn: "uni/tn-\(definition.tenant)/flt-\(filter.name)",
                                                 object: ObjectStore.sorted(owned("vzFilter", ["name": filter.name], fabric, children: entries)),
                                                 underApplicationProfile: false))
                        changed.insert(filter.key)
                    }
                }
                let subject = owned("vzSubj", ["name": "flow", "revFltPorts": "no"], fabric, children: [
                    owned("vzInTerm", [:], fabric, children: [owned("vzRsFiltAtt", ["tnVzFilterName": filters[0].name], fabric)]),
                    owned("vzOutTerm", [:], fabric, children: [owned("vzRsFiltAtt", ["tnVzFilterName": filters[1].name], fabric)]),
                ])
                let object = owned("vzBrCP", ["name": definition.name, "scope": "context"], fabric, children: [subject])
                set("contract|\(definition.tenant)|\(definition.name)", Unit(dn: "uni/tn-\(definition.tenant)/brc-\(definition.name)",
                                                                                 object: ObjectStore.sorted(object), underApplicationProfile: false))
                changed.insert("contract|\(definition.tenant)|\(definition.name)")
                contracts[definition.name] = definition
            }
            contractsByOwner[owner] = wanted.isEmpty ? nil : Set(wanted.keys)
        }
        return changed
    }

    // MARK: assembling

    func tree(_ state: EmissionState) -> DesiredTree {
        let fabric = state.policy.fabric
        var roots: [DesiredTree.Root] = []
        var underAP: [ManagedObject] = []
        for unit in units.values {
            if unit.underApplicationProfile { underAP.append(unit.object) } else { roots.append(.init(dn: unit.dn, object: unit.object)) }
        }
        if !underAP.isEmpty {
            let ap = owned("fvAp", ["name": fabric.applicationProfile], fabric, children: underAP)
            roots.append(.init(dn: "uni/tn-\(fabric.tenant)/ap-\(fabric.applicationProfile)", object: ObjectStore.sorted(ap)))
        }
        return DesiredTree(roots: roots)
    }

    /// What changed since the journal began: each journaled unit's old value against its current one.
    static func diff(journal: [String: Unit?], current: ObjectStore) -> TreeDiff {
        var diff = TreeDiff()
        for (key, old) in journal {
            switch (old, current.units[key]) {
            case let (before?, after?) where before.dn == after.dn:
                DesiredTree.compareSubtrees(before.object, after.object, dn: after.dn, into: &diff)
            case let (before, after):
                if let before { diff.deleted += before.object.flattened(parentDN: DN.parent(of: before.dn) ?? "").map(\.dn) }
                if let after { diff.created += after.object.flattened(parentDN: DN.parent(of: after.dn) ?? "").map(\.dn) }
            }
        }
        diff.created.sort(); diff.modified.sort(); diff.deleted.sort()
        return diff
    }

    // MARK: summaries

    func summaries(_ state: EmissionState) -> ([ContractSummary], Int) {
        func display(_ keys: some Sequence<String>) -> [String] { keys.map { state.universe.groups[$0]?.display ?? $0 }.sorted() }
        var providers: [String: Set<String>] = [:], consumers: [String: Set<String>] = [:], inside: [String: Set<String>] = [:]
        for key in state.controlled + state.externals {
            for name in ObjectStore.provides(key, state) { providers[name, default: []].insert(key) }
            for name in ObjectStore.consumes(key, state) { consumers[name, default: []].insert(key) }
            for name in ObjectStore.intra(key, state) { inside[name, default: []].insert(key) }
        }
        var result: [ContractSummary] = []
        var ruleCount = 0
        for definition in contracts.values {
            let provided = providers[definition.name] ?? [], consumed = consumers[definition.name] ?? [], intra = inside[definition.name] ?? []
            result.append(ContractSummary(name: definition.name, tenant: definition.tenant, traffic: definition.traffic.description,
                                          providers: display(provided), consumers: display(consumed), intraEPG: display(intra), isReferenced: false))
            let entries = FilterEntries.entries(for: definition.traffic, reverse: false).count + FilterEntries.entries(for: definition.traffic, reverse: true).count
            ruleCount += (provided.count * consumed.count + intra.count) * entries
        }
        var peerConsumers: [String: (peer: String, consumers: Set<String>)] = [:]
        for (consumer, contracts) in state.peerConsumption {
            for (name, peer) in contracts { peerConsumers[name, default: (peer, [])].consumers.insert(consumer) }
        }
        for (name, entry) in peerConsumers {
            let traffic = state.peers.flatMap(\.contracts).first { $0.name == name }?.allows.description ?? "?"
            result.append(ContractSummary(name: name, tenant: "", traffic: traffic, providers: [entry.peer], consumers: display(entry.consumers),
                                          intraEPG: [], isReferenced: true))
        }
        return (result.sorted { $0.name < $1.name }, ruleCount)
    }

    // MARK: helpers

    /// An object carrying both ownership marks: the `annotation` attribute and a `tagAnnotation` child.
    static func ownedObject(_ className: String, _ attributes: KeyValuePairs<String, String>, _ fabric: Fabric, children: [ManagedObject] = []) -> ManagedObject {
        var object = ManagedObject(className, attributes, children: children)
        object["annotation"] = ContractCompiler.ownershipAnnotation
        object.children.append(ManagedObject("tagAnnotation", ["key": ContractCompiler.ownershipTagKey, "value": fabric.clusterName]))
        return object
    }

    static func sorted(_ object: ManagedObject) -> ManagedObject {
        var result = object
        result.children = ChildOrder.sorted(object.children.map(sorted))
        return result
    }
}

private func owned(_ className: String, _ attributes: KeyValuePairs<String, String>, _ fabric: Fabric, children: [ManagedObject] = []) -> ManagedObject {
    ObjectStore.ownedObject(className, attributes, fabric, children: children)
}
