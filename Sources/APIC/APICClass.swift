import Foundation

/// What the product and the emulator know about each APIC class: the relative-name format and its
/// naming properties, the classes that may contain it, its properties with their validators and
/// defaults, and, for relations, what they point at. (`rnFormat` as in the APIC model: `{prop}`
/// substitutes the property; the format itself carries the brackets where the APIC puts them.)
public struct APICClass: Sendable {
    public var name: String
    public var rnFormat: String
    public var namingProperties: [String]
    /// The classes an instance may be created under.
    public var parents: [String]
    /// Every configurable property (naming ones included, common ones added), by name.
    public var properties: [String: APICProperty]
    public var relation: APICRelation?
    /// Property names in the order reads list them (alphabetical, as the APIC does), with defaults.
    public let sortedPropertyNames: [String]
    public let sortedDefaults: [(name: String, value: String)]

    public init(_ name: String, rn: String, naming: [String] = [], parents: [String] = [], properties: [String: APICProperty] = [:],
                relation: APICRelation? = nil, common: CommonProperties? = nil) {
        self.name = name
        rnFormat = rn
        namingProperties = naming
        self.parents = parents
        var all = (common ?? (relation != nil ? .relation : .named)).properties
        all.merge(properties) { $1 }
        for property in naming where all[property] == nil {
            all[property] = Rules.name
        }
        self.properties = all
        self.relation = relation
        sortedPropertyNames = all.keys.sorted()
        sortedDefaults = sortedPropertyNames.map { ($0, all[$0]!.defaultValue) }
    }

    public func rn(for object: ManagedObject) -> String? {
        // Every class here has at most one naming property, written once in its format.
        guard let property = namingProperties.first else { return rnFormat }
        guard let value = object[property], let range = rnFormat.range(of: "{\(property)}") else { return nil }
        return String(rnFormat[..<range.lowerBound]) + value + String(rnFormat[range.upperBound...])
    }

    /// The naming values of a relative name (`rsdomAtt-[uni/vmmp-Kubernetes/dom-kube]` → `tDn`), or nil
    /// when `rn` does not have this class's format.
    public func namingValues(of rn: String) -> [String: String]? {
        guard let property = namingProperties.first else { return rn == rnFormat ? [:] : nil }
        guard let range = rnFormat.range(of: "{\(property)}") else { return nil }
        let prefix = String(rnFormat[..<range.lowerBound]), suffix = String(rnFormat[range.upperBound...])
        guard rn.hasPrefix(prefix), rn.hasSuffix(suffix), rn.count > prefix.count + suffix.count else { return nil }
        return [property: String(rn.dropFirst(prefix.count).dropLast(suffix.count))]
    }

    /// The class whose rn format matches `rn` among those `parent` may contain.
    public static func childClass(ofRN rn: String, under parent: String) -> APICClass? {
        known.values.filter { $0.parents.contains(parent) && $0.namingValues(of: rn) != nil }
            .max { $0.rnFormat.count < $1.rnFormat.count }
    }

    private static let epgLike: [String: APICProperty] = [
        "pcEnfPref": Rules.enforcement, "prefGrMemb": Rules.preferredGroup, "floodOnEncap": Rules.floodOnEncap,
        "matchT": Rules.matchT, "prio": Rules.prio, "exceptionTag": APICProperty(.text(length: 0...512, characters: .printable)),
    ]

    public static let known: [String: APICClass] = Dictionary(uniqueKeysWithValues: [
        APICClass("polUni", rn: "uni", common: []),
        APICClass("fvTenant", rn: "tn-{name}", naming: ["name"], parents: ["polUni"],
                  properties: ["name": APICProperty(.text(length: 1...63, characters: .nameWithoutColon), naming: true)], common: .full),
        APICClass("fvAp", rn: "ap-{name}", naming: ["name"], parents: ["fvTenant"], properties: ["prio": Rules.prio], common: .full),
        APICClass("fvAEPg", rn: "epg-{name}", naming: ["name"], parents: ["fvAp"],
                  properties: epgLike.merging([
                      "shutdown": Rules.yesNo, "isAttrBasedEPg": Rules.yesNo, "hasMcastSource": Rules.yesNo,
                      "fwdCtrl": APICProperty(.flags(["none", "proxy-arp"]), default: "none"),
                  ]) { $1 }),
        APICClass("fvBD", rn: "BD-{name}", naming: ["name"], parents: ["fvTenant"],
                  properties: ["name": APICProperty(.text(length: 1...64, characters: .nameWithoutColon), naming: true),
                               "arpFlood": Rules.yesNo, "unicastRoute": APICProperty(.choice(["no", "yes"]), default: "yes"),
                               "unkMacUcastAct": APICProperty(.choice(["flood", "proxy"]), default: "proxy"),
                               "limitIpLearnToSubnets": APICProperty(.choice(["no", "yes"]), default: "yes")], common: .full),
        APICClass("fvRsCtx", rn: "rsctx", parents: ["fvBD"], properties: ["tnFvCtxName": Rules.targetName],
                  relation: APICRelation(target: .named(property: "tnFvCtxName", targetClass: "fvCtx"))),
        APICClass("fvCtx", rn: "ctx-{name}", naming: ["name"], parents: ["fvTenant"],
                  properties: ["name": APICProperty(.text(length: 1...64, characters: .nameWithoutColon), naming: true),
                               "pcEnfPref": APICProperty(.choice(["enforced", "unenforced"]), default: "enforced"),
                               "pcEnfDir": APICProperty(.choice(["egress", "ingress", "mixed"]), default: "ingress")], common: .full),
        APICClass("fvRsBd", rn: "rsbd", parents: ["fvAEPg"], properties: ["tnFvBDName": Rules.targetName],
                  relation: APICRelation(target: .named(property: "tnFvBDName", targetClass: "fvBD"))),
        APICClass("fvRsDomAtt", rn: "rsdomAtt-[{tDn}]", naming: ["tDn"], parents: ["fvAEPg"],
                  properties: ["tDn": APICProperty(.dn, naming: true),
                               "resImedcy": APICProperty(.choice(["immediate", "lazy", "pre-provision"]), default: "lazy"),
                               "instrImedcy": APICProperty(.choice(["immediate", "lazy"]), default: "lazy"),
                               "encap": APICProperty(.text(length: 0...64, characters: .name), default: "unknown"),
                               "encapMode": APICProperty(.choice(["auto", "vlan", "vxlan"]), default: "auto"),
                               "primaryEncap": APICProperty(.text(length: 0...64, characters: .name), default: "unknown"),
                               "bindingType": APICProperty(.choice(["dynamicBinding", "ephemeral", "none", "staticBinding"]), default: "none"),
                               "classPref": APICProperty(.choice(["encap", "useg"]), default: "encap")],
                  relation: APICRelation(target: .explicit(targetClass: "infraDomP"))),
        APICClass("fvRsProv", rn: "rsprov-{tnVzBrCPName}", naming: ["tnVzBrCPName"], parents: ["fvAEPg", "l3extInstP"],
                  properties: Rules.contractRelation.merging(["matchT": Rules.matchT]) { $1 },
                  relation: APICRelation(target: .named(property: "tnVzBrCPName", targetClass: "vzBrCP"))),
        APICClass("fvRsCons", rn: "rscons-{tnVzBrCPName}", naming: ["tnVzBrCPName"], parents: ["fvAEPg", "l3extInstP"],
                  properties: Rules.contractRelation,
                  relation: APICRelation(target: .named(property: "tnVzBrCPName", targetClass: "vzBrCP"))),
        APICClass("fvRsIntraEpg", rn: "rsintraEpg-{tnVzBrCPName}", naming: ["tnVzBrCPName"], parents: ["fvAEPg"],
                  properties: Rules.contractRelation.filter { $0.key != "prio" },
                  relation: APICRelation(target: .named(property: "tnVzBrCPName", targetClass: "vzBrCP"))),
        APICClass("vzBrCP", rn: "brc-{name}", naming: ["name"], parents: ["fvTenant"],
                  properties: ["scope": APICProperty(.choice(["application-profile", "context", "global", "tenant"]), default: "context"),
                               "prio": Rules.prio, "targetDscp": Rules.dscp, "intent": Rules.intent], common: .full),
        APICClass("vzSubj", rn: "subj-{name}", naming: ["name"], parents: ["vzBrCP"],
                  properties: ["revFltPorts": APICProperty(.choice(["no", "yes"]), default: "yes"),
                               "consMatchT": Rules.matchT, "provMatchT": Rules.matchT, "prio": Rules.prio, "targetDscp": Rules.dscp]),
        APICClass("vzInTerm", rn: "intmnl", parents: ["vzSubj"], properties: ["name": Rules.optionalName, "prio": Rules.prio, "targetDscp": Rules.dscp]),
        APICClass("vzOutTerm", rn: "outtmnl", parents: ["vzSubj"], properties: ["name": Rules.optionalName, "prio": Rules.prio, "targetDscp": Rules.dscp]),
        APICClass("vzRsFiltAtt", rn: "rsfiltAtt-{tnVzFilterName}", naming: ["tnVzFilterName"], parents: ["vzInTerm", "vzOutTerm"],
                  properties: Rules.filterAttachment,
                  relation: APICRelation(target: .named(property: "tnVzFilterName", targetClass: "vzFilter"))),
        APICClass("vzRsSubjFiltAtt", rn: "rssubjFiltAtt-{tnVzFilterName}", naming: ["tnVzFilterName"], parents: ["vzSubj"],
                  properties: Rules.filterAttachment,
                  relation: APICRelation(target: .named(property: "tnVzFilterName", targetClass: "vzFilter"))),
        APICClass("vzFilter", rn: "flt-{name}", naming: ["name"], parents: ["fvTenant"], common: .full),
        APICClass("vzEntry", rn: "e-{name}", naming: ["name"], parents: ["vzFilter"],
                  properties: [
                      "etherT": APICProperty(.choice(["arp", "fcoe", "ip", "ipv4", "ipv6", "mac_security", "mpls_ucast", "trill", "unspecified"]), default: "unspecified"),
                      "prot": APICProperty(.numberOrName(range: 0...255, names: ["unspecified": 0, "icmp": 1, "igmp": 2, "tcp": 6, "egp": 8, "igp": 9, "udp": 17,
                                                                                  "icmpv6": 58, "eigrp": 88, "ospfigp": 89, "pim": 103, "l2tp": 115]), default: "unspecified"),
                      "dFromPort": Rules.port, "dToPort": Rules.port, "sFromPort": Rules.port, "sToPort": Rules.port,
                      "stateful": Rules.yesNo, "applyToFrag": Rules.yesNo,
                      "tcpRules": APICProperty(.flags(["ack", "est", "fin", "rst", "syn", "unspecified"]), default: "unspecified"),
                      "arpOpc": APICProperty(.choice(["reply", "req", "unspecified"]), default: "unspecified"),
                      "matchDscp": Rules.dscp,
                      "icmpv4T": APICProperty(.numberOrName(range: 0...255, names: ["echo-rep": 0, "dst-unreach": 3, "src-quench": 4, "echo": 8,
                                                                                     "time-exceeded": 11, "unspecified": 255]), default: "unspecified"),
                      "icmpv6T": APICProperty(.numberOrName(range: 0...255, names: ["unspecified": 0, "dst-unreach": 1, "time-exceeded": 3, "echo-req": 128,
                                                                                     "echo-rep": 129, "nbr-solicit": 135, "nbr-advert": 136, "redirect": 137]), default: "unspecified"),
                  ]),
        APICClass("vzAny", rn: "any", parents: ["fvCtx"],
                  properties: ["name": Rules.optionalName, "matchT": Rules.matchT, "prefGrMemb": APICProperty(.choice(["disabled", "enabled"]), default: "disabled")]),
        APICClass("vzRsAnyToProv", rn: "rsanyToProv-{tnVzBrCPName}", naming: ["tnVzBrCPName"], parents: ["vzAny"],
                  properties: Rules.contractRelation.merging(["matchT": Rules.matchT]) { $1 },
                  relation: APICRelation(target: .named(property: "tnVzBrCPName", targetClass: "vzBrCP"))),
        APICClass("vzRsAnyToCons", rn: "rsanyToCons-{tnVzBrCPName}", naming: ["tnVzBrCPName"], parents: ["vzAny"],
                  properties: Rules.contractRelation,

                  relation: APICRelation(target: .named(property: "tnVzBrCPName", targetClass: "vzBrCP"))),
        APICClass("l3extOut", rn: "out-{name}", naming: ["name"], parents: ["fvTenant"],
                  properties: ["enforceRtctrl": APICProperty(.flags(["export", "import"]), default: "export"), "targetDscp": Rules.dscp,
                               "mplsEnabled": Rules.yesNo], common: .full),
        APICClass("l3extInstP", rn: "instP-{name}", naming: ["name"], parents: ["l3extOut"], properties: epgLike.merging(["targetDscp": Rules.dscp]) { $1 }),
        APICClass("l3extSubnet", rn: "extsubnet-[{ip}]", naming: ["ip"], parents: ["l3extInstP"],
                  properties: ["ip": APICProperty(.ipPrefix, naming: true), "name": Rules.optionalName,
                               "scope": APICProperty(.flags(["export-rtctrl", "import-rtctrl", "import-security", "shared-rtctrl", "shared-security"]),
                                                     default: "import-security"),
                               "aggregate": APICProperty(.flags(["export-rtctrl", "import-rtctrl", "shared-rtctrl"]))]),
        APICClass("tagAnnotation", rn: "annotationKey-[{key}]", naming: ["key"], parents: taggable,
                  properties: ["key": APICProperty(.text(length: 1...128, characters: .noAngleBrackets), naming: true),
                               "value": APICProperty(.text(length: 1...2048, characters: .noAngleBrackets))], common: .tag),
        APICClass("tagTag", rn: "tagKey-{key}", naming: ["key"], parents: taggable,
                  properties: ["key": APICProperty(.text(length: 1...64, characters: .name), naming: true),
                               "value": APICProperty(.text(length: 1...128, characters: .name))], common: .tag),
    ].map { ($0.name, $0) })

    /// Tags go on nearly any object: here, on every configurable class of the table.
    private static let taggable = ["fvTenant", "fvAp", "fvAEPg", "fvBD", "fvCtx", "fvRsBd", "fvRsCtx", "fvRsDomAtt", "fvRsProv", "fvRsCons", "fvRsIntraEpg",
                                   "vzBrCP", "vzSubj", "vzInTerm", "vzOutTerm", "vzRsFiltAtt", "vzRsSubjFiltAtt", "vzFilter", "vzEntry", "vzAny",
                                   "vzRsAnyToProv", "vzRsAnyToCons", "l3extOut", "l3extInstP", "l3extSubnet"]

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
