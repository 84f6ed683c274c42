/// What a peer's existing contract allows, written `all`, `icmp`, `icmpv6`, `tcp`, `udp/53`,
/// `tcp/8000-8080` or `tcp/all` in the policy file.
public struct TrafficSpec: Hashable, Sendable, CustomStringConvertible, Codable {
    public enum IPProtocol: String, Hashable, Sendable, Codable, CaseIterable {
        case any = "all", tcp, udp, sctp, icmp, icmpv6
    }

    public var ipProtocol: IPProtocol
    /// nil: every port (and, for `all`, every protocol).
    public var ports: ClosedRange<Int>?

    public init(_ ipProtocol: IPProtocol, ports: ClosedRange<Int>? = nil) {
        self.ipProtocol = ipProtocol
        self.ports = ports
    }

    public struct ParseError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(parsing text: String) throws {
        let parts = text.lowercased().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let proto = IPProtocol(rawValue: parts[0]), parts.count <= 2 else {
            throw ParseError(description: "\"\(text)\" is not a traffic class: expected all, icmp, icmpv6, or tcp|udp followed by /PORT, /LOW-HIGH or /all (e.g. udp/53)")
        }
        ipProtocol = proto
        ports = nil
        guard parts.count == 2, parts[1] != "all" else { return }
        guard proto == .tcp || proto == .udp else {
            throw ParseError(description: "\"\(text)\": only tcp and udp take ports (ACI filters match ports for TCP and UDP only)")
        }
        let bounds = parts[1].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(bounds.count), bounds.allSatisfy({ $0 != nil && (1...65535).contains($0!) }),
              bounds.first!! <= bounds.last!! else {
            throw ParseError(description: "\"\(text)\": ports are a number 1–65535 or a range LOW-HIGH with LOW ≤ HIGH")
        }
        ports = bounds.first!!...bounds.last!!
    }

    public var description: String {
        guard let ports else { return ipProtocol == .tcp || ipProtocol == .udp ? "\(ipProtocol.rawValue)/all" : ipProtocol.rawValue }
        return ports.count == 1 ? "\(ipProtocol.rawValue)/\(ports.lowerBound)" : "\(ipProtocol.rawValue)/\(ports.lowerBound)-\(ports.upperBound)"
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public init(from decoder: Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }
}
