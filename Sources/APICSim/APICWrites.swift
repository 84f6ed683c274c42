import APIC
import Foundation

/// One object changed by a POST, as `rsp-subtree=modified` reports it.
public struct APICChange: Sendable, Equatable {
    public enum Kind: String, Sendable { case created, modified, deleted }
    public var kind: Kind
    public var dn: String
    public var className: String
}

/// Applies a posted tree to a store with the APIC's validation and its error codes and texts
/// (reference §2). Changes are made in place and undone if any part fails: a POST is atomic.
struct APICWriteApplier {
    let now: Double
    var changes: [APICChange] = []
    /// What each touched DN held before, oldest first, to undo a failed POST.
    private var undo: [(dn: String, entry: APICStore.Entry?)] = []

    init(now: Double) { self.now = now }

    /// Applies the whole tree or nothing.
    static func apply(_ object: ManagedObject, at dn: String, to store: inout APICStore, now: Double) throws(APICError) -> [APICChange] {
        var applier = APICWriteApplier(now: now)
        do {
            try applier.apply(object, at: dn, in: &store)
        } catch {
            applier.rollBack(&store)
            throw error
        }
        return applier.changes
    }

    mutating func rollBack(_ store: inout APICStore) {
        for (dn, entry) in undo.reversed() {
            if let entry {
                store.put(dn, className: entry.className, configured: entry.configured, modified: entry.modified)
            } else {
                store.remove(dn)
            }
        }
        undo.removeAll()
    }

    /// Properties the APIC computes; a client that posts back what it read may include them.
    static let implicitProperties: Set<String> = [
        "childAction", "lcOwn", "modTs", "monPolDn", "uid", "status", "configIssues", "extMngdBy", "state", "stateQual", "tCl",
        "forceResolve", "tType", "tRn", "tContextDn", "rType", "pcTag", "triggerSt", "txId", "rn", "dn",
    ]

    static func notFound(_ dn: String) -> APICError {
        APICError(status: 400, code: "102", text: "configured object ((Dn0)) not found Dn0=\(dn), ")
    }

    /// The DN the root object of a POST to `/api/mo/<target>.json` lands at.
    static func rootDN(of object: ManagedObject, postedAt target: String?, in store: APICStore) throws(APICError) -> String {
        if let dn = object["dn"], !dn.isEmpty { return dn }
        if object.className == "polUni" { return "uni" }
        guard let apicClass = APICClass.named(object.className) else {
            throw APICError(status: 400, code: "122", text: "unknown managed object class \(object.className)")
        }
        guard let rn = apicClass.rn(for: object) else {
            throw APICError(status: 400, code: "400", text: "Invalid request, the naming properties of \(object.className) (\(apicClass.namingProperties.joined(separator: ", "))) are missing")
        }
        let target = target ?? "uni"
        let rns = DN.split(target)
        if rns.last == rn { return target }
        // Posted at the parent: the object is a child of the target.
        let targetClass = store[target]?.className ?? Self.className(ofDN: target)
        if let targetClass, apicClass.parents.contains(targetClass) { return "\(target)/\(rn)" }
        throw APICError(status: 400, code: "400", text: "Invalid DN \(target) wrong rn prefix \(rns.last ?? "") at position \(max(0, rns.count - 1))")
    }

    /// The class an existing or well-formed DN names, from its last rn and its parent's class.
    static func className(ofDN dn: String) -> String? {
        if dn == "uni" { return "polUni" }
        var current = "polUni"
        let rns = DN.split(dn)
        guard rns.first == "uni" else { return nil }
        for rn in rns.dropFirst() {
            guard let child = APICClass.childClass(ofRN: rn, under: current) else { return nil }
            current = child.name
        }
        return current
    }

    mutating func apply(_ object: ManagedObject, at dn: String, in store: inout APICStore) throws(APICError) {
        guard let apicClass = APICClass.named(object.className) else {
            throw APICError(status: 400, code: "122", text: "unknown managed object class \(object.className)")
        }
        let status = (object["status"] ?? "").replacingOccurrences(of: " ", with: "")
        guard ["", "created", "modified", "created,modified", "modified,created", "deleted"].contains(status) else {
            throw APICError(status: 400, code: "120", text: "unknown property value \(object["status"] ?? ""), name status, class \(object.className) [(Dn0)] Dn0=\(dn), ")
        }
        let rns = DN.split(dn)
        let rn = rns.last ?? dn
        // Naming: the rn must have the class's format, and agree with naming attributes given.
        var naming: [String: String] = [:]
        if apicClass.name != "polUni" {
            guard let values = apicClass.namingValues(of: rn) else { throw APICError(status: 400, code: "104", text: "Invalid RN \(rn)") }
            naming = values
            for (property, value) in values {
                if let given = object[property], given != value {
                    throw APICError(status: 400, code: "104", text: "Invalid RN \(rn): \(property) is '\(given)' in the body")
                }
            }
        } else if dn != "uni" {
            throw APICError(status: 400, code: "104", text: "Invalid RN \(rn)")
        }
        let existing = store[dn]
        if status == "deleted" {
            if existing != nil {
                let subtree = store.subtree(dn)
                for removed in subtree { undo.append((removed, store[removed])) }
                for removed in subtree.reversed() {
                    changes.append(APICChange(kind: .deleted, dn: removed, className: store[removed]?.className ?? ""))
                }
                store.remove(dn)
            }
            return
        }
        if let existing, existing.className != object.className {
            throw APICError(status: 400, code: "104", text: "Invalid RN \(rn): \(dn) is a \(existing.className)")
        }
        if status == "created", existing != nil {
            throw APICError(status: 400, code: "103", text: "Cannot create \(dn): the object already exists")
        }
        if status == "modified", existing == nil { throw Self.notFound(dn) }
        if apicClass.name != "polUni" {
            guard let parent = DN.parent(of: dn) else { throw APICError(status: 400, code: "104", text: "Invalid RN \(rn)") }
            let parentClass = store[parent]?.className ?? Self.className(ofDN: parent)
            guard let parentClass, apicClass.parents.contains(parentClass) else {
                throw APICError(status: 400, code: "400", text: "Invalid request. Can not contain child '\(rn)' under parent '\(parent)'")
            }
            guard store[parent] != nil else { throw Self.notFound(parent) }
        }
        // Properties: known, and valid; naming ones are fixed by the rn.
        var configured = existing?.configured ?? [:]
        for (property, value) in naming {
            guard let spec = apicClass.properties[property], let canonical = spec.canonical(value) else {
                throw APICError(status: 400, code: "801", text: "property \(property) of \(rn) failed validation for value '\(value)'")
            }
            configured[property] = canonical
        }
        for attribute in object.attributes where !Self.implicitProperties.contains(attribute.name) && naming[attribute.name] == nil {
            if attribute.name == "tDn", case .named? = apicClass.relation?.target { continue }
            guard let spec = apicClass.properties[attribute.name] else {
                throw APICError(status: 400, code: "400", text: "unknown attribute '\(attribute.name)' in element '\(object.className)'")
            }
            guard let canonical = spec.canonical(attribute.value) else {
                switch spec.rule {
                case .choice, .flags, .numberOrName:
                    throw APICError(status: 400, code: "120",
                                    text: "unknown property value \(attribute.value), name \(attribute.name), class \(object.className) [(Dn0)] Dn0=\(dn), ")
                default:
                    throw APICError(status: 400, code: "801", text: "property \(attribute.name) of \(dn) failed validation for value '\(attribute.value)'")
                }
            }
            configured[attribute.name] = canonical
        }
        if existing == nil || existing?.configured != configured {
            undo.append((dn, existing))
            store.put(dn, className: object.className, configured: configured, modified: now)
            changes.append(APICChange(kind: existing == nil ? .created : .modified, dn: dn, className: object.className))
        }
        for child in object.children {
            guard let childClass = APICClass.named(child.className) else {
                throw APICError(status: 400, code: "122", text: "unknown managed object class \(child.className)")
            }
            let childDN: String
            if let explicit = child["dn"], !explicit.isEmpty {
                guard DN.parent(of: explicit) == dn else {
                    throw APICError(status: 400, code: "400", text: "Invalid request. Can not contain child '\(DN.split(explicit).last ?? explicit)' under parent '\(dn)'")
                }
                childDN = explicit
            } else {
                guard let childRN = childClass.rn(for: child) else {
                    throw APICError(status: 400, code: "400", text: "Invalid request, the naming properties of \(child.className) (\(childClass.namingProperties.joined(separator: ", "))) are missing")
                }
                childDN = "\(dn)/\(childRN)"
            }
            try apply(child, at: childDN, in: &store)
        }
    }
}
