import Foundation
import EPGPolicy
import KubernetesModel

/// One reason a NetworkPolicy cannot be expressed as contracts.
public struct Rejection: Hashable, Sendable, Codable {
    /// The field path: `spec.ingress[0].from[1].podSelector.matchLabels.tier`.
    public var path: String
    /// A stable rule id (see `Rejection.Rule`).
    public var rule: String
    /// The EPG (or external prefix, or peer) involved, when there is one.
    public var epg: String?
    public var message: String
    public var fix: String

    public enum Rule {
        public static let splitEPG = "split-epg"
        public static let namedPort = "named-port"
        public static let sctpPort = "sctp-port"
        public static let invalidPort = "invalid-port"
        public static let invalidSelector = "invalid-selector"
        public static let invalidPeer = "invalid-peer"
        public static let ipBlockExcept = "ipblock-except"
        public static let ipBlockInvalid = "ipblock-invalid"
        public static let ipBlockOutsideExternal = "ipblock-outside-external-prefixes"
        public static let ipBlockOverlapsCluster = "ipblock-overlaps-cluster"
        public static let noL3Out = "ipblock-without-l3out"
        public static let peerContractMismatch = "peer-contract-mismatch"
        public static let peerIngress = "peer-ingress"
        public static let unmanagedNamespace = "unmanaged-namespace"
        public static let sharedEPGIntra = "shared-epg-intra"
    }
}

/// Which endpoints a rule's peers name.
public struct EndpointSelection: Hashable, Sendable {
    /// Absent or empty `from`/`to`: every endpoint.
    public var everything: Bool
    public var groups: Set<String>

    public static let all = EndpointSelection(everything: true, groups: [])

    public func contains(_ key: String) -> Bool { everything || groups.contains(key) }
}

/// An expressible policy, in terms of endpoint groups.
public struct PolicyAnalysis: Hashable, Sendable {
    public struct Rule: Hashable, Sendable {
        public var peers: EndpointSelection
        public var ports: PortSet
        /// External prefixes the rule names (they become external EPGs).
        public var prefixes: [CIDR]
    }

    public var id: String
    public var policy: NetworkPolicy
    public var targets: Set<String>
    public var isolatesIngress: Bool
    public var isolatesEgress: Bool
    public var ingress: [Rule]
    public var egress: [Rule]
}

public enum PolicyVerdict: Sendable {
    case accepted(PolicyAnalysis)
    case rejected([Rejection])
    /// In an exempt or peer namespace: not enforced by the fabric.
    case skipped(String)
}

/// DESIGN §5: a NetworkPolicy is expressible when every EPG lies wholly inside or wholly outside
/// every pod set it names, judged from the policy file's rules, and its ports, ipBlocks and peers
/// can be written as contract filters.
public struct ExpressibilityChecker: Sendable {
    public let universe: EndpointUniverse
    var policy: Policy { universe.policy }
    /// Region coverage is a pure function of (selector, predicate), and the same pairs recur across
    /// thousands of policies: computed once.
    private let coverageCache = CoverageCache()

    public init(universe: EndpointUniverse) { self.universe = universe }

    public func check(_ networkPolicy: NetworkPolicy) -> PolicyVerdict {
        let namespace = networkPolicy.metadata.namespace ?? "default"
        let id = "\(namespace)/\(networkPolicy.metadata.name ?? "(unnamed)")"
        switch universe.namespaces[namespace]?.assignment {
        case .exempt?: return .skipped("namespace \(namespace) is exempt: its NetworkPolicies are not enforced by the fabric")
        case .peer(let peer)?: return .skipped("namespace \(namespace) is a peer (\(peer.label)): its EPG and contracts are not aci-admission's")
        default: break
        }
        var reasons: [Rejection] = []
        let spec = networkPolicy.spec
        let podSelector = spec.podSelector ?? LabelSelector()
        if spec.podSelector == nil {
            reasons.append(Rejection(path: "spec.podSelector", rule: Rejection.Rule.invalidSelector, epg: nil,
                                     message: "spec.podSelector is required", fix: "use podSelector: {} to select every pod of the namespace"))
        }
        let targets = select(namespaces: [namespace], selector: podSelector, selectorPath: "spec.podSelector", reasons: &reasons)
        var ingress: [PolicyAnalysis.Rule] = []
        var egress: [PolicyAnalysis.Rule] = []
        for (index, rule) in (spec.ingress ?? []).enumerated() {
            let path = "spec.ingress[\(index)]"
            let ports = portSet(rule.ports, path: path, reasons: &reasons)
            let (peers, prefixes) = selection(rule.from, path: "\(path).from", namespace: namespace, ingress: true, reasons: &reasons)
            ingress.append(.init(peers: peers, ports: ports, prefixes: prefixes))
        }
        for (index, rule) in (spec.egress ?? []).enumerated() {
            let path = "spec.egress[\(index)]"
            let ports = portSet(rule.ports, path: path, reasons: &reasons)
            let (peers, prefixes) = selection(rule.to, path: "\(path).to", namespace: namespace, ingress: false, reasons: &reasons)
            checkPeerContracts(peers, ports: ports, path: rule.ports == nil ? path : "\(path).ports", reasons: &reasons)
            egress.append(.init(peers: peers, ports: ports, prefixes: prefixes))
        }
        if !reasons.isEmpty { return .rejected(Self.mergingSplits(reasons)) }
        return .accepted(PolicyAnalysis(id: id, policy: networkPolicy, targets: targets, isolatesIngress: spec.isolatesIngress,
                                        isolatesEgress: spec.isolatesEgress, ingress: ingress, egress: egress))
    }

    /// One selector usually splits several EPGs the same way: one reason per field path, naming them all.
    static func mergingSplits(_ reasons: [Rejection]) -> [Rejection] {
        var result: [Rejection] = []
        var indexByPath: [String: Int] = [:]
        var others: [Int: [String]] = [:]
        for reason in reasons {
            if reason.rule == Rejection.Rule.splitEPG, let index = indexByPath[reason.path], let epg = reason.epg {
                others[index, default: []].append(epg)
                continue
            }
            if reason.rule == Rejection.Rule.splitEPG { indexByPath[reason.path] = result.count }
            result.append(reason)
        }
        for (index, epgs) in others {
            let shown = epgs.prefix(5).joined(separator: ", ") + (epgs.count > 5 ? ", …" : "")
            result[index].message += "; it also splits \(epgs.count) more EPG\(epgs.count == 1 ? "" : "s"): \(shown)"
        }
        return result
    }

    // MARK: pod sets

    /// The groups wholly inside the pod set `selector` names in `namespaces`; a group it splits is a reason.
    func select(namespaces: [String], selector: LabelSelector, selectorPath: String, namespacePath: String? = nil,
                reasons: inout [Rejection]) -> Set<String> {
        let problems = selector.validationErrors(path: selectorPath)
        if !problems.isEmpty {
            for problem in problems {
                reasons.append(Rejection(path: selectorPath, rule: Rejection.Rule.invalidSelector, epg: nil, message: problem,
                                         fix: "the apiserver rejects this selector; correct it"))
            }
            return []
        }
        let classification = coverageCache.classification(namespaces: namespaces, selector: selector) {
            classify(namespaces: namespaces, selector: selector)
        }
        for group in classification.tooComplex {
            reasons.append(Rejection(path: selectorPath, rule: Rejection.Rule.splitEPG, epg: group.display,
                                     message: "\(selectorPath) is too complex to prove that it keeps EPG \(group.display) whole",
                                     fix: "simplify the selector"))
        }
        for (group, region) in classification.unmanaged {
            reasons.append(Rejection(path: namespacePath ?? selectorPath, rule: Rejection.Rule.unmanagedNamespace, epg: nil,
                message: "\(namespacePath ?? selectorPath) selects pods of namespace \(region.namespace), which is exempt; aci-admission does not know their EPG",
                fix: "set defaults.clusterEPG to the ACI CNI's default EPG (where exempt pods live), or do not select \(region.namespace)"))
            _ = group
        }
        for split in classification.splits {
            reasons.append(splitReason(group: split.group, selector: selector, selectorPath: selectorPath, namespacePath: namespacePath,
                                       inRegion: split.inRegion, inPod: split.inPod, outRegion: split.outRegion, outPod: split.outPod))
        }
        return classification.inside
    }

    /// How one pod set meets every group: the groups wholly inside it, and those it splits.
    struct Classification {
        struct Split {
            var group: EndpointGroup
            var inRegion: Region
            var inPod: [String: String]
            var outRegion: Region
            var outPod: [String: String]
        }
        var inside = Set<String>()
        var splits: [Split] = []
        var tooComplex: [EndpointGroup] = []
        var unmanaged: [(EndpointGroup, Region)] = []
    }

    private func classify(namespaces: [String], selector: LabelSelector) -> Classification {
        var result = Classification()
        let namespaceSet = Set(namespaces)
        for group in universe.groups(in: namespaces) {
            var selected: (Region, [String: String])?
            var unselected: (Region, [String: String])?
            var tooComplex = false
            for region in group.regions {
                guard namespaceSet.contains(region.namespace) else {
                    if unselected == nil { unselected = (region, [:]) }
                    continue
                }
                switch coverageCache.coverage(of: selector, over: region.predicate) {
                case .inside?: if selected == nil { selected = (region, [:]) }
                case .outside?: if unselected == nil { unselected = (region, [:]) }
                case .split(let inPod, let outPod)?:
                    if selected == nil || selected!.0.namespace != region.namespace { selected = (region, inPod) }
                    unselected = (region, outPod)
                case nil: tooComplex = true
                }
            }
            if tooComplex { result.tooComplex.append(group); continue }
            guard let (inRegion, inPod) = selected else { continue }
            guard let (outRegion, outPod) = unselected else {
                if group.kind == .unmanaged { result.unmanaged.append((group, inRegion)) }
                result.inside.insert(group.key)
                continue
            }
            result.splits.append(.init(group: group, inRegion: inRegion, inPod: inPod, outRegion: outRegion, outPod: outPod))
        }
        return result
    }

    private func splitReason(group: EndpointGroup, selector: LabelSelector, selectorPath: String, namespacePath: String?,
                             inRegion: Region, inPod: [String: String], outRegion: Region, outPod: [String: String]) -> Rejection {
        let epg = group.display
        if inRegion.namespace != outRegion.namespace {
            let namespaces = Set(group.regions.map(\.namespace)).sorted()
            let path = namespacePath ?? selectorPath
            let what: String
            switch group.kind {
            case .peer: what = "the peer EPG \(epg)"
            default: what = "EPG \(epg)"
            }
            return Rejection(path: path, rule: Rejection.Rule.splitEPG, epg: epg,
                message: "\(path) selects pods of namespace \(inRegion.namespace) but not of \(outRegion.namespace), which share \(what) (namespaces: \(namespaces.joined(separator: ", ")))",
                fix: "select every namespace of \(epg) or none, or give \(inRegion.namespace) its own EPG (namespace or deployment isolation) in the policy file")
        }
        let path = SelectorAnalysis.splittingPath(selector, unselected: outPod, selectorPath: selectorPath)
        let namespace = inRegion.namespace
        var keys = selector.requirements.map(\.key)
        let fix: String
        switch (group.kind, inRegion.predicate) {
        case (.peer, _):
            fix = "namespace \(namespace) is a peer: its pods stay in \(epg); select the whole namespace (namespaceSelector without podSelector) or none of it"
        case (.shared, .pods):
            fix = "pods pinned to \(epg) by annotation must be selected all together or not at all"
        case (.shared, _):
            fix = "namespace \(namespace) shares \(epg) (cluster isolation): select all of its pods (podSelector: {}) or give it namespace or deployment isolation in the policy file"
        case (_, .all):
            fix = "namespace \(namespace) uses namespace isolation, so its pods share one EPG: select all of them (podSelector: {}), or give \(namespace) deployment isolation with groupBy on the labels you select by"
        case (_, .group(let groupValues)):
            keys += groupValues.keys
            let example = groupValues.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            fix = "under deployment isolation (groupBy: [\(groupValues.keys.sorted().joined(separator: ", "))]) select pods only by groupBy labels, e.g. matchLabels: {\(example)}"
        case (_, .fallback(let groupBy)):
            keys += groupBy
            fix = "pods of \(namespace) that lack a groupBy label (\(groupBy.joined(separator: ", "))) share the namespace EPG \(epg); select all of them or none, e.g. require a groupBy label with {key: \(groupBy[0]), operator: Exists}"
        default:
            fix = "select all of \(epg) or none of it"
        }
        let message = "\(path) selects part of EPG \(epg): pods \(SelectorAnalysis.describe(inPod, keys: keys)) are selected, pods \(SelectorAnalysis.describe(outPod, keys: keys)) are not"
        return Rejection(path: path, rule: Rejection.Rule.splitEPG, epg: epg, message: message, fix: fix)
    }

    // MARK: rule peers

    private func selection(_ peers: [NetworkPolicyPeer]?, path: String, namespace: String, ingress: Bool,
                           reasons: inout [Rejection]) -> (EndpointSelection, [CIDR]) {
        guard let peers, !peers.isEmpty else { return (.all, []) }
        var groups = Set<String>()
        var prefixes: [CIDR] = []
        for (index, peer) in peers.enumerated() {
            let peerPath = "\(path)[\(index)]"
            if let block = peer.ipBlock {
                if peer.podSelector != nil || peer.namespaceSelector != nil {
                    reasons.append(Rejection(path: peerPath, rule: Rejection.Rule.invalidPeer, epg: nil,
                        message: "\(peerPath) combines ipBlock with a selector, which the apiserver rejects", fix: "split it into two peers"))
                    continue
                }
                if let cidr = checkIPBlock(block, path: "\(peerPath).ipBlock", reasons: &reasons) {
                    prefixes.append(cidr)
                    groups.insert("external:\(cidr)")
                }
                continue
            }
            let namespaces: [String]
            let selectorPath: String
            var namespacePath: String?
            if let namespaceSelector = peer.namespaceSelector {
                namespacePath = "\(peerPath).namespaceSelector"
                let problems = namespaceSelector.validationErrors(path: namespacePath!)
                if !problems.isEmpty {
                    reasons += problems.map { Rejection(path: namespacePath!, rule: Rejection.Rule.invalidSelector, epg: nil, message: $0, fix: "correct the selector") }
                    continue
                }
                namespaces = coverageCache.namespaces(matching: namespaceSelector) {
                    universe.namespaces.keys.sorted().filter { namespaceSelector.matches(universe.namespaces[$0]!.namespace.labels) }
                }
                selectorPath = "\(peerPath).podSelector"
            } else if peer.podSelector != nil {
                namespaces = [namespace]
                selectorPath = "\(peerPath).podSelector"
            } else {
                reasons.append(Rejection(path: peerPath, rule: Rejection.Rule.invalidPeer, epg: nil,
                    message: "\(peerPath) is empty; a peer needs podSelector, namespaceSelector or ipBlock", fix: "remove it, or use an empty from/to to allow everything"))
                continue
            }
            let selected = select(namespaces: namespaces, selector: peer.podSelector ?? LabelSelector(), selectorPath: selectorPath,
                                  namespacePath: namespacePath, reasons: &reasons)
            if ingress {
                let peerGroups = selected.filter { universe.groups[$0]?.isPeerLike == true }
                if !peerGroups.isEmpty && peerGroups.count == selected.count {
                    let names = peerGroups.sorted().joined(separator: ", ")
                    reasons.append(Rejection(path: peerPath, rule: Rejection.Rule.peerIngress, epg: names,
                        message: "\(peerPath) selects only peer pods (\(names)); their EPG is not aci-admission's, so it cannot be made to consume a contract",
                        fix: "traffic from peer namespaces is governed by their existing contracts; remove this peer, or manage that namespace with aci-admission instead of listing it under peers"))
                }
            }
            groups.formUnion(selected)
        }
        return (EndpointSelection(everything: false, groups: groups), prefixes)
    }

    private func checkIPBlock(_ block: IPBlock, path: String, reasons: inout [Rejection]) -> CIDR? {
        let cidr: CIDR
        do {
            cidr = try CIDR(parsing: block.cidr)
        } catch {
            reasons.append(Rejection(path: "\(path).cidr", rule: Rejection.Rule.ipBlockInvalid, epg: nil, message: "\(path).cidr: \(error)", fix: "write a network prefix such as 203.0.113.0/24"))
            return nil
        }
        var valid = true
        if let except = block.except, !except.isEmpty {
            reasons.append(Rejection(path: "\(path).except", rule: Rejection.Rule.ipBlockExcept, epg: "external:\(cidr)",
                message: "\(path).except carves holes in \(cidr); external EPGs classify by longest prefix and cannot express exceptions exactly yet",
                fix: "list the allowed prefixes as separate ipBlock peers instead of using except"))
            valid = false
        }
        if !policy.fabric.externalPrefixes.contains(where: { $0.contains(cidr) }) {
            let allowed = policy.fabric.externalPrefixes.map(\.description).joined(separator: ", ")
            reasons.append(Rejection(path: "\(path).cidr", rule: Rejection.Rule.ipBlockOutsideExternal, epg: "external:\(cidr)",
                message: "\(path).cidr \(cidr) is not inside the policy file's externalPrefixes (\(allowed.isEmpty ? "none" : allowed))",
                fix: "use a prefix inside fabric.externalPrefixes, or ask the platform team to add it"))
            valid = false
        }
        if let cluster = (policy.fabric.podCIDRs + policy.fabric.nodeCIDRs).first(where: { $0.overlaps(cidr) }) {
            reasons.append(Rejection(path: "\(path).cidr", rule: Rejection.Rule.ipBlockOverlapsCluster, epg: "external:\(cidr)",
                message: "\(path).cidr \(cidr) overlaps the cluster's \(policy.fabric.podCIDRs.contains(cluster) ? "pod" : "node") network \(cluster); pods and nodes are classified by EPG, not by address",
                fix: "select pods with podSelector/namespaceSelector instead of their addresses"))
            valid = false
        }
        if policy.fabric.l3out == nil {
            reasons.append(Rejection(path: "\(path).cidr", rule: Rejection.Rule.noL3Out, epg: "external:\(cidr)",
                message: "\(path) needs an external EPG, but the policy file sets no fabric.l3out", fix: "set fabric.l3out in the policy file"))
            valid = false
        }
        return valid ? cidr : nil
    }

    // MARK: ports

    private func portSet(_ ports: [NetworkPolicyPort]?, path: String, reasons: inout [Rejection]) -> PortSet {
        guard let ports, !ports.isEmpty else { return .all }
        var result = PortSet.none
        for (index, port) in ports.enumerated() {
            let portPath = "\(path).ports[\(index)]"
            let proto: PortSet.Proto
            switch port.effectiveProtocol {
            case "TCP": proto = .tcp
            case "UDP": proto = .udp
            case "SCTP": proto = .sctp
            default:
                reasons.append(Rejection(path: "\(portPath).protocol", rule: Rejection.Rule.invalidPort, epg: nil,
                    message: "\(portPath).protocol \"\(port.effectiveProtocol)\" is not TCP, UDP or SCTP", fix: "use TCP, UDP or SCTP"))
                continue
            }
            switch port.port {
            case nil:
                if port.endPort != nil {
                    reasons.append(Rejection(path: "\(portPath).endPort", rule: Rejection.Rule.invalidPort, epg: nil,
                        message: "\(portPath).endPort needs a port", fix: "set port to the start of the range"))
                }
                result = result.union(PortSet(proto))
            case .string(let name)?:
                reasons.append(Rejection(path: "\(portPath).port", rule: Rejection.Rule.namedPort, epg: nil,
                    message: "\(portPath).port is the named port \"\(name)\"; contract filters need port numbers",
                    fix: "write the container port number instead of \"\(name)\""))
            case .int(let number)?:
                let end = port.endPort ?? number
                guard (1...65535).contains(number), (number...65535).contains(end) else {
                    reasons.append(Rejection(path: "\(portPath)\(port.endPort == nil ? ".port" : ".endPort")", rule: Rejection.Rule.invalidPort, epg: nil,
                        message: "\(portPath): ports must be 1–65535 with endPort ≥ port", fix: "correct the port range"))
                    continue
                }
                if proto == .sctp {
                    reasons.append(Rejection(path: "\(portPath).port", rule: Rejection.Rule.sctpPort, epg: nil,
                        message: "\(portPath) limits SCTP to port \(number)\(end == number ? "" : "-\(end)"); ACI filters match ports for TCP and UDP only",
                        fix: "allow SCTP without a port (all SCTP), or use TCP/UDP"))
                    continue
                }
                result = result.union(PortSet(proto, number...end))
            }
        }
        return result
    }

    // MARK: peers' contracts

    /// A peer is reached through its existing contracts: only whole contracts can be consumed, so the
    /// traffic the rule allows to it must be exactly a union of them.
    private func checkPeerContracts(_ selection: EndpointSelection, ports: PortSet, path: String, reasons: inout [Rejection]) {
        let peers = universe.groups.values.filter { $0.isPeerLike && selection.contains($0.key) }.sorted { $0.key < $1.key }
        for peer in peers {
            let offered = peer.contracts.reduce(PortSet.none) { $0.union($1.allows) }
            let wanted = ports.intersection(offered)
            let usable = peer.contracts.filter { $0.allows.isSubset(of: ports) }.reduce(PortSet.none) { $0.union($1.allows) }
            guard usable != wanted else { continue }
            let offers = peer.contracts.map { "\($0.name) (\($0.allows))" }.joined(separator: ", ")
            reasons.append(Rejection(path: path, rule: Rejection.Rule.peerContractMismatch, epg: peer.display,
                message: "\(path) allows \(ports) to \(peerDescription(peer)), but its existing contracts are \(offers.isEmpty ? "none" : offers); only whole contracts can be consumed, so \(wanted) cannot be allowed exactly",
                fix: "allow exactly what one or more of its contracts allow (e.g. \(peer.contracts.first.map { "\($0.allows)" } ?? "nothing")), or name the destinations explicitly so that \(peerDescription(peer)) is not among them"))
        }
    }

    private func peerDescription(_ peer: EndpointGroup) -> String {
        switch peer.kind {
        case .peer(let index): return "the peer EPG \(peer.display) (peers[\(index)])"
        case .world(let index): return "addresses outside the cluster (peers[\(index)], external)"
        default: return peer.display
        }
    }
}

/// A memo of `SelectorAnalysis.coverage`, local to one checker (so to one compile).
final class CoverageCache: @unchecked Sendable {
    private struct Key: Hashable {
        var selector: LabelSelector
        var predicate: Region.Predicate
    }
    private var entries: [Key: RegionCoverage?] = [:]
    private var classifications: [ClassificationKey: ExpressibilityChecker.Classification] = [:]
    private var namespaceSelections: [LabelSelector: [String]] = [:]
    private let lock = NSLock()

    private struct ClassificationKey: Hashable {
        var namespaces: [String]
        var selector: LabelSelector
    }

    func classification(namespaces: [String], selector: LabelSelector,
                        compute: () -> ExpressibilityChecker.Classification) -> ExpressibilityChecker.Classification {
        let key = ClassificationKey(namespaces: namespaces, selector: selector)
        lock.lock()
        if let known = classifications[key] { lock.unlock(); return known }
        lock.unlock()
        let value = compute()
        lock.lock()
        classifications[key] = value
        lock.unlock()
        return value
    }

    func namespaces(matching selector: LabelSelector, compute: () -> [String]) -> [String] {
        lock.lock()
        if let known = namespaceSelections[selector] { lock.unlock(); return known }
        lock.unlock()
        let value = compute()
        lock.lock()
        namespaceSelections[selector] = value
        lock.unlock()
        return value
    }

    func coverage(of selector: LabelSelector, over predicate: Region.Predicate) -> RegionCoverage? {
        let key = Key(selector: selector, predicate: predicate)
        lock.lock()
        if let known = entries[key] { lock.unlock(); return known }
        lock.unlock()
        let value = SelectorAnalysis.coverage(of: selector, over: predicate)
        lock.lock()
        entries[key] = value
        lock.unlock()
        return value
    }
}
