import Foundation

/// What the product needs to know about each APIC class it writes or references: the relative-name
/// format and its naming properties. (`rnFormat` as in the APIC model: `{prop}` substitutes the
/// property; the format itself carries the brackets where the APIC puts them.)
public struct APICClass: Sendable, Hashable {
    public var name: String
    public var rnFormat: String
    public var namingProperties: [String]

    public init(_ name: String, rn: String, naming: [String] = []) {
        self.name = name
        rnFormat = rn
        namingProperties = naming
    }

    public func rn(for object: ManagedObject) -> String? {
        // Every class here has at most one naming property, written once in its format.
        guard let property = namingProperties.first else { return rnFormat }
        guard let value = object[property], let range = rnFormat.range(of: "{\(property)}") else { return nil }
        return String(rnFormat[..<range.lowerBound]) + value + String(rnFormat[range.upperBound...])
    }

    public static let known: [String: APICClass] = Dictionary(uniqueKeysWithValues: [
        APICClass("polUni", rn: "uni"),
        APICClass("fvTenant", rn: "tn-{name}", naming: ["name"]),
        APICClass("fvAp", rn: "ap-{name}", naming: ["name"]),
        APICClass("fvAEPg", rn: "epg-{name}", naming: ["name"]),
        APICClass("fvBD", rn: "BD-{name}", naming: ["name"]),
        APICClass("fvCtx", rn: "ctx-{name}", naming: ["name"]),
        APICClass("fvRsBd", rn: "rsbd"),
        APICClass("fvRsDomAtt", rn: "rsdomAtt-[{tDn}]", naming: ["tDn"]),
        APICClass("fvRsProv", rn: "rsprov-{tnVzBrCPName}", naming: ["tnVzBrCPName"]),
        APICClass("fvRsCons", rn: "rscons-{tnVzBrCPName}", naming: ["tnVzBrCPName"]),
        APICClass("fvRsIntraEpg", rn: "rsintraEpg-{tnVzBrCPName}", naming: ["tnVzBrCPName"]),
        APICClass("vzBrCP", rn: "brc-{name}", naming: ["name"]),
        APICClass("vzSubj", rn: "subj-{name}", naming: ["name"]),
        APICClass("vzInTerm", rn: "intmnl"),
        APICClass("vzOutTerm", rn: "outtmnl"),
        APICClass("vzRsFiltAtt", rn: "rsfiltAtt-{tnVzFilterName}", naming: ["tnVzFilterName"]),
        APICClass("vzRsSubjFiltAtt", rn: "rssubjFiltAtt-{tnVzFilterName}", naming: ["tnVzFilterName"]),
        APICClass("vzFilter", rn: "flt-{name}", naming: ["name"]),
        APICClass("vzEntry", rn: "e-{name}", naming: ["name"]),
        APICClass("l3extOut", rn: "out-{name}", naming: ["name"]),
        APICClass("l3extInstP", rn: "instP-{name}", naming: ["name"]),
        APICClass("l3extSubnet", rn: "extsubnet-[{ip}]", naming: ["ip"]),
        APICClass("tagAnnotation", rn: "annotationKey-[{key}]", naming: ["key"]),
    ].map { ($0.name, $0) })

    public static func named(_ name: String) -> APICClass? { known[name] }
}

/// Distinguished names: `uni/tn-kube/ap-aci-admission/epg-shop.web`. Bracketed naming values may
/// contain `/` (`rsdomAtt-[uni/vmmp-Kubernetes/dom-kube]`), so splitting respects bracket nesting.
public enum DN {
    public static func split(_ dn: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in dn {
            switch character {
            case "[": depth += 1; current.append(character)
            case "]": depth = max(0, depth - 1); current.append(character)
            case "/" where depth == 0: parts.append(current); current = ""
            default: current.append(character)
            }
        }
        parts.append(current)
        return parts
    }

    public static func join(_ rns: [String]) -> String { rns.joined(separator: "/") }

    public static func parent(of dn: String) -> String? {
        let parts = split(dn)
        return parts.count > 1 ? join(Array(parts.dropLast())) : nil
    }
}
