import APIC
import Crypto
import EPGPolicy
import Foundation

/// What the desired tree is made of — per provider, the explicit contracts and their consumers;
/// per consumer, the peer contracts it consumes; per group, the traffic inside it — with the
/// indexes that let one NetworkPolicy change be applied without recompiling everything.
/// Both the full compile and `IncrementalCompiler` build the tree from this one state.
struct EmissionState {
    let policy: Policy
    let universe: EndpointUniverse
    var matrix: FlowMatrix

    let controlled: [String]
    let externals: [String]
    let peers: [EndpointGroup]
    let sources: [String]
    let destinations: [String]
    let sourceSet: Set<String>
    let controlledSet: Set<String>
    let externalSet: Set<String>

    /// provider → traffic → consumers (pairs not covered by the shared contracts).
    var explicit: [String: [PortSet: Set<String>]] = [:]
    /// consumer → explicit contract names it consumes (reverse of `explicit`).
    var explicitConsumes: [String: Set<String>] = [:]
    /// consumer → peer contract name → the peer providing it.
    var peerConsumption: [String: [String: String]] = [:]
    /// groups whose own traffic is restricted → what is allowed inside (possibly nothing).
    var intraTraffic: [String: PortSet] = [:]

    init(policy: Policy, universe: EndpointUniverse, matrix: FlowMatrix) {
        self.policy = policy
        self.universe = universe
        self.matrix = matrix
        let groups = universe.sortedKeys.map { universe.groups[$0]! }
        controlled = groups.filter(\.isControlled).map(\.key)
        externals = groups.filter { if case .external = $0.kind { return true } else { return false } }.map(\.key)
        peers = groups.filter(\.isPeerLike)
        sources = controlled + externals
        destinations = controlled + externals + peers.map(\.key)
        sourceSet = Set(sources)
        controlledSet = Set(controlled)
        externalSet = Set(externals)
        refreshSharedContracts()
        for provider in controlled + externals { recomputeProvider(provider) }
        for source in controlled { recomputePeerConsumption(source) }
        for key in controlled { recomputeIntra(key) }
    }

    // MARK: derivations

    /// Consumers of `provider` outside the shared contracts, by traffic: sources whose egress rules
    /// name it (or everything), and — when it is ingress-isolated — open sources its ingress rules name.
    mutating func recomputeProvider(_ provider: String) {
        for (traffic, consumers) in explicit[provider] ?? [:] {
            let name = contractName(provider: provider, traffic: traffic)
            for consumer in consumers { explicitConsumes[consumer]?.remove(name) }
        }
        explicit[provider] = nil
        var candidates = Set<String>()
        for source in matrix.egressNamers[provider] ?? [] { candidates.insert(source) }
        candidates.formUnion(matrix.everywhereEgress)
        if matrix.isIngressIsolated(provider) {
            for source in matrix.ingressCandidates(of: provider, among: sources) where !matrix.isEgressIsolated(source) { candidates.insert(source) }
        }
        var result: [PortSet: Set<String>] = [:]
        for source in candidates where source != provider && sourceSet.contains(source) {
            // Which loop of the pair rules applies: an egress-isolated source names the provider
            // through its egress rules; an open one reaches an ingress-isolated provider.
            if matrix.isEgressIsolated(source) {
                guard matrix.egressNames(source, provider) else { continue }
            } else if !matrix.isIngressIsolated(provider) {
                continue
            }
            let allowed = matrix.allowed(from: source, to: provider)
            guard !allowed.isEmpty else { continue }
            result[allowed, default: []].insert(source)
        }
        if !result.isEmpty { explicit[provider] = result }
        for (traffic, consumers) in result {
            let name = contractName(provider: provider, traffic: traffic)
            for consumer in consumers { explicitConsumes[consumer, default: []].insert(name) }
        }
    }

    mutating func recomputePeerConsumption(_ source: String) {
        guard controlledSet.contains(source) else { return }
        var consumed: [String: String] = [:]
        for peer in peers {
            let allowed: PortSet
            if !matrix.isEgressIsolated(source) {
                allowed = .all
            } else {
                guard matrix.egressNames(source, peer.key) else { continue }
                allowed = matrix.allowed(from: source, to: peer.key)
            }
            for offered in peer.contracts where !allowed.isEmpty && offered.allows.isSubset(of: allowed) { consumed[offered.name] = peer.display }
        }
        peerConsumption[source] = consumed.isEmpty ? nil : consumed
    }

    mutating func recomputeIntra(_ key: String) {
        guard controlledSet.contains(key) else { return }
        let allowed = matrix.allowed(from: key, to: key)
        intraTraffic[key] = allowed == .all ? nil : allowed
    }

    // MARK: shared contracts

    var openIngress: [String] { controlled.filter { !matrix.isIngressIsolated($0) } }
    var openEgress: [String] { controlled.filter { !matrix.isEgressIsolated($0) } }

    /// Whether the shared allow-all contract exists: some open pair of distinct endpoints.
    /// Stored (see `refreshSharedContracts`): every group's relations consult it.
    private(set) var hasAllowAll = false
    private(set) var hasToExternal = false

    /// Recomputes which shared contracts exist, after isolation changed.
    mutating func refreshSharedContracts() {
        let providers = openIngress, consumers = openEgress + externals
        hasAllowAll = !providers.isEmpty && !consumers.isEmpty && !(providers.count == 1 && Set(consumers) == Set(providers))
        hasToExternal = !externals.isEmpty && controlled.contains { !matrix.isEgressIsolated($0) }
    }

    // MARK: naming

    var prefix: String { policy.fabric.clusterName }
    var allowAllName: String { APICName.fit("\(prefix)-allow-all") }
    var toExternalName: String { APICName.fit("\(prefix)-to-external") }

    func contractName(provider: String, traffic: PortSet) -> String {
        APICName.fit("\(prefix)-to-\(shortName(provider))-\(EmissionState.digest(provider + "|" + traffic.description))")
    }

    func intraName(_ key: String, _ traffic: PortSet) -> String {
        APICName.fit("\(prefix)-intra-\(shortName(key))-\(EmissionState.digest(key + "|" + traffic.description))")
    }

    func filterName(_ traffic: PortSet, reverse: Bool) -> String {
        traffic.allTraffic
            ? "\(prefix)-\(reverse ? "reply-any" : "any")"
            : APICName.fit("\(prefix)-\(reverse ? "r" : "f")-\(EmissionState.digest(traffic.description))")
    }

    static func digest(_ text: String) -> String {
        let hex = Array("0123456789abcdef")
        var result = ""
        for byte in SHA256.hash(data: Data(text.utf8)).prefix(4) {
            result.append(hex[Int(byte >> 4)])
            result.append(hex[Int(byte & 0x0F)])
        }
        return result
    }

    func shortName(_ key: String) -> String {
        if let group = universe.groups[key], let epg = group.epg { return epg.name }
        if key.hasPrefix("external:") { return "ext-" + EmissionState.sanitize(String(key.dropFirst("external:".count))) }
        return EmissionState.sanitize(key)
    }

    static func sanitize(_ text: String) -> String {
        String(text.unicodeScalars.map { APICName.isNameCharacter($0) ? Character($0) : "_" })
    }

    func externalName(_ cidr: CIDR) -> String { APICName.fit("\(prefix)-ext-\(EmissionState.sanitize(cidr.description))") }
}
