import APIC
import Foundation

/// Reads from the store as the APIC answers them: every property with its default, relation state
/// resolved at read time, query options applied (reference §3).
struct APICReader {
    let store: APICStore

    /// Everything `/api/mo/<dn>.json` and `/api/class/<class>.json` return, before paging.
    func select(base: [String], query: APICQuery) -> [String] {
        var selected: [String]
        switch query.target {
        case .self: selected = base
        case .children: selected = base.flatMap { store.children(of: $0) }
        case .subtree: selected = base.flatMap { store.subtree($0) }
        }
        if query.target != .self, !query.targetSubtreeClasses.isEmpty {
            let classes = Set(query.targetSubtreeClasses)
            selected = selected.filter { store[$0].map { classes.contains($0.className) } ?? false }
        }
        if let filter = query.filter {
            selected = selected.filter { matches($0, filter) }
        }
        if !query.orderBy.isEmpty {
            let keyed = selected.map { dn in (dn, query.orderBy.map { value(of: $0.property, at: dn, className: $0.className) }) }
            selected = keyed.sorted { left, right in
                for (index, order) in query.orderBy.enumerated() {
                    let (a, b) = (left.1[index], right.1[index])
                    if a == b { continue }
                    let less = Self.less(a ?? "", b ?? "")
                    return order.ascending ? less : !less
                }
                return left.0 < right.0
            }.map(\.0)
        }
        return selected
    }

    /// One page of the selection (`page` is 0-based).
    static func page(_ selected: [String], query: APICQuery) -> ArraySlice<String> {
        guard let size = query.pageSize else { return selected[...] }
        let start = min(selected.count, (query.page ?? 0) * size)
        return selected[start..<min(selected.count, start + size)]
    }

    func render(_ dn: String, query: APICQuery) -> ManagedObject? {
        guard let entry = store[dn] else { return nil }
        var object = ManagedObject(className: entry.className, attributes: attributes(dn, entry, include: query.propertyInclude))
        switch query.subtree {
        case .no: break
        case .children, .full:
            let classes = Set(query.subtreeClasses)
            for child in store.children(of: dn) {
                guard let childEntry = store[child] else { continue }
                if query.subtree == .children {
                    guard classes.isEmpty || classes.contains(childEntry.className) else { continue }
                    object.children.append(ManagedObject(className: childEntry.className, attributes: attributes(child, childEntry, include: query.propertyInclude)))
                } else if let rendered = render(child, query: query) {
                    // `rsp-subtree-class` with `full`: keep the branches that lead to a wanted class.
                    if classes.isEmpty || classes.contains(childEntry.className) || !rendered.children.isEmpty {
                        object.children.append(rendered)
                    }
                }
            }
        }
        return object
    }

    func attributes(_ dn: String, _ entry: APICStore.Entry, include: APICQuery.PropertyInclude) -> [ManagedObject.Attribute] {
        var values: [String: String] = ["dn": dn]
        let apicClass = APICClass.named(entry.className)
        switch include {
        case .namingOnly:
            for property in apicClass?.namingProperties ?? [] { values[property] = entry.configured[property] ?? "" }
        case .configOnly, .all:
            for (name, property) in apicClass?.properties ?? [:] { values[name] = entry.configured[name] ?? property.defaultValue }
            for (name, value) in entry.configured { values[name] = value }
            if let relation = apicClass?.relation {
                let resolved = resolve(relation, dn: dn, entry: entry)
                values["tDn"] = resolved.targetDN
                if include == .all {
                    values["state"] = resolved.state
                    values["stateQual"] = resolved.qualifier
                    values["tCl"] = resolved.targetClass
                    values["forceResolve"] = "yes"
                    values["tType"] = resolved.byName ? "name" : "mo"
                }
            }
            if include == .all {
                values["childAction"] = ""
                values["lcOwn"] = "local"
                values["modTs"] = Self.timestamp(entry.modified)
                values["status"] = ""
                values["uid"] = "15374"
            }
        }
        return values.sorted { $0.key < $1.key }.map { ManagedObject.Attribute($0.key, $0.value) }
    }

    struct Resolution {
        var targetDN: String
        var targetClass: String
        var state: String
        var qualifier: String
        var byName: Bool
    }

    /// Named relations resolve in the object's tenant, then in `common` (`default-target`); a
    /// missing target is `missing-target`, never an error.
    func resolve(_ relation: APICRelation, dn: String, entry: APICStore.Entry) -> Resolution {
        switch relation.target {
        case .named(let property, let targetClass):
            let name = entry.configured[property] ?? ""
            let tenant = DN.split(dn).first { $0.hasPrefix("tn-") } ?? "tn-common"
            let format = APICClass.named(targetClass)?.rnFormat ?? ""
            let rn = format.replacingOccurrences(of: "{name}", with: name.isEmpty ? "default" : name)
            let own = "uni/\(tenant)/\(rn)", common = "uni/tn-common/\(rn)"
            if !name.isEmpty, store[own] != nil { return Resolution(targetDN: own, targetClass: targetClass, state: "formed", qualifier: "none", byName: true) }
            if store[common] != nil {
                return Resolution(targetDN: common, targetClass: targetClass, state: "formed", qualifier: name.isEmpty ? "default-target" : "none", byName: true)
            }
            return Resolution(targetDN: name.isEmpty ? common : own, targetClass: targetClass, state: "missing-target", qualifier: "mismatch-target", byName: true)
        case .explicit(let defaultClass):
            let target = entry.configured["tDn"] ?? ""
            if let found = store[target] {
                return Resolution(targetDN: target, targetClass: found.className, state: "formed", qualifier: "none", byName: false)
            }
            let targetClass = target.contains("/vmmp-") ? "vmmDomP" : target.contains("/phys-") ? "physDomP" : defaultClass
            return Resolution(targetDN: target, targetClass: targetClass, state: "missing-target", qualifier: "mismatch-target", byName: false)
        }
    }

    /// A property's value as reads show it (configured, else default, else the computed ones).
    func value(of property: String, at dn: String, className: String? = nil) -> String? {
        guard let entry = store[dn] else { return nil }
        if let className, className != entry.className { return nil }
        if property == "dn" { return dn }
        if let configured = entry.configured[property] { return configured }
        if let spec = APICClass.named(entry.className)?.properties[property] { return spec.defaultValue }
        return attributes(dn, entry, include: .all).first { $0.name == property }?.value
    }

    func matches(_ dn: String, _ filter: APICFilter) -> Bool {
        switch filter {
        case .constant(let value): return value
        case .not(let inner): return !matches(dn, inner)
        case .and(let terms): return terms.allSatisfy { matches(dn, $0) }
        case .or(let terms): return terms.contains { matches(dn, $0) }
        case .xor(let terms): return terms.filter { matches(dn, $0) }.count % 2 == 1
        case .compare(let comparison, let className, let property, let values):
            // A term on another class does not hold for this object.
            guard let actual = value(of: property, at: dn, className: className) else { return false }
            let expected = values.first ?? ""
            switch comparison {
            case .eq: return actual == expected
            case .ne: return actual != expected
            case .lt: return Self.less(actual, expected)
            case .gt: return Self.less(expected, actual)
            case .le: return !Self.less(expected, actual)
            case .ge: return !Self.less(actual, expected)
            case .bw: return !Self.less(actual, expected) && !Self.less(values[1], actual)
            case .wcard:
                if let regex = try? NSRegularExpression(pattern: expected) {
                    return regex.firstMatch(in: actual, range: NSRange(actual.startIndex..., in: actual)) != nil
                }
                return actual.contains(expected)
            case .anybit, .allbits:
                let have = Set(actual.split(separator: ",").map(String.init)), want = Set(expected.split(separator: ",").map(String.init))
                return comparison == .anybit ? !have.isDisjoint(with: want) : want.isSubset(of: have)
            }
        }
    }

    /// Numbers compare as numbers, everything else as strings.
    static func less(_ a: String, _ b: String) -> Bool {
        if let x = Double(a), let y = Double(b) { return x < y }
        return a < b
    }

    private static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static func timestamp(_ seconds: Double) -> String {
        timestampStyle.format(Date(timeIntervalSince1970: seconds))
    }
}
