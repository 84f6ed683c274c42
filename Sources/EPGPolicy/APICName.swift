import Crypto
import Foundation

/// Naming rules of the APIC object classes the policy names, and deterministic shortening.
public enum APICName {
    public enum Kind: String, Sendable {
        case tenant, applicationProfile = "application profile", epg = "EPG", contract, bridgeDomain = "bridge domain"
        case vrf = "VRF", l3out = "L3Out", externalEPG = "external EPG", domain = "VMM domain", clusterName = "cluster name"

        /// "a" or "an", by how the name is read aloud ("an EPG", "an L3Out").
        var article: String { [.applicationProfile, .epg, .l3out, .externalEPG].contains(self) ? "an" : "a" }

        var maxLength: Int { self == .tenant ? 63 : 64 }
        var allowsColon: Bool { self != .tenant }
    }

    public static let epgMaxLength = 64

    /// Why `name` is not a valid name for this class, or nil. Tenants: 1–63 of `[a-zA-Z0-9_.-]`;
    /// everything else: 1–64 of `[a-zA-Z0-9_.:-]`.
    public static func problem(_ name: String, kind: Kind) -> String? {
        if name.isEmpty { return "\(kind.article) \(kind.rawValue) name must not be empty" }
        if name.utf8.count > kind.maxLength {
            return "\(kind.article) \(kind.rawValue) name is at most \(kind.maxLength) characters; \"\(name)\" has \(name.utf8.count)"
        }
        if let bad = name.unicodeScalars.first(where: { !isNameCharacter($0, allowColon: kind.allowsColon) }) {
            let allowed = kind.allowsColon ? "letters, digits, '_', '.', ':' and '-'" : "letters, digits, '_', '.' and '-' (no ':')"
            return "\(kind.article) \(kind.rawValue) name may contain only \(allowed); \"\(name)\" contains '\(bad)'"
        }
        return nil
    }

    public static func isNameCharacter(_ scalar: Unicode.Scalar, allowColon: Bool = true) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_", ".", "-": return true
        case ":": return allowColon
        default: return false
        }
    }

    /// `name` itself when it fits; otherwise its first characters, `-`, and 10 hex digits of the
    /// SHA-256 of the whole name, exactly `limit` long — so a long name is shortened, never denied,
    /// and the same name always shortens the same way.
    public static func fit(_ name: String, limit: Int = epgMaxLength) -> String {
        guard name.utf8.count > limit else { return name }
        let digest = SHA256.hash(data: Data(name.utf8)).map { String(format: "%02x", $0) }.joined()
        let suffix = "-" + digest.prefix(10)
        return String(name.prefix(limit - suffix.count)) + suffix
    }
}
