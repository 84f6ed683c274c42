import EPGPolicy
import KubernetesModel

/// A set of traffic: every protocol, or per protocol a set of port ranges (ICMP has no ports: it is
/// present with the full range). This is what NetworkPolicy `ports` and peer contracts describe,
/// and what contract filters are built from.
public struct PortSet: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Proto: String, Hashable, Sendable, Comparable, CaseIterable {
        case tcp, udp, sctp, icmp, icmpv6
        public static func < (a: Proto, b: Proto) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
        public var hasPorts: Bool { self == .tcp || self == .udp || self == .sctp }
    }

    public static let fullRange = 0...65535

    /// Every protocol, including those without ports (ICMP, GRE, …).
    public private(set) var allTraffic: Bool
    /// Sorted, disjoint, non-adjacent ranges per protocol; absent protocol: none of it.
    public private(set) var ranges: [Proto: [ClosedRange<Int>]]

    public static let none = PortSet(allTraffic: false, ranges: [:])
    public static let all = PortSet(allTraffic: true, ranges: [:])

    private init(allTraffic: Bool, ranges: [Proto: [ClosedRange<Int>]]) {
        self.allTraffic = allTraffic
        self.ranges = allTraffic ? [:] : ranges.filter { !$0.value.isEmpty }
    }

    public init(_ proto: Proto, _ range: ClosedRange<Int> = PortSet.fullRange) {
        self.init(allTraffic: false, ranges: [proto: [proto.hasPorts ? range : PortSet.fullRange]])
    }

    public var isEmpty: Bool { !allTraffic && ranges.isEmpty }

    public func union(_ other: PortSet) -> PortSet {
        if allTraffic || other.allTraffic { return .all }
        var result = ranges
        for (proto, list) in other.ranges { result[proto] = PortSet.normalize((result[proto] ?? []) + list) }
        return PortSet(allTraffic: false, ranges: result)
    }

    public func intersection(_ other: PortSet) -> PortSet {
        if allTraffic { return other }
        if other.allTraffic { return self }
        var result: [Proto: [ClosedRange<Int>]] = [:]
        for (proto, mine) in ranges {
            guard let theirs = other.ranges[proto] else { continue }
            var overlap: [ClosedRange<Int>] = []
            for a in mine { for b in theirs where a.overlaps(b) { overlap.append(max(a.lowerBound, b.lowerBound)...min(a.upperBound, b.upperBound)) } }
            result[proto] = PortSet.normalize(overlap)
        }
        return PortSet(allTraffic: false, ranges: result)
    }

    public func isSubset(of other: PortSet) -> Bool {
        if other.allTraffic { return true }
        if allTraffic { return false }
        return intersection(other) == self
    }

    /// Whether a packet of this protocol to this port is in the set (`port` ignored for ICMP).
    public func contains(_ proto: Proto, port: Int) -> Bool {
        if allTraffic { return true }
        guard let list = ranges[proto] else { return false }
        return proto.hasPorts ? list.contains { $0.contains(port) } : true
    }

    static func normalize(_ list: [ClosedRange<Int>]) -> [ClosedRange<Int>] {
        var result: [ClosedRange<Int>] = []
        for range in list.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = result.last, range.lowerBound <= last.upperBound + 1 {
                result[result.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                result.append(range)
            }
        }
        return result
    }

    /// `all`, or e.g. `tcp/80, tcp/8000-8080, udp/53, sctp, icmp`.
    public var description: String {
        if allTraffic { return "all" }
        if ranges.isEmpty { return "none" }
        return ranges.keys.sorted().flatMap { proto -> [String] in
            let list = ranges[proto]!
            if !proto.hasPorts || list == [PortSet.fullRange] { return [proto == .sctp ? "sctp" : proto.hasPorts ? "\(proto.rawValue)/all" : proto.rawValue] }
            return list.map { $0.count == 1 ? "\(proto.rawValue)/\($0.lowerBound)" : "\(proto.rawValue)/\($0.lowerBound)-\($0.upperBound)" }
        }.joined(separator: ", ")
    }

    public static func < (a: PortSet, b: PortSet) -> Bool { a.description < b.description }

    /// A peer contract's `allows`.
    public init(_ specs: [TrafficSpec]) {
        var result = PortSet.none
        for spec in specs {
            switch spec.ipProtocol {
            case .any: result = .all
            case .tcp: result = result.union(PortSet(.tcp, spec.ports ?? PortSet.fullRange))
            case .udp: result = result.union(PortSet(.udp, spec.ports ?? PortSet.fullRange))
            case .sctp: result = result.union(PortSet(.sctp))
            case .icmp: result = result.union(PortSet(.icmp))
            case .icmpv6: result = result.union(PortSet(.icmpv6))
            }
        }
        self = result
    }
}
