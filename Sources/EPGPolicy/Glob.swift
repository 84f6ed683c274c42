/// A shell-style pattern over names: `*` matches any run of characters (including none), `?` one
/// character; everything else matches itself. Used for namespace names and EPG references.
public struct Glob: Hashable, Sendable, CustomStringConvertible, Codable {
    public let pattern: String
    private let characters: [Character]

    public init(_ pattern: String) {
        self.pattern = pattern
        characters = Array(pattern)
    }

    public var description: String { pattern }
    public var isLiteral: Bool { !pattern.contains("*") && !pattern.contains("?") }

    public func matches(_ text: String) -> Bool {
        let input = Array(text)
        var p = 0, t = 0
        var star: Int? = nil, resume = 0
        while t < input.count {
            if p < characters.count, characters[p] == "?" || characters[p] == input[t], characters[p] != "*" {
                p += 1; t += 1
            } else if p < characters.count, characters[p] == "*" {
                star = p; resume = t; p += 1
            } else if let starAt = star {
                p = starAt + 1; resume += 1; t = resume
            } else {
                return false
            }
        }
        while p < characters.count, characters[p] == "*" { p += 1 }
        return p == characters.count
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(pattern)
    }

    public init(from decoder: Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }
}

/// `tenant/application-profile/epg`, each part a glob: the shape of an `annotations.allow[].epgs` entry.
public struct EPGGlob: Hashable, Sendable, CustomStringConvertible {
    public var tenant: Glob
    public var applicationProfile: Glob
    public var name: Glob

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        tenant = Glob(parts[0])
        applicationProfile = Glob(parts[1])
        name = Glob(parts[2])
    }

    public func matches(_ epg: EPGRef) -> Bool {
        tenant.matches(epg.tenant) && applicationProfile.matches(epg.applicationProfile) && name.matches(epg.name)
    }

    public var description: String { "\(tenant)/\(applicationProfile)/\(name)" }
}
