import APIC

/// The desired APIC state: owned objects, grouped into roots (owned objects whose parent aci-admission
/// does not own), each with its full subtree.
public struct DesiredTree: Sendable, Equatable {
    public struct Root: Sendable, Equatable {
        public var dn: String
        public var object: ManagedObject
    }

    /// Sorted by DN.
    public private(set) var roots: [Root]

    public init(roots: [Root]) {
        self.roots = roots.sorted { $0.dn < $1.dn }
    }

    /// Every owned object by DN, without its children (what a diff compares).
    public var objects: [String: ManagedObject] {
        var result: [String: ManagedObject] = [:]
        for root in roots {
            let parent = DN.parent(of: root.dn) ?? ""
            for (dn, object) in root.object.flattened(parentDN: parent) {
                var shallow = object
                shallow.children = []
                shallow["dn"] = nil
                result[dn] = shallow
            }
        }
        return result
    }

    /// What changed from `old`: objects to create, to modify (attributes differ), and to delete.
    /// Subtrees are compared structurally first, so only the parts that differ are walked.
    public func diff(from old: DesiredTree) -> TreeDiff {
        var diff = TreeDiff()
        let before = Dictionary(uniqueKeysWithValues: old.roots.map { ($0.dn, $0.object) })
        let after = Dictionary(uniqueKeysWithValues: roots.map { ($0.dn, $0.object) })
        for (dn, object) in after {
            if let previous = before[dn] {
                DesiredTree.compareSubtrees(previous, object, dn: dn, into: &diff)
            } else {
                diff.created += object.flattened(parentDN: DN.parent(of: dn) ?? "").map(\.dn)
            }
        }
        for (dn, object) in before where after[dn] == nil {
            diff.deleted += object.flattened(parentDN: DN.parent(of: dn) ?? "").map(\.dn)
        }
        diff.created.sort(); diff.modified.sort(); diff.deleted.sort()
        return diff
    }

    static func compareSubtrees(_ old: ManagedObject, _ new: ManagedObject, dn: String, into diff: inout TreeDiff) {
        guard old != new else { return }
        if Set(old.attributes) != Set(new.attributes) { diff.modified.append(dn) }
        guard old.children != new.children else { return }
        func keyed(_ children: [ManagedObject]) -> [String: ManagedObject] {
            Dictionary(children.map { ($0.rn ?? $0.className, $0) }, uniquingKeysWith: { first, _ in first })
        }
        let before = keyed(old.children), after = keyed(new.children)
        for (rn, child) in after {
            if let previous = before[rn] {
                compareSubtrees(previous, child, dn: "\(dn)/\(rn)", into: &diff)
            } else {
                diff.created += child.flattened(parentDN: dn).map(\.dn)
            }
        }
        for (rn, child) in before where after[rn] == nil {
            diff.deleted += child.flattened(parentDN: dn).map(\.dn)
        }
    }

    /// The roots wrapped in their (referenced, not owned) tenants and containers, each container
    /// marked `status: modified` so that posting it never creates what aci-admission does not own:
    /// `{"fvTenant":{"attributes":{"dn":"uni/tn-kube","status":"modified"},"children":[…]}}`.
    public func imdata() -> [ManagedObject] {
        var tenants: [String: ManagedObject] = [:]
        for root in roots {
            let rns = DN.split(root.dn)
            guard rns.count >= 3, rns[0] == "uni" else { continue }
            let tenantDN = "uni/\(rns[1])"
            var tenant = tenants[tenantDN] ?? ManagedObject("fvTenant", ["dn": tenantDN, "status": "modified"])
            var object = root.object
            object["dn"] = nil
            insert(object, path: Array(rns[2..<(rns.count - 1)]), into: &tenant)
            tenants[tenantDN] = tenant
        }
        return tenants.keys.sorted().map { sortChildren(tenants[$0]!) }
    }

    private func insert(_ object: ManagedObject, path: [String], into parent: inout ManagedObject) {
        guard let first = path.first else {
            parent.children.append(object)
            return
        }
        if let index = parent.children.firstIndex(where: { $0.rn == first }) {
            insert(object, path: Array(path.dropFirst()), into: &parent.children[index])
        } else {
            var container = DesiredTree.container(rn: first)
            insert(object, path: Array(path.dropFirst()), into: &container)
            parent.children.append(container)
        }
    }

    static func container(rn: String) -> ManagedObject {
        let prefixes: [(String, String)] = [("ap-", "fvAp"), ("epg-", "fvAEPg"), ("out-", "l3extOut"), ("instP-", "l3extInstP"), ("BD-", "fvBD"), ("ctx-", "fvCtx")]
        for (prefix, className) in prefixes where rn.hasPrefix(prefix) {
            return ManagedObject(className, ["name": String(rn.dropFirst(prefix.count)), "status": "modified"])
        }
        return ManagedObject("unknown", ["rn": rn, "status": "modified"])
    }

    private func sortChildren(_ object: ManagedObject) -> ManagedObject {
        var result = object
        result.children = ChildOrder.sorted(object.children.map(sortChildren))
        return result
    }
}

/// Objects to create, modify and delete, by DN.
public struct TreeDiff: Sendable, Equatable {
    public var created: [String] = []
    public var modified: [String] = []
    public var deleted: [String] = []
    public var isEmpty: Bool { created.isEmpty && modified.isEmpty && deleted.isEmpty }
}

/// The order children are written in: by class (dependencies first), then by relative name.
enum ChildOrder {
    static let rank: [String: Int] = [
        "tagAnnotation": 0, "vzFilter": 1, "vzEntry": 2, "vzBrCP": 3, "vzSubj": 4, "vzInTerm": 5, "vzOutTerm": 6, "vzRsFiltAtt": 7,
        "fvAp": 8, "fvAEPg": 9, "fvRsBd": 10, "fvRsDomAtt": 11, "fvRsIntraEpg": 12, "fvRsProv": 13, "fvRsCons": 14,
        "l3extOut": 15, "l3extInstP": 16, "l3extSubnet": 17,
    ]

    /// Children in writing order, each relative name computed once.
    static func sorted(_ children: [ManagedObject]) -> [ManagedObject] {
        children.map { (rank[$0.className] ?? 99, $0.rn ?? "", $0) }
            .sorted { ($0.0, $0.1) < ($1.0, $1.1) }
            .map(\.2)
    }

}
