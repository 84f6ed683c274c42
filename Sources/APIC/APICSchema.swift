import Foundation

/// How the APIC checks one property's value (the MIM's validators, enums and ranges, as in
/// `reference/apic-rest.md` §4, for the classes this product writes or references).
public enum APICValueRule: Sendable {
    /// A string of `length` characters drawn from `characters`.
    case text(length: ClosedRange<Int>, characters: APICCharacters)
    /// One of the names.
    case choice([String])
    /// A number in `range` or one of the names; the APIC stores the name when the number has one
    /// (`80` reads back as `http`).
    case numberOrName(range: ClosedRange<Int>, names: KeyValuePairs<String, Int>)
    /// A comma-separated subset of the names (`import-security,shared-rtctrl`); empty is allowed.
    case flags([String])
    /// A distinguished name (`uni/vmmp-Kubernetes/dom-kube`).
    case dn
    /// An IPv4 or IPv6 address with an optional prefix length.
    case ipPrefix
}

/// The character sets of the APIC's string validators.
public enum APICCharacters: String, Sendable, Hashable {
    /// `^[a-zA-Z0-9_.:-]+$`
    case name
    /// `^[a-zA-Z0-9_.-]+$` (tenant names, `nameAlias`, relation target names)
    case nameWithoutColon
    /// `^[a-zA-Z0-9\\!#$%()*,-./:;@ _{|}~?&+]+$` (`descr`)
    case description
    /// `^[^<>]+$` (tag keys and values)
    case noAngleBrackets
    /// Any printable text.
    case printable

    public func allows(_ scalar: Unicode.Scalar) -> Bool {
        let alphanumeric = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
        switch self {
        case .name: return alphanumeric || "_.:-".unicodeScalars.contains(scalar)
        case .nameWithoutColon: return alphanumeric || "_.-".unicodeScalars.contains(scalar)
        case .description: return alphanumeric || "\\!#$%()*,-./:;@ _{|}~?&+".unicodeScalars.contains(scalar)
        case .noAngleBrackets: return scalar != "<" && scalar != ">"
        case .printable: return !scalar.properties.generalCategory.isControl
        }
    }
}

private extension Unicode.GeneralCategory {
    var isControl: Bool { self == .control || self == .format }
}

/// One property of a class: its rule and default, and whether it names the object.
public struct APICProperty: Sendable {
    public var rule: APICValueRule
    public var defaultValue: String
    public var isNaming: Bool

    public init(_ rule: APICValueRule, default defaultValue: String = "", naming: Bool = false) {
        self.rule = rule
        self.defaultValue = defaultValue
        isNaming = naming
    }

    /// The value as the APIC stores it (numbers with names become the names), or nil when invalid.
    public func canonical(_ value: String) -> String? {
        switch rule {
        case .text(let length, let characters):
            let count = value.unicodeScalars.count
            guard length.contains(count), value.unicodeScalars.allSatisfy(characters.allows) else { return nil }
            return value
        case .choice(let names):
            return names.contains(value) ? value : nil
        case .numberOrName(let range, let names):
            if names.contains(where: { $0.key == value }) { return value }
            guard let number = Int(value), range.contains(number) else { return nil }
            return names.first { $0.value == number }?.key ?? String(number)
        case .flags(let names):
            if value.isEmpty { return value }
            let parts = value.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.allSatisfy({ names.contains($0) }), Set(parts).count == parts.count else { return nil }
            return names.filter { parts.contains($0) }.joined(separator: ",")
        case .dn:
            let rns = DN.split(value)
            guard !value.isEmpty, rns.allSatisfy({ !$0.isEmpty }), value.unicodeScalars.allSatisfy({ APICCharacters.printable.allows($0) }) else { return nil }
            return value
        case .ipPrefix:
            return IPPrefix.isValid(value) ? value : nil
        }
    }
}

enum IPPrefix {
    static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let address = String(parts[0])
        var v4 = in_addr(), v6 = in6_addr()
        let maximum: Int
        if inet_pton(AF_INET, address, &v4) == 1 { maximum = 32 } else if inet_pton(AF_INET6, address, &v6) == 1 { maximum = 128 } else { return false }
        guard parts.count == 2 else { return true }
        guard let length = Int(parts[1]), (0...maximum).contains(length), parts[1].allSatisfy(\.isASCII) else { return false }
        return true
    }
}

/// The properties classes share (reference §4, "Common props"; which class has which is as in the
/// APIC model: relations carry only `annotation` and `userdom`, `ownerKey`/`ownerTag` only some).
public struct CommonProperties: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let annotation = CommonProperties(rawValue: 1)
    public static let description = CommonProperties(rawValue: 2)
    public static let owner = CommonProperties(rawValue: 4)
    public static let userDomain = CommonProperties(rawValue: 8)

    /// Policy objects with an owner: tenants, profiles, BDs, VRFs, contracts, filters, L3Outs.
    public static let full: CommonProperties = [.annotation, .description, .owner, .userDomain]
    /// Named objects without owner properties.
    public static let named: CommonProperties = [.annotation, .description, .userDomain]
    public static let relation: CommonProperties = [.annotation, .userDomain]
    public static let tag: CommonProperties = [.userDomain]

    var properties: [String: APICProperty] {
        var result: [String: APICProperty] = [:]
        if contains(.annotation) { result["annotation"] = APICProperty(.text(length: 0...128, characters: .name)) }
        if contains(.description) {
            result["descr"] = APICProperty(.text(length: 0...128, characters: .description))
            result["nameAlias"] = APICProperty(.text(length: 0...63, characters: .nameWithoutColon))
        }
        if contains(.owner) {
            result["ownerKey"] = APICProperty(.text(length: 0...128, characters: .description))
            result["ownerTag"] = APICProperty(.text(length: 0...64, characters: .description))
        }
        if contains(.userDomain) { result["userdom"] = APICProperty(.text(length: 0...1024, characters: .name), default: "all") }
        return result
    }
}

enum Rules {
    static let name = APICProperty(.text(length: 1...64, characters: .name), naming: true)
    static let targetName = APICProperty(.text(length: 0...64, characters: .nameWithoutColon))
    static let matchT = APICProperty(.choice(["All", "AtleastOne", "AtmostOne", "None"]), default: "AtleastOne")
    static let prio = APICProperty(.choice(["unspecified", "level1", "level2", "level3", "level4", "level5", "level6"]), default: "unspecified")
    static let dscp = APICProperty(.choice(["AF11", "AF12", "AF13", "AF21", "AF22", "AF23", "AF31", "AF32", "AF33", "AF41", "AF42", "AF43",
                                            "CS0", "CS1", "CS2", "CS3", "CS4", "CS5", "CS6", "CS7", "EF", "VA", "unspecified"]), default: "unspecified")
    static let yesNo = APICProperty(.choice(["no", "yes"]), default: "no")
    static let enforcement = APICProperty(.choice(["enforced", "unenforced"]), default: "unenforced")
    static let preferredGroup = APICProperty(.choice(["exclude", "include"]), default: "exclude")
    static let floodOnEncap = APICProperty(.choice(["disabled", "enabled"]), default: "disabled")
    static let port = APICProperty(.numberOrName(range: 0...65535, names: ["unspecified": 0, "ftpData": 20, "ssh": 22, "smtp": 25, "dns": 53,
                                                                         "http": 80, "pop3": 110, "https": 443, "rtsp": 554]), default: "unspecified")
    static let filterAttachment: [String: APICProperty] = [
        "tnVzFilterName": APICProperty(.text(length: 1...64, characters: .name), naming: true),
        "action": APICProperty(.choice(["deny", "permit"]), default: "permit"),
        "directives": APICProperty(.flags(["log", "no_stats", "none"]), default: "none"),
        "priorityOverride": APICProperty(.choice(["default", "level1", "level2", "level3"]), default: "default"),
    ]
    static let intent = APICProperty(.choice(["estimate_add", "estimate_delete", "install"]), default: "install")
    static let contractRelation: [String: APICProperty] = [
        "tnVzBrCPName": APICProperty(.text(length: 1...64, characters: .name), naming: true),
        "prio": prio, "intent": intent,
    ]
    /// The optional, non-naming `name` of terminals, `vzAny` and subnets.
    static let optionalName = APICProperty(.text(length: 0...64, characters: .name))
}

/// Relation classes: what they point at, and how the target is named.
public struct APICRelation: Sendable, Hashable {
    public enum Target: Sendable, Hashable {
        /// `tnXxxName`: a name resolved in the object's own tenant, then in `common`.
        case named(property: String, targetClass: String)
        /// `tDn`: an explicit DN.
        case explicit(targetClass: String)
    }
    public var target: Target
}
