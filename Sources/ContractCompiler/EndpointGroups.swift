import EPGPolicy
import KubernetesModel

/// Part of an EPG's membership: pods of one namespace whose labels satisfy a predicate. Predicates
/// come from the policy file's rules, so membership is judged for every pod that could exist, not
/// only for today's pods.
public struct Region: Hashable, Sendable {
    public enum Predicate: Hashable, Sendable {
        /// Every pod of the namespace.
        case all
        /// Pods whose `groupBy` labels have exactly these values (other labels are free).
        case group([String: String])
        /// Pods lacking at least one of these `groupBy` keys: they share the namespace EPG.
        case fallback([String])
        /// Exactly these pods (label sets): workloads pinned to an EPG by annotation.
        case pods([[String: String]])
    }

    public var namespace: String
    public var predicate: Predicate
}

/// An endpoint group the compiler reasons about.
public struct EndpointGroup: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// Generated and owned by aci-admission.
        case owned
        /// Referenced, but relations may be added to it: the cluster EPG, pinned EPGs.
        case shared
        /// A `peers` namespace EPG: referenced, reached only through its contracts.
        case peer(index: Int)
        /// The nodes' EPG.
        case nodes(index: Int)
        /// An external EPG generated for an `ipBlock` prefix.
        case external(CIDR)
        /// An external peer: addresses outside every generated prefix.
        case world(index: Int)
        /// Pods whose EPG aci-admission does not know (an exempt namespace with no clusterEPG).
        case unmanaged
    }

    /// Unique: the EPG's `tenant/ap/name`, or `external:<cidr>`, `world:<peer>`, `unmanaged:<ns>`.
    public var key: String
    public var epg: EPGRef?
    public var kind: Kind
    public var regions: [Region] = []
    /// What a peer's existing contracts allow, by contract name.
    public var contracts: [(name: String, allows: PortSet)] = []

    public static func == (a: EndpointGroup, b: EndpointGroup) -> Bool { a.key == b.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }

    public var isPodGroup: Bool {
        switch kind {
        case .owned, .shared, .peer, .unmanaged: return true
        default: return false
        }
    }

    /// Pod groups whose traffic the compiler controls (it can attach relations to them).
    public var isControlled: Bool { kind == .owned || kind == .shared }

    public var isPeerLike: Bool {
        switch kind {
        case .peer, .world: return true
        default: return false
        }
    }

    public var display: String { epg?.description ?? key }
}

/// Every endpoint group implied by the policy file and the inventory.
public struct EndpointUniverse: Sendable {
    public let policy: Policy
    public private(set) var groups: [String: EndpointGroup] = [:]
    /// Namespace name → how the policy governs it.
    public private(set) var namespaces: [String: NamespaceResolution] = [:]
    /// Namespace name → the groups with a region in it.
    public private(set) var groupsByNamespace: [String: [String]] = [:]
    /// Workload `namespace/kind/name` → its group key.
    public private(set) var workloadGroups: [String: String] = [:]

    public init(policy: Policy, inventory: Inventory) {
        self.policy = policy
        let resolver = EPGResolver(policy: policy)
        for name in inventory.namespaces.keys.sorted() {
            let facts = inventory.namespaces[name]!
            let resolution = resolver.resolve(namespace: facts)
            namespaces[name] = resolution
            switch resolution.assignment {
            case .exempt:
                if let cluster = policy.defaults.clusterEPG {
                    add(region: Region(namespace: name, predicate: .all), to: cluster, kind: .shared)
                } else {
                    addGroup(EndpointGroup(key: "unmanaged:\(name)", epg: nil, kind: .unmanaged), region: Region(namespace: name, predicate: .all))
                }
            case .peer(let peer):
                add(region: Region(namespace: name, predicate: .all), to: peer.epg!, kind: .peer(index: peer.index),
                    contracts: peer.provides)
            case .governed(_, let settings):
                switch settings.isolation {
                case .cluster:
                    if let cluster = settings.clusterEPG {
                        add(region: Region(namespace: name, predicate: .all), to: cluster, kind: .shared)
                    } else {
                        addGroup(EndpointGroup(key: "unmanaged:\(name)", epg: nil, kind: .unmanaged), region: Region(namespace: name, predicate: .all))
                    }
                case .namespace:
                    let epg = resolver.resolve(namespace: resolution, podLabels: nil).epg!
                    add(region: Region(namespace: name, predicate: .all), to: epg, kind: .owned)
                case .deployment:
                    let epg = resolver.resolve(namespace: resolution, podLabels: nil).epg!
                    add(region: Region(namespace: name, predicate: .fallback(settings.groupBy)), to: epg, kind: .owned)
                }
            }
        }
        // Workload groups (deployment isolation) and pinned EPGs come from the workloads.
        for workload in inventory.workloads {
            guard let resolution = namespaces[workload.namespace] else { continue }
            let object = KubeObject.pod(Pod(metadata: ObjectMeta(name: workload.name, namespace: workload.namespace,
                                                                 labels: workload.podLabels, annotations: workload.podAnnotations)))
            guard let decision = resolver.decide(object, namespace: resolution.namespace), let epg = decision.effectiveEPG else { continue }
            let id = "\(workload.namespace)/\(workload.kind)/\(workload.name)"
            switch (decision.action, decision.resolution.source) {
            case (.pinned, _):
                if var group = groups[epg.description] {
                    group.regions.append(Region(namespace: workload.namespace, predicate: .pods([workload.podLabels])))
                    groups[epg.description] = group
                    groupsByNamespace[workload.namespace, default: []].append(epg.description)
                } else {
                    add(region: Region(namespace: workload.namespace, predicate: .pods([workload.podLabels])), to: epg, kind: .shared)
                }
            case (_, .workloadEPG(let group)?):
                add(region: Region(namespace: workload.namespace, predicate: .group(group)), to: epg, kind: .owned)
            default:
                break
            }
            workloadGroups[id] = epg.description
        }
        for peer in policy.peers {
            switch peer.kind {
            case .nodes(let epg):
                var group = EndpointGroup(key: epg.description, epg: epg, kind: .nodes(index: peer.index))
                group.contracts = peer.provides.map { ($0.contract, PortSet($0.allows)) }
                groups[group.key] = group
            case .external(let name):
                var group = EndpointGroup(key: "world:\(name)", epg: nil, kind: .world(index: peer.index))
                group.contracts = peer.provides.map { ($0.contract, PortSet($0.allows)) }
                groups[group.key] = group
            case .namespaces(_, let epg):
                // A peer EPG whose namespaces are not in the inventory is still a destination.
                if groups[epg.description] == nil {
                    var group = EndpointGroup(key: epg.description, epg: epg, kind: .peer(index: peer.index))
                    group.contracts = peer.provides.map { ($0.contract, PortSet($0.allows)) }
                    groups[group.key] = group
                }
            }
        }
    }

    private mutating func add(region: Region, to epg: EPGRef, kind: EndpointGroup.Kind, contracts: [ProvidedContract] = []) {
        var group = groups[epg.description] ?? EndpointGroup(key: epg.description, epg: epg, kind: kind)
        if kind == .owned { group.kind = .owned }
        if group.contracts.isEmpty { group.contracts = contracts.map { ($0.contract, PortSet($0.allows)) } }
        if !group.regions.contains(region) { group.regions.append(region) }
        groups[epg.description] = group
        if !(groupsByNamespace[region.namespace] ?? []).contains(group.key) { groupsByNamespace[region.namespace, default: []].append(group.key) }
    }

    private mutating func addGroup(_ group: EndpointGroup, region: Region) {
        var group = groups[group.key] ?? group
        group.regions.append(region)
        groups[group.key] = group
        groupsByNamespace[region.namespace, default: []].append(group.key)
    }

    /// Keeps a group from an earlier plan that the current policy file no longer produces (a
    /// failed-closed policy still refers to it, so its EPG and contracts stay).
    mutating func restore(_ group: EndpointGroup) {
        if groups[group.key] == nil { groups[group.key] = group }
    }

    mutating func addExternal(_ cidr: CIDR) {
        let key = "external:\(cidr)"
        if groups[key] == nil { groups[key] = EndpointGroup(key: key, epg: nil, kind: .external(cidr)) }
    }

    public var sortedKeys: [String] { groups.keys.sorted() }

    /// Groups with pods in any of these namespaces, in key order.
    func groups(in namespaceNames: [String]) -> [EndpointGroup] {
        if namespaceNames.count == 1 {
            return (groupsByNamespace[namespaceNames[0]] ?? []).sorted().map { groups[$0]! }
        }
        var keys = Set<String>()
        for name in namespaceNames { keys.formUnion(groupsByNamespace[name] ?? []) }
        return keys.sorted().map { groups[$0]! }
    }
}

/// How a pod selector meets a region: all of it, none of it, or part (with a pod on each side).
enum RegionCoverage: Equatable {
    case inside
    case outside
    case split(selected: [String: String], unselected: [String: String])
}

enum SelectorAnalysis {
    /// The largest number of label assignments enumerated for one region before giving up (and
    /// reporting the selector as too complex to prove whole).
    static let enumerationLimit = 200_000

    static func coverage(of selector: LabelSelector, over predicate: Region.Predicate) -> RegionCoverage? {
        var selected: [String: String]?
        var unselected: [String: String]?
        func visit(_ labels: [String: String]) {
            if selector.matches(labels) { if selected == nil { selected = labels } } else if unselected == nil { unselected = labels }
        }
        if case .pods(let podLabels) = predicate {
            podLabels.forEach(visit)
        } else {
            var keys = Set(selector.requirements.map(\.key))
            var fixed: [String: String] = [:]
            var fallbackKeys: [String] = []
            switch predicate {
            case .group(let group): fixed = group; keys.formUnion(group.keys)
            case .fallback(let groupBy): fallbackKeys = groupBy; keys.formUnion(groupBy)
            default: break
            }
            let orderedKeys = keys.sorted()
            let options: [[String?]] = orderedKeys.map { key in
                if let value = fixed[key] { return [value] }
                var values: [String?] = [nil]
                for requirement in selector.requirements where requirement.key == key {
                    for value in requirement.values ?? [] where !values.contains(value) { values.append(value) }
                }
                values.append("x-other-\(key.count)")
                return values
            }
            let total = options.reduce(1) { $0 * $1.count }
            guard total <= enumerationLimit else { return nil }
            var index = Array(repeating: 0, count: options.count)
            for _ in 0..<total {
                var labels: [String: String] = [:]
                for (position, key) in orderedKeys.enumerated() { if let value = options[position][index[position]] { labels[key] = value } }
                if fallbackKeys.isEmpty || fallbackKeys.contains(where: { labels[$0] == nil }) { visit(labels) }
                if selected != nil && unselected != nil { break }
                for position in index.indices {
                    index[position] += 1
                    if index[position] < options[position].count { break }
                    index[position] = 0
                }
            }
        }
        switch (selected, unselected) {
        case let (selected?, unselected?): return .split(selected: selected, unselected: unselected)
        case (_?, nil): return .inside
        default: return .outside
        }
    }

    /// The field path of the first requirement the unselected pod fails.
    static func splittingPath(_ selector: LabelSelector, unselected: [String: String], selectorPath: String) -> String {
        for (key, value) in (selector.matchLabels ?? [:]).sorted(by: { $0.key < $1.key }) where unselected[key] != value {
            return "\(selectorPath).matchLabels.\(key)"
        }
        for (index, requirement) in (selector.matchExpressions ?? []).enumerated() where !requirement.matches(unselected) {
            return "\(selectorPath).matchExpressions[\(index)]"
        }
        return selectorPath
    }

    /// "with app=web, tier=x and without label role": a pod, described by the labels that matter.
    static func describe(_ labels: [String: String], keys: [String]) -> String {
        let shown = labels.filter { !$0.key.hasPrefix("x-other") }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.hasPrefix("x-other") ? "<other>" : $0.value)" }
        let missing = Set(keys).filter { labels[$0] == nil }.sorted()
        var parts: [String] = []
        if !shown.isEmpty { parts.append("with " + shown.joined(separator: ", ")) }
        if !missing.isEmpty { parts.append("without label\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", "))") }
        return parts.isEmpty ? "with any labels" : parts.joined(separator: " and ")
    }
}
