import APIC
import EPGPolicy
import Foundation
import KubernetesModel
#if canImport(Glibc)
import Glibc
#endif

/// An independent check of the contract compiler, written from the specifications:
/// - Kubernetes: NetworkPolicy semantics evaluated pod by pod from the policies themselves;
/// - ACI: the emitted APIC objects (parsed from their JSON) evaluated as the fabric would: contracts,
///   subjects with one-way in/out terms, filter entries (ports, `tcpRules`, ICMP types), intra-EPG
///   enforcement, external EPGs by longest prefix, and the existing contracts of peers.
/// The two must agree on every probe, except the documented stateless-reply deviation.
struct FlowOracle {
    // MARK: scenario

    struct Pod: Hashable, CustomStringConvertible {
        var namespace: String
        var name: String
        var labels: [String: String]
        var epgDN: String
        var description: String { "pod \(namespace)/\(name)" }
    }

    enum Endpoint: Hashable, CustomStringConvertible {
        case pod(Pod)
        case peerPod(namespace: String, epgDN: String, serves: PeerTraffic)
        case external(ip: String)
        case world(ip: String)
        case node

        var description: String {
            switch self {
            case .pod(let pod): return pod.description
            case .peerPod(let namespace, _, _): return "peer pod in \(namespace)"
            case .external(let ip): return "external \(ip)"
            case .world(let ip): return "world \(ip)"
            case .node: return "node"
            }
        }
    }

    /// Traffic a peer's contracts allow, as (protocol, port range) items; `all` for everything.
    struct PeerTraffic: Hashable {
        var all: Bool
        var items: [String: [ClosedRange<Int>]]  // "tcp", "udp", "sctp", "icmp"

        init(_ specs: [TrafficSpec]) {
            var all = false
            var items: [String: [ClosedRange<Int>]] = [:]
            for spec in specs {
                switch spec.ipProtocol {
                case .any: all = true
                case .tcp, .udp: items[spec.ipProtocol.rawValue, default: []].append(spec.ports ?? 0...65535)
                case .sctp, .icmp, .icmpv6: items[spec.ipProtocol.rawValue, default: []].append(0...65535)
                }
            }
            self.all = all
            self.items = items
        }

        func contains(_ proto: String, _ port: Int) -> Bool {
            all || (items[proto] ?? []).contains { $0.contains(port) }
        }
    }

    struct Probe: CustomStringConvertible {
        var source: Endpoint
        var destination: Endpoint
        var proto: String  // tcp, udp, sctp, icmp
        var sourcePort: Int
        var destinationPort: Int
        /// TCP: ACK set (not a SYN); ICMP: echo reply (not a request). UDP/SCTP: how Kubernetes sees it.
        var isReply: Bool
        var description: String { "\(source) → \(destination) \(proto) \(sourcePort)→\(destinationPort)\(isReply ? " (reply)" : "")" }
    }

    struct Mismatch: CustomStringConvertible {
        var probe: Probe
        var kubernetes: Bool
        var aci: Bool
        var description: String { "\(probe): Kubernetes \(kubernetes ? "allows" : "denies"), ACI \(aci ? "allows" : "denies")" }
    }

    let policy: Policy
    let namespaces: [String: NamespaceFacts]
    /// Only the policies the compiler accepted: rejected ones are left out of the tree.
    let networkPolicies: [NetworkPolicy]
    let tree: APICModel
    let endpoints: [Endpoint]
    let ports: [Int]
    private(set) var contractTable: [String: APICModel.Contract] = [:]
    private(set) var providerTable: [String: Set<String>] = [:]
    private(set) var consumerTable: [String: Set<String>] = [:]

    /// - Parameters:
    ///   - extraPods: pods with labels no workload has, to check that EPGs are whole for every pod
    ///     the policy file admits, not only today's.
    init(policy: Policy, namespaces: [String: NamespaceFacts], workloads: [(namespace: String, name: String, labels: [String: String], annotations: [String: String]?)],
         acceptedPolicies: [NetworkPolicy], imdataJSON: String) throws {
        self.policy = policy
        self.namespaces = namespaces
        networkPolicies = acceptedPolicies
        tree = try APICModel(json: imdataJSON)
        let resolver = EPGResolver(policy: policy)
        var endpoints: [Endpoint] = []
        func podEndpoint(_ namespace: String, _ name: String, _ labels: [String: String], _ annotations: [String: String]?) -> Endpoint? {
            guard let facts = namespaces[namespace] else { return nil }
            let object = KubeObject.pod(KubernetesModel.Pod(metadata: ObjectMeta(name: name, namespace: namespace, labels: labels, annotations: annotations)))
            guard let decision = resolver.decide(object, namespace: facts) else { return nil }
            switch decision.resolution.namespace.assignment {
            case .peer(let peer):
                return .peerPod(namespace: namespace, epgDN: peer.epg!.dn, serves: PeerTraffic(peer.provides.flatMap(\.allows)))
            case .exempt:
                guard let cluster = policy.defaults.clusterEPG else { return nil }
                return .pod(Pod(namespace: namespace, name: name, labels: labels, epgDN: cluster.dn))
            default:
                guard let epg = decision.effectiveEPG else { return nil }
                return .pod(Pod(namespace: namespace, name: name, labels: labels, epgDN: epg.dn))
            }
        }
        for workload in workloads {
            if let endpoint = podEndpoint(workload.namespace, workload.name, workload.labels, workload.annotations) { endpoints.append(endpoint) }
        }
        for namespace in namespaces.keys.sorted() {
            // A pod nobody has deployed yet, lacking every label a policy or groupBy names.
            if let endpoint = podEndpoint(namespace, "stranger", ["zz-unrelated": "1"], nil) { endpoints.append(endpoint) }
        }
        // External addresses: one inside each prefix's own longest-prefix region, one outside all.
        let prefixes = Set(acceptedPolicies.flatMap { policy in
            ((policy.spec.ingress ?? []).flatMap { $0.from ?? [] } + (policy.spec.egress ?? []).flatMap { $0.to ?? [] }).compactMap { $0.ipBlock?.cidr }
        }).sorted()
        for prefix in prefixes {
            if let ip = FlowOracle.addressOnlyIn(prefix, others: prefixes) { endpoints.append(.external(ip: ip)) }
        }
        if policy.peers.contains(where: { if case .external = $0.kind { return true } else { return false } }) {
            endpoints.append(.world(ip: "198.51.100.77"))
        }
        endpoints.append(.node)
        self.endpoints = endpoints
        var ports: Set<Int> = [53, 80, 443, 9999]
        for policy in acceptedPolicies {
            for port in (policy.spec.ingress ?? []).flatMap({ $0.ports ?? [] }) + (policy.spec.egress ?? []).flatMap({ $0.ports ?? [] }) {
                if case .int(let number)? = port.port {
                    ports.formUnion([number, number - 1, number + 1])
                    if let end = port.endPort { ports.formUnion([end, end + 1]) }
                }
            }
        }
        for peer in policy.peers {
            for spec in peer.provides.flatMap(\.allows) {
                if let range = spec.ports { ports.formUnion([range.lowerBound, range.upperBound, range.upperBound + 1]) }
            }
        }
        self.ports = ports.filter { (1...65535).contains($0) }.sorted()
        contractTable = allContracts
        for name in contractTable.keys {
            providerTable[name] = providers(of: name)
            consumerTable[name] = consumers(of: name)
        }
    }

    // MARK: running

    func mismatches(limit: Int = 20) -> [Mismatch] {
        var result: [Mismatch] = []
        let ephemeral = 40000
        let cache = PairCache(oracle: self)
        for a in endpoints {
            for b in endpoints where a != b {
                if !inScope(from: a, to: b) { continue }
                let forwardK8s = cache.kubernetes(from: a, to: b), backwardK8s = cache.kubernetes(from: b, to: a)
                let forwardACI = cache.aci(from: a, to: b), backwardACI = cache.aci(from: b, to: a)
                for proto in ["tcp", "udp", "sctp", "icmp"] {
                    if case .node = a, proto != "tcp" { continue }
                    for port in proto == "icmp" ? [0] : ports {
                        let probes = [
                            Probe(source: a, destination: b, proto: proto, sourcePort: ephemeral, destinationPort: port, isReply: false),
                            Probe(source: b, destination: a, proto: proto, sourcePort: port, destinationPort: ephemeral, isReply: true),
                            Probe(source: b, destination: a, proto: proto, sourcePort: port, destinationPort: ephemeral, isReply: false),
                        ]
                        for (index, probe) in probes.enumerated() {
                            // Kubernetes: the packet's own direction allows it, or it answers the other.
                            let (own, other) = index == 0 ? (forwardK8s, backwardK8s) : (backwardK8s, forwardK8s)
                            let k8s = own(probe.proto, probe.destinationPort) || (probe.isReply && other(probe.proto, probe.sourcePort))
                            let aci = (index == 0 ? forwardACI : backwardACI)(probe)
                            let tolerated = aci && !k8s && ["udp", "sctp", "icmp"].contains(probe.proto) && other(probe.proto, probe.sourcePort)
                            if k8s == aci || tolerated { continue }
                            result.append(Mismatch(probe: probe, kubernetes: k8s, aci: aci))
                            if result.count >= limit { return result }
                        }
                    }
                }
            }
        }
        return result
    }

    /// Per ordered endpoint pair, the Kubernetes verdict function and the ACI filters that apply,
    /// computed once.
    final class PairCache {
        let oracle: FlowOracle
        var dns: [Endpoint: String?] = [:]
        init(oracle: FlowOracle) { self.oracle = oracle }

        /// Whether Kubernetes allows new traffic in this direction (false outside the compiler's scope).
        func kubernetes(from source: Endpoint, to destination: Endpoint) -> (String, Int) -> Bool {
            guard oracle.inScope(from: source, to: destination) else { return { _, _ in false } }
            let oracle = self.oracle
            var memo: [String: Bool] = [:]
            return { proto, port in
                let key = "\(proto)/\(port)"
                if let known = memo[key] { return known }
                let value = oracle.allowedNew(from: source, to: destination, proto: proto, port: port)
                memo[key] = value
                return value
            }
        }

        func dn(_ endpoint: Endpoint) -> String? {
            if let known = dns[endpoint] { return known }
            let value = oracle.epgDN(endpoint)
            dns[endpoint] = value
            return value
        }

        /// The fabric's verdict for packets from `source` to `destination`.
        func aci(from source: Endpoint, to destination: Endpoint) -> (Probe) -> Bool {
            guard let from = dn(source), let to = dn(destination) else { return { _ in false } }
            if from == to {
                guard let epg = oracle.tree.epgs[from], epg.enforced else { return { _ in true } }
                let filters = epg.intra.flatMap { oracle.contractTable[$0].map { $0.inFilters + $0.outFilters } ?? [] }
                let entries = filters.flatMap { oracle.compiledEntries($0) }
                return { probe in entries.contains { $0.matches(probe) } }
            }
            var entries: [CompiledEntry] = []
            for (name, contract) in oracle.contractTable {
                let providers = oracle.providerTable[name] ?? [], consumers = oracle.consumerTable[name] ?? []
                if consumers.contains(from) && providers.contains(to) { entries += contract.inFilters.flatMap { oracle.compiledEntries($0) } }
                if providers.contains(from) && consumers.contains(to) { entries += contract.outFilters.flatMap { oracle.compiledEntries($0) } }
            }
            return { probe in entries.contains { $0.matches(probe) } }
        }
    }

    /// A filter entry (or a peer contract's modelled filter) reduced to what a probe is matched on.
    struct CompiledEntry {
        var proto: String?  // nil: any
        var destinationPorts: ClosedRange<Int>?  // nil: any (TCP/UDP only)
        var sourcePorts: ClosedRange<Int>?
        var established = false
        var echoReplyOnly = false
        var echoRequestOnly = false
        var peerTraffic: PeerTraffic? = nil
        var peerReply = false

        func matches(_ probe: Probe) -> Bool {
            if let peerTraffic {
                if !peerReply {
                    if probe.proto == "icmp" { return !probe.isReply && peerTraffic.contains("icmp", 0) }
                    return peerTraffic.contains(probe.proto, probe.proto == "sctp" ? 0 : probe.destinationPort)
                }
                switch probe.proto {
                case "tcp": return probe.isReply && peerTraffic.contains("tcp", probe.sourcePort)
                case "icmp": return probe.isReply && peerTraffic.contains("icmp", 0)
                case "sctp": return peerTraffic.contains("sctp", 0)
                default: return peerTraffic.contains(probe.proto, probe.sourcePort)
                }
            }
            if let proto, proto != probe.proto { return false }
            if probe.proto == "tcp" || probe.proto == "udp" {
                if let range = destinationPorts, !range.contains(probe.destinationPort) { return false }
                if let range = sourcePorts, !range.contains(probe.sourcePort) { return false }
            }
            if established && !(probe.proto == "tcp" && probe.isReply) { return false }
            if probe.proto == "icmp" {
                if echoReplyOnly && !probe.isReply { return false }
                if echoRequestOnly && probe.isReply { return false }
            }
            return true
        }
    }

    func compiledEntries(_ filter: String) -> [CompiledEntry] {
        for prefix in ["peer-forward:", "peer-reply:"] where filter.hasPrefix(prefix) {
            let contract = String(filter.dropFirst(prefix.count))
            let traffic = PeerTraffic(policy.peers.flatMap(\.provides).filter { $0.contract == contract }.flatMap(\.allows))
            return [CompiledEntry(peerTraffic: traffic, peerReply: prefix == "peer-reply:")]
        }
        return (tree.filters[filter] ?? []).compactMap { APICModel.compile($0.attributes) }
    }

    /// The one documented deviation (applied in `mismatches`): replies are matched statelessly
    /// (UDP and SCTP by the service's source port, ICMP by the echo-reply type), so a provider can
    /// send such packets unsolicited.

    /// Scope: peers, external addresses outside every prefix and exempt-namespace traffic originate
    /// outside the compiler's control (their own contracts govern what they send); nodes only probe.
    func isSource(_ endpoint: Endpoint) -> Bool {
        switch endpoint {
        case .peerPod, .world: return false
        default: return true
        }
    }

    func isDestination(_ endpoint: Endpoint) -> Bool {
        if case .node = endpoint { return false }
        return true
    }

    /// Flows the compiler is responsible for: from pods, external prefixes and the node, to pods,
    /// and from pods to external prefixes, peers and the world (external-to-external is transit).
    func inScope(from source: Endpoint, to destination: Endpoint) -> Bool {
        guard isSource(source), isDestination(destination) else { return false }
        switch source {
        case .external, .node:
            if case .pod = destination { return true }
            return false
        default:
            return true
        }
    }

    // MARK: Kubernetes

    func allowedNew(from source: Endpoint, to destination: Endpoint, proto: String, port: Int) -> Bool {
        switch destination {
        case .peerPod(_, _, let serves): if !serves.contains(proto, port) { return false }
        case .world:
            let serves = PeerTraffic(policy.peers.filter { if case .external = $0.kind { return true } else { return false } }.flatMap { $0.provides.flatMap(\.allows) })
            if !serves.contains(proto, port) { return false }
        default: break
        }
        if case .node = source {
            // Traffic from a pod's node is always allowed (kubelet probes).
            if case .pod = destination { return true }
            return false
        }
        return egressAllows(source, destination, proto, port) && ingressAllows(source, destination, proto, port)
    }

    private func egressAllows(_ source: Endpoint, _ destination: Endpoint, _ proto: String, _ port: Int) -> Bool {
        guard case .pod(let pod) = source else { return true }
        let isolating = networkPolicies.filter { $0.metadata.namespace == pod.namespace && $0.spec.isolatesEgress && ($0.spec.podSelector ?? LabelSelector()).matches(pod.labels) }
        if isolating.isEmpty { return true }
        return isolating.contains { policy in
            (policy.spec.egress ?? []).contains { rule in
                peersMatch(rule.to, destination, policyNamespace: pod.namespace) && portsMatch(rule.ports, proto, port)
            }
        }
    }

    private func ingressAllows(_ source: Endpoint, _ destination: Endpoint, _ proto: String, _ port: Int) -> Bool {
        guard case .pod(let pod) = destination else { return true }
        let isolating = networkPolicies.filter { $0.metadata.namespace == pod.namespace && $0.spec.isolatesIngress && ($0.spec.podSelector ?? LabelSelector()).matches(pod.labels) }
        if isolating.isEmpty { return true }
        return isolating.contains { policy in
            (policy.spec.ingress ?? []).contains { rule in
                peersMatch(rule.from, source, policyNamespace: pod.namespace) && portsMatch(rule.ports, proto, port)
            }
        }
    }

    private func peersMatch(_ peers: [NetworkPolicyPeer]?, _ endpoint: Endpoint, policyNamespace: String) -> Bool {
        guard let peers, !peers.isEmpty else { return true }
        return peers.contains { peer in
            if let block = peer.ipBlock {
                switch endpoint {
                case .external(let ip), .world(let ip):
                    return FlowOracle.contains(block.cidr, ip) && !(block.except ?? []).contains { FlowOracle.contains($0, ip) }
                default: return false
                }
            }
            let namespace: String, labels: [String: String]
            switch endpoint {
            case .pod(let pod): namespace = pod.namespace; labels = pod.labels
            case .peerPod(let peerNamespace, _, _): namespace = peerNamespace; labels = ["zz-unrelated": "1"]
            default: return false
            }
            if let namespaceSelector = peer.namespaceSelector {
                guard let facts = namespaces[namespace], namespaceSelector.matches(facts.labels) else { return false }
            } else if namespace != policyNamespace {
                return false
            }
            return (peer.podSelector ?? LabelSelector()).matches(labels)
        }
    }

    private func portsMatch(_ ports: [NetworkPolicyPort]?, _ proto: String, _ port: Int) -> Bool {
        guard let ports, !ports.isEmpty else { return true }
        return ports.contains { entry in
            guard entry.effectiveProtocol.lowercased() == proto else { return false }
            guard let start = entry.port else { return true }
            guard case .int(let number) = start else { return false }
            return (number...(entry.endPort ?? number)).contains(port)
        }
    }

    // MARK: ACI

    func epgDN(_ endpoint: Endpoint) -> String? {
        switch endpoint {
        case .pod(let pod): return pod.epgDN
        case .peerPod(_, let dn, _): return dn
        case .node:
            for peer in policy.peers { if case .nodes(let epg) = peer.kind { return epg.dn } }
            return nil
        case .external(let ip), .world(let ip):
            if let instP = tree.externalEPG(for: ip) { return instP }
            for peer in policy.peers { if case .external(let name) = peer.kind { return "world:\(name)" } }
            return nil
        }
    }

    /// The tree's contracts plus the peers' existing ones (from the policy file: what they allow,
    /// with reply-only return filters).
    var allContracts: [String: APICModel.Contract] {
        var result = tree.contracts
        for peer in policy.peers {
            for provided in peer.provides where result[provided.contract] == nil {
                let forward = "peer-forward:\(provided.contract)", backward = "peer-reply:\(provided.contract)"
                result[provided.contract] = APICModel.Contract(inFilters: [forward], outFilters: [backward])
            }
        }
        return result
    }

    func providers(of contract: String) -> Set<String> {
        var result = tree.providers[contract] ?? []
        for peer in policy.peers where peer.provides.contains(where: { $0.contract == contract }) {
            switch peer.kind {
            case .namespaces(_, let epg): result.insert(epg.dn)
            case .external(let name): result.insert("world:\(name)")
            case .nodes:
                // Nodes reach pods through these: generated EPGs provide them (in the tree), and
                // referenced pod EPGs (the ACI CNI's default EPG, pinned EPGs) already do — the
                // documented assumption of DESIGN §5.
                for endpoint in endpoints {
                    if case .pod(let pod) = endpoint, !tree.ownedEPGs.contains(pod.epgDN) { result.insert(pod.epgDN) }
                }
            }
        }
        return result
    }

    func consumers(of contract: String) -> Set<String> {
        var result = tree.consumers[contract] ?? []
        for peer in policy.peers where peer.provides.contains(where: { $0.contract == contract }) {
            if case .nodes(let epg) = peer.kind { result.insert(epg.dn) }
        }
        return result
    }

    // MARK: addresses

    static func parse(_ cidr: String) -> (UInt32, Int)? {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let length = Int(parts[1]) else { return nil }
        var address = in_addr()
        guard inet_pton(AF_INET, String(parts[0]), &address) == 1 else { return nil }
        return (UInt32(bigEndian: address.s_addr), length)
    }

    static func contains(_ cidr: String, _ ip: String) -> Bool {
        guard let (network, length) = parse(cidr), let (address, _) = parse(ip + "/32") else { return false }
        let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << UInt32(32 - length)
        return network & mask == address & mask
    }

    static func format(_ value: UInt32) -> String {
        "\(value >> 24).\((value >> 16) & 255).\((value >> 8) & 255).\(value & 255)"
    }

    /// An address in `prefix` that no more specific prefix among `others` contains.
    static func addressOnlyIn(_ prefix: String, others: [String]) -> String? {
        guard let (network, length) = parse(prefix) else { return nil }
        let size: UInt64 = 1 << UInt64(32 - length)
        for offset in [UInt64(1), size / 2 + 1, size - 2, 0] where offset < size {
            let candidate = format(network &+ UInt32(offset))
            let moreSpecific = others.contains { other in
                other != prefix && (parse(other).map { $0.1 > length } ?? false) && contains(other, candidate)
            }
            if !moreSpecific { return candidate }
        }
        return nil
    }
}

enum OracleError: Error { case notAnEnvelope }

/// The emitted APIC objects, read back from their JSON as the fabric would see them.
struct APICModel {
    struct EPG {
        var enforced = false
        var intra: [String] = []
    }

    struct Contract {
        var inFilters: [String]
        var outFilters: [String]
    }

    struct Entry {
        var attributes: [String: String]
    }

    struct Packet {
        var proto: String
        var sourcePort: Int
        var destinationPort: Int
        var isReply: Bool
    }

    var epgs: [String: EPG] = [:]
    /// EPGs the tree creates (not `status: modified` containers of referenced ones).
    var ownedEPGs: Set<String> = []
    var contracts: [String: Contract] = [:]
    var filters: [String: [Entry]] = [:]
    var providers: [String: Set<String>] = [:]
    var consumers: [String: Set<String>] = [:]
    var subnets: [(ip: String, instP: String)] = []

    init(json: String) throws {
        guard let top = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], let imdata = top["imdata"] as? [[String: Any]] else {
            throw OracleError.notAnEnvelope
        }
        for item in imdata { walk(item, parentDN: "") }
    }

    private mutating func walk(_ item: [String: Any], parentDN: String) {
        guard let (className, raw) = item.first, let body = raw as? [String: Any] else { return }
        let attributes = (body["attributes"] as? [String: String]) ?? [:]
        let children = (body["children"] as? [[String: Any]]) ?? []
        let rn: String
        switch className {
        case "fvTenant": rn = "tn-\(attributes["name"] ?? "")"
        case "fvAp": rn = "ap-\(attributes["name"]!)"
        case "fvAEPg": rn = "epg-\(attributes["name"]!)"
        case "l3extOut": rn = "out-\(attributes["name"]!)"
        case "l3extInstP": rn = "instP-\(attributes["name"]!)"
        case "vzBrCP": rn = "brc-\(attributes["name"]!)"
        case "vzFilter": rn = "flt-\(attributes["name"]!)"
        default: rn = className
        }
        let dn = attributes["dn"] ?? (parentDN.isEmpty ? rn : "\(parentDN)/\(rn)")
        switch className {
        case "fvAEPg":
            var epg = epgs[dn] ?? EPG()
            if let preference = attributes["pcEnfPref"] { epg.enforced = preference == "enforced" }
            epgs[dn] = epg
            if attributes["status"] != "modified" { ownedEPGs.insert(dn) }
        case "fvRsProv": providers[attributes["tnVzBrCPName"]!, default: []].insert(parentDN)
        case "fvRsCons": consumers[attributes["tnVzBrCPName"]!, default: []].insert(parentDN)
        case "fvRsIntraEpg": epgs[parentDN, default: EPG()].intra.append(attributes["tnVzBrCPName"]!)
        case "l3extSubnet": subnets.append((attributes["ip"]!, parentDN))
        case "vzBrCP":
            var contract = Contract(inFilters: [], outFilters: [])
            for child in children {
                guard let subject = child["vzSubj"] as? [String: Any] else { continue }
                for term in (subject["children"] as? [[String: Any]]) ?? [] {
                    for (termClass, termBody) in term {
                        let names = (((termBody as? [String: Any])?["children"] as? [[String: Any]]) ?? []).compactMap {
                            (($0["vzRsFiltAtt"] as? [String: Any])?["attributes"] as? [String: String])?["tnVzFilterName"]
                        }
                        if termClass == "vzInTerm" { contract.inFilters += names }
                        if termClass == "vzOutTerm" { contract.outFilters += names }
                    }
                }
            }
            contracts[attributes["name"]!] = contract
        case "vzFilter":
            filters[attributes["name"]!] = children.compactMap { ($0["vzEntry"] as? [String: Any])?["attributes"] as? [String: String] }.map(Entry.init)
        default: break
        }
        for child in children { walk(child, parentDN: dn) }
    }

    func externalEPG(for ip: String) -> String? {
        subnets.filter { FlowOracle.contains($0.ip, ip) }
            .max { (FlowOracle.parse($0.ip)?.1 ?? 0) < (FlowOracle.parse($1.ip)?.1 ?? 0) }?.instP
    }

    static let portNames = ["unspecified": 0, "ftpData": 20, "ssh": 22, "smtp": 25, "dns": 53, "http": 80, "pop3": 110, "https": 443, "rtsp": 554]

    /// Reads a `vzEntry` as the fabric matches it; nil for entries that match no IPv4 packet.
    static func compile(_ entry: [String: String]) -> FlowOracle.CompiledEntry? {
        if let ether = entry["etherT"], !["unspecified", "ip", "ipv4"].contains(ether) { return nil }
        var result = FlowOracle.CompiledEntry()
        let names = ["tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp", "132": "sctp", "icmp": "icmp", "1": "icmp"]
        if let prot = entry["prot"], prot != "unspecified" {
            guard let name = names[prot] else { return nil }  // icmpv6 and others: no IPv4 probe matches
            result.proto = name
        }
        func range(_ from: String?, _ to: String?) -> ClosedRange<Int>? {
            let low = from.flatMap { portNames[$0] ?? Int($0) } ?? 0
            let high = to.flatMap { portNames[$0] ?? Int($0) } ?? 0
            return low == 0 && high == 0 ? nil : low...max(low, high)
        }
        result.destinationPorts = range(entry["dFromPort"], entry["dToPort"])
        result.sourcePorts = range(entry["sFromPort"], entry["sToPort"])
        if let rules = entry["tcpRules"], !rules.isEmpty, rules != "unspecified" {
            if result.proto == nil { result.proto = "tcp" }
            result.established = rules.contains("est")
        }
        if let type = entry["icmpv4T"], type != "unspecified" {
            result.echoReplyOnly = type == "echo-rep"
            result.echoRequestOnly = type == "echo"
        }
        return result
    }
}
