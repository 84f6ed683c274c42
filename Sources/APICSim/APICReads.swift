import APIC
import Foundation

/// Reads from the store as the APIC answers them: every property with its default, relation state
/// resolved at read time, query options applied (reference §3).
struct APICReader {
    let store: APICStore
    /// `wcard` patterns, compiled once per query rather than once per object.
    private let patterns = PatternCache()

    init(store: APICStore) { self.store = store }

    final class PatternCache {
        private var compiled: [String: NSRegularExpression?] = [:]
        func regex(_ pattern: String) -> NSRegularExpression? {
            if let known = compiled[pattern] { return known }
            let regex = try? NSRegularExpression(pattern: pattern)
            compiled[pattern] = regex
            return regex
        }
    }

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
        guard let apicClass = APICClass.named(entry.className) else {
            // A class outside the table (a hand-made fixture): what was configured, as it was.
            return ([ManagedObject.Attribute("dn", dn)] + entry.configured.map { ManagedObject.Attribute($0.key, $0.value) }).sorted { $0.name < $1.name }
        }
        if include == .namingOnly {
            return ([ManagedObject.Attribute("dn", dn)] + apicClass.namingProperties.map { ManagedObject.Attribute($0, entry.configured[$0] ?? "") })
                .sorted { $0.name < $1.name }
        }
        // The class's properties (already in order) merged with the computed ones (sorted here).
        var computed: [(String, String)] = [("dn", dn)]
        if let relation = apicClass.relation {
            let resolved = resolve(relation, dn: dn, entry: entry)
            computed.append(("tDn", resolved.targetDN))
            if include == .all {
                computed += [("state", resolved.state), ("stateQual", resolved.qualifier), ("tCl", resolved.targetClass),
                             ("forceResolve", "yes"), ("tType", resolved.byName ? "name" : "mo")]
            }
        }
        if include == .all {
            computed += [("childAction", ""), ("lcOwn", "local"), ("modTs", entry.modTs), ("status", ""), ("uid", "15374")]
        }
        computed.sort { $0.0 < $1.0 }
        var result: [ManagedObject.Attribute] = []
        result.reserveCapacity(apicClass.sortedPropertyNames.count + computed.count)
        // Three sorted lists merged: the class's defaults, what is configured, what is computed.
        let configured = entry.configured.sorted { $0.key < $1.key }
        var next = 0, nextConfigured = 0
        for (name, defaultValue) in apicClass.sortedDefaults {
            while next < computed.count, computed[next].0 <= name {
                if computed[next].0 != name { result.append(.init(computed[next].0, computed[next].1)) }
                next += 1
            }
            while nextConfigured < configured.count, configured[nextConfigured].key < name { nextConfigured += 1 }
            if name == "tDn", apicClass.relation != nil, let resolved = computed.first(where: { $0.0 == "tDn" }) {
                result.append(.init(name, resolved.1))
            } else if nextConfigured < configured.count, configured[nextConfigured].key == name {
                result.append(.init(name, configured[nextConfigured].value))
            } else {
                result.append(.init(name, defaultValue))
            }
        }
        while next < computed.count {
            result.append(.init(computed[next].0, computed[next].1))
            next += 1
        }
        return result
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
                if let regex = patterns.regex(expected) {
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
}
