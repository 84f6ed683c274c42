import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 prefix in canonical form (no host bits set).
public struct CIDR: Hashable, Sendable, CustomStringConvertible, Codable {
    public enum Family: Sendable, Hashable, Codable { case ipv4, ipv6 }

    public let family: Family
    /// Network address bytes: 4 for IPv4, 16 for IPv6.
    public let bytes: [UInt8]
    public let prefixLength: Int

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notCIDR(String)
        case badAddress(String)
        case badPrefix(String, max: Int)
        case hostBitsSet(String, canonical: String)

        public var description: String {
            switch self {
            case .notCIDR(let text): return "\"\(text)\" is not a CIDR: expected ADDRESS/PREFIX, e.g. 10.2.0.0/16 or fd00::/48"
            case .badAddress(let text): return "\"\(text)\" is not a valid IPv4 or IPv6 address"
            case .badPrefix(let text, let max): return "prefix length \"\(text)\" must be a number from 0 to \(max)"
            case .hostBitsSet(let text, let canonical): return "\"\(text)\" has host bits set; the network is \(canonical)"
            }
        }
    }

    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw ParseError.notCIDR(text) }
        let address = String(parts[0])
        var v4 = in_addr()
        var v6 = in6_addr()
        if address.contains(":") {
            guard inet_pton(AF_INET6, address, &v6) == 1 else { throw ParseError.badAddress(address) }
            family = .ipv6
            bytes = withUnsafeBytes(of: v6) { Array($0) }
        } else {
            guard inet_pton(AF_INET, address, &v4) == 1 else { throw ParseError.badAddress(address) }
            family = .ipv4
            bytes = withUnsafeBytes(of: v4) { Array($0) }
        }
        let maxPrefix = bytes.count * 8
        guard let prefix = Int(parts[1]), (0...maxPrefix).contains(prefix), parts[1].allSatisfy(\.isNumber) else {
            throw ParseError.badPrefix(String(parts[1]), max: maxPrefix)
        }
        prefixLength = prefix
        let masked = CIDR.mask(bytes, prefix)
        if masked != bytes {
            throw ParseError.hostBitsSet(text, canonical: CIDR(family: family, bytes: masked, prefixLength: prefix).description)
        }
    }

    init(family: Family, bytes: [UInt8], prefixLength: Int) {
        self.family = family
        self.bytes = bytes
        self.prefixLength = prefixLength
    }

    static func mask(_ bytes: [UInt8], _ prefix: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let bitsHere = max(0, min(8, prefix - index * 8))
            return bitsHere == 8 ? byte : byte & ~(UInt8(0xFF) >> bitsHere)
        }
    }

    /// Whether every address of `other` is inside this prefix.
    public func contains(_ other: CIDR) -> Bool {
        family == other.family && other.prefixLength >= prefixLength && CIDR.mask(other.bytes, prefixLength) == bytes
    }

    public func overlaps(_ other: CIDR) -> Bool { contains(other) || other.contains(self) }

    public var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        switch family {
        case .ipv4:
            var address = in_addr()
            withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
            inet_ntop(AF_INET, &address, &text, socklen_t(text.count))
        case .ipv6:
            var address = in6_addr()
            withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
            inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
        }
        return String(cString: text) + "/\(prefixLength)"
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public init(from decoder: Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }
}
