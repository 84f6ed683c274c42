import APIC
import Crypto
import EPGPolicy
import Foundation

/// Turns the flow matrix into contracts, filters, EPGs and relations.
struct TreeEmitter {
    let policy: Policy
    let universe: EndpointUniverse
    let matrix: FlowMatrix

    private var fabric: Fabric { policy.fabric }
    private var prefix: String { fabric.clusterName }

    struct ContractDefinition {
        var name: String
        var traffic: PortSet
        var providers = Set<String>()
        var consumers = Set<String>()
        var intra = Set<String>()
    }

    func emit() -> (DesiredTree, [ContractSummary], Int) {
        let groups = universe.sortedKeys.map { universe.groups[$0]! }
        let controlled = groups.filter(\.isControlled).map(\.key)
        let externals = groups.filter { if case .external = $0.kind { return true } else { return false } }.map(\.key)
        let peers = groups.filter(\.isPeerLike)
        let sources = controlled + externals
        let destinations = controlled + externals + peers.map(\.key)
        let sourceSet = Set(sources), controlledSet = Set(controlled)

        var contracts: [String: ContractDefinition] = [:]
        var peerConsumers: [String: Set<String>] = [:]  // referenced contract name → consumers
        var peerContractOwner: [String: String] = [:]
        var enforced = Set<String>()

        func contract(_ name: String, _ traffic: PortSet) -> String {
            if contracts[name] == nil { contracts[name] = ContractDefinition(name: name, traffic: traffic) }
            return name
        }
        func consumePeer(_ consumer: String, _ peer: EndpointGroup, within allowed: PortSet) {
            for offered in peer.contracts where offered.allows.isSubset(of: allowed) {
                peerConsumers[offered.name, default: []].insert(consumer)
                peerContractOwner[offered.name] = peer.display
            }
        }

        // Pairs where both sides are open share one allow-all contract; external EPGs consume it
        // (addresses in a NetworkPolicy prefix may reach open pods) but never provide it.
        let openIngress = controlled.filter { !matrix.isIngressIsolated($0) }
        let openEgress = controlled.filter { !matrix.isEgressIsolated($0) }
        if !openIngress.isEmpty && !(openEgress + externals).isEmpty && !(openIngress.count == 1 && Set(openEgress + externals) == Set(openIngress)) {
            let name = contract(APICName.fit("\(prefix)-allow-all"), .all)
            contracts[name]!.providers.formUnion(openIngress)
            contracts[name]!.consumers.formUnion(openEgress + externals)
        }
        if !externals.isEmpty && !openEgress.isEmpty {
            let name = contract(APICName.fit("\(prefix)-to-external"), .all)
            contracts[name]!.providers.formUnion(externals)
            contracts[name]!.consumers.formUnion(openEgress)
        }
        // An open pod may reach anything: it consumes every contract the peers offer.
        for source in openEgress { for peer in peers { consumePeer(source, peer, within: .all) } }

        // Everything else: one contract per provider and traffic set, shared by its consumers.
        var explicit: [String: [PortSet: Set<String>]] = [:]
        for source in sources where matrix.isEgressIsolated(source) {
            for destination in matrix.egressCandidates(of: source, among: destinations) where destination != source {
                guard let group = universe.groups[destination] else { continue }
                let allowed = matrix.allowed(from: source, to: destination)
                guard !allowed.isEmpty else { continue }
                if group.isPeerLike {
                    consumePeer(source, group, within: allowed)
                } else if controlledSet.contains(destination) || externals.contains(destination) {
                    explicit[destination, default: [:]][allowed, default: []].insert(source)
                }
            }
        }
        for destination in controlled + externals where matrix.isIngressIsolated(destination) {
            for source in matrix.ingressCandidates(of: destination, among: sources) where source != destination && sourceSet.contains(source) && !matrix.isEgressIsolated(source) {
                let allowed = matrix.allowed(from: source, to: destination)
                guard !allowed.isEmpty else { continue }
                explicit[destination, default: [:]][allowed, default: []].insert(source)
            }
        }
        for (provider, bySet) in explicit {
            for (traffic, consumers) in bySet {
                let name = contract(APICName.fit("\(prefix)-to-\(shortName(provider))-\(digest(provider + "|" + traffic.description))"), traffic)
                contracts[name]!.providers.insert(provider)
                contracts[name]!.consumers.formUnion(consumers)
            }
        }
        // Traffic inside an EPG: allowed unless restricted; then intra-EPG enforcement plus a contract.
        for key in controlled {
            let allowed = matrix.allowed(from: key, to: key)
            guard allowed != .all else { continue }
            enforced.insert(key)
            guard !allowed.isEmpty else { continue }
            let name = contract(APICName.fit("\(prefix)-intra-\(shortName(key))-\(digest(key + "|" + allowed.description))"), allowed)
            contracts[name]!.intra.insert(key)
        }

        // Objects.
        var provides: [String: Set<String>] = [:], consumes: [String: Set<String>] = [:], intra: [String: Set<String>] = [:]
        for definition in contracts.values {
            for key in definition.providers { provides[key, default: []].insert(definition.name) }
            for key in definition.consumers { consumes[key, default: []].insert(definition.name) }
            for key in definition.intra { intra[key, default: []].insert(definition.name) }
        }
        for (name, consumers) in peerConsumers { for key in consumers { consumes[key, default: []].insert(name) } }
        let nodeContracts = policy.peers.compactMap { peer -> [String]? in
            if case .nodes = peer.kind { return peer.provides.map(\.contract) } else { return nil }
        }.flatMap { $0 }

        let l3outTenant = fabric.l3out?.tenant ?? fabric.tenant
        func tenant(of definition: ContractDefinition) -> String {
            let members = definition.providers.union(definition.consumers)
            return members.contains(where: { $0.hasPrefix("external:") }) ? l3outTenant : fabric.tenant
        }

        var roots: [DesiredTree.Root] = []
        var filtersByTenant: [String: [String: (PortSet, Bool)]] = [:]
        for definition in contracts.values.sorted(by: { $0.name < $1.name }) {
            let contractTenant = tenant(of: definition)
            let forward = filterName(definition.traffic, reverse: false), backward = filterName(definition.traffic, reverse: true)
            filtersByTenant[contractTenant, default: [:]][forward] = (definition.traffic, false)
            filtersByTenant[contractTenant, default: [:]][backward] = (definition.traffic, true)
            let subject = owned("vzSubj", ["name": "flow", "revFltPorts": "no"], children: [
                owned("vzInTerm", [:], children: [owned("vzRsFiltAtt", ["tnVzFilterName": forward])]),
                owned("vzOutTerm", [:], children: [owned("vzRsFiltAtt", ["tnVzFilterName": backward])]),
            ])
            let object = owned("vzBrCP", ["name": definition.name, "scope": "context"], children: [subject])
            roots.append(.init(dn: "uni/tn-\(contractTenant)/brc-\(definition.name)", object: object))
        }
        for (filterTenant, filters) in filtersByTenant {
            for (name, (traffic, reverse)) in filters {
                let entries = FilterEntries.entries(for: traffic, reverse: reverse).map { owned("vzEntry", $0) }
                roots.append(.init(dn: "uni/tn-\(filterTenant)/flt-\(name)", object: owned("vzFilter", ["name": name], children: entries)))
            }
        }

        func relations(for key: String, withNodeContracts: Bool) -> [ManagedObject] {
            var result: [ManagedObject] = []
            for name in (provides[key] ?? []).union(withNodeContracts ? Set(nodeContracts) : []).sorted() { result.append(owned("fvRsProv", ["tnVzBrCPName": name])) }
            for name in (consumes[key] ?? []).sorted() { result.append(owned("fvRsCons", ["tnVzBrCPName": name])) }
            for name in (intra[key] ?? []).sorted() { result.append(owned("fvRsIntraEpg", ["tnVzBrCPName": name])) }
            return result
        }

        var ownedEPGs: [ManagedObject] = []
        for group in groups {
            switch group.kind {
            case .owned:
                let epg = group.epg!
                let children = [
                    owned("fvRsBd", ["tnFvBDName": fabric.bridgeDomain]),
                    owned("fvRsDomAtt", ["tDn": "uni/vmmp-\(fabric.vmmDomain.type)/dom-\(fabric.vmmDomain.name)"]),
                ] + relations(for: group.key, withNodeContracts: true)
                let object = owned("fvAEPg", ["name": epg.name, "pcEnfPref": enforced.contains(group.key) ? "enforced" : "unenforced"], children: children)
                if fabric.ownsApplicationProfile {
                    ownedEPGs.append(object)
                } else {
                    roots.append(.init(dn: epg.dn, object: object))
                }
            case .shared:
                for relation in relations(for: group.key, withNodeContracts: false) {
                    roots.append(.init(dn: "\(group.epg!.dn)/\(relation.rn!)", object: relation))
                }
            case .external(let cidr):
                guard let l3out = fabric.l3out else { continue }
                let name = externalName(cidr)
                let children = [owned("l3extSubnet", ["ip": cidr.description, "scope": "import-security"])] + relations(for: group.key, withNodeContracts: false)
                roots.append(.init(dn: "uni/tn-\(l3out.tenant)/out-\(l3out.name)/instP-\(name)", object: owned("l3extInstP", ["name": name], children: children)))
            default:
                break
            }
        }
        if fabric.ownsApplicationProfile && !ownedEPGs.isEmpty {
            roots.append(.init(dn: "uni/tn-\(fabric.tenant)/ap-\(fabric.applicationProfile)",
                               object: owned("fvAp", ["name": fabric.applicationProfile], children: ownedEPGs)))
        }
        let tree = DesiredTree(roots: roots.map { root in
            var sorted = root
            sorted.object = TreeEmitter.sortedTree(root.object)
            return sorted
        })

        // Summaries and the rule count.
        func display(_ keys: Set<String>) -> [String] { keys.map { universe.groups[$0]?.display ?? $0 }.sorted() }
        var summaries: [ContractSummary] = contracts.values.map {
            ContractSummary(name: $0.name, tenant: tenant(of: $0), traffic: $0.traffic.description, providers: display($0.providers),
                            consumers: display($0.consumers), intraEPG: display($0.intra), isReferenced: false)
        }
        for (name, consumers) in peerConsumers {
            let traffic = peers.flatMap(\.contracts).first { $0.name == name }?.allows.description ?? "?"
            summaries.append(ContractSummary(name: name, tenant: "", traffic: traffic, providers: [peerContractOwner[name] ?? "?"],
                                             consumers: display(consumers), intraEPG: [], isReferenced: true))
        }
        summaries.sort { $0.name < $1.name }
        var ruleCount = 0
        for definition in contracts.values {
            let entryCount = FilterEntries.entries(for: definition.traffic, reverse: false).count + FilterEntries.entries(for: definition.traffic, reverse: true).count
            ruleCount += (definition.providers.count * definition.consumers.count + definition.intra.count) * entryCount
        }
        return (tree, summaries, ruleCount)
    }

    // MARK: naming

    private func digest(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).prefix(4).map { String(format: "%02x", $0) }.joined()
    }

    private func shortName(_ key: String) -> String {
        if let group = universe.groups[key], let epg = group.epg { return epg.name }
        if key.hasPrefix("external:") { return "ext-" + sanitize(String(key.dropFirst("external:".count))) }
        return sanitize(key)
    }

    private func sanitize(_ text: String) -> String {
        String(text.unicodeScalars.map { APICName.isNameCharacter($0) ? Character($0) : "_" })
    }

    func externalName(_ cidr: CIDR) -> String { APICName.fit("\(prefix)-ext-\(sanitize(cidr.description))") }

    private func filterName(_ traffic: PortSet, reverse: Bool) -> String {
        traffic.allTraffic
            ? "\(prefix)-\(reverse ? "reply-any" : "any")"
            : APICName.fit("\(prefix)-\(reverse ? "r" : "f")-\(digest(traffic.description))")
    }

    // MARK: ownership

    /// An object carrying both ownership marks: the `annotation` attribute and a `tagAnnotation` child.
    private func owned(_ className: String, _ attributes: KeyValuePairs<String, String>, children: [ManagedObject] = []) -> ManagedObject {
        var object = ManagedObject(className, attributes, children: children)
        object["annotation"] = ContractCompiler.ownershipAnnotation
        object.children.append(ManagedObject("tagAnnotation", ["key": ContractCompiler.ownershipTagKey, "value": fabric.clusterName]))
        return object
    }

    static func sortedTree(_ object: ManagedObject) -> ManagedObject {
        var result = object
        result.children = object.children.map(sortedTree).sorted(by: ChildOrder.precedes)
        return result
    }
}

/// Contract filter entries. Forward entries match consumer → provider packets by destination port;
/// reverse entries match provider → consumer replies by source port: established TCP only
/// (`tcpRules: est`), UDP/SCTP from the service port (the one documented deviation: a stateless
/// fabric cannot tell a reply datagram from a new one), ICMP echo replies.
enum FilterEntries {
    static func entries(for traffic: PortSet, reverse: Bool) -> [KeyValuePairs<String, String>] {
        if traffic.allTraffic {
            if !reverse { return [["name": "any", "etherT": "unspecified", "stateful": "no"]] }
            return [
                ["name": "tcp-est", "etherT": "ip", "prot": "tcp", "tcpRules": "est", "stateful": "no"],
                ["name": "udp", "etherT": "ip", "prot": "udp", "stateful": "no"],
                ["name": "sctp", "etherT": "ip", "prot": "132", "stateful": "no"],
                ["name": "icmp-echo-rep", "etherT": "ip", "prot": "icmp", "icmpv4T": "echo-rep", "stateful": "no"],
                ["name": "icmpv6-echo-rep", "etherT": "ip", "prot": "icmpv6", "icmpv6T": "echo-rep", "stateful": "no"],
            ]
        }
        var result: [KeyValuePairs<String, String>] = []
        for proto in traffic.ranges.keys.sorted() {
            for range in traffic.ranges[proto]! {
                let full = range == PortSet.fullRange
                let portName = full ? "all" : range.count == 1 ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
                let from = full ? "unspecified" : String(range.lowerBound), to = full ? "unspecified" : String(range.upperBound)
                switch (proto, reverse) {
                case (.tcp, false): result.append(["name": "tcp-\(portName)", "etherT": "ip", "prot": "tcp", "dFromPort": from, "dToPort": to, "stateful": "no"])
                case (.tcp, true): result.append(["name": "tcp-\(portName)-est", "etherT": "ip", "prot": "tcp", "sFromPort": from, "sToPort": to, "tcpRules": "est", "stateful": "no"])
                case (.udp, false): result.append(["name": "udp-\(portName)", "etherT": "ip", "prot": "udp", "dFromPort": from, "dToPort": to, "stateful": "no"])
                case (.udp, true): result.append(["name": "udp-\(portName)-reply", "etherT": "ip", "prot": "udp", "sFromPort": from, "sToPort": to, "stateful": "no"])
                case (.sctp, _): result.append(["name": reverse ? "sctp-reply" : "sctp", "etherT": "ip", "prot": "132", "stateful": "no"])
                case (.icmp, false): result.append(["name": "icmp", "etherT": "ip", "prot": "icmp", "stateful": "no"])
                case (.icmp, true): result.append(["name": "icmp-echo-rep", "etherT": "ip", "prot": "icmp", "icmpv4T": "echo-rep", "stateful": "no"])
                case (.icmpv6, false): result.append(["name": "icmpv6", "etherT": "ip", "prot": "icmpv6", "stateful": "no"])
                case (.icmpv6, true): result.append(["name": "icmpv6-echo-rep", "etherT": "ip", "prot": "icmpv6", "icmpv6T": "echo-rep", "stateful": "no"])
                }
            }
        }
        return result
    }
}
