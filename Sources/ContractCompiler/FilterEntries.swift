import EPGPolicy

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
