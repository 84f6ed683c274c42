import EPGPolicy
import KubernetesModel

/// The reverse check `/validate` runs for Namespace creates and relabels: which currently
/// expressible NetworkPolicies would the change make inexpressible (DESIGN §4: such a change is
/// denied, naming them)?
public struct NamespaceChangeCheck: Sendable {
    public struct Breakage: Sendable {
        public var policy: String
        public var reasons: [Rejection]
    }

    public let policy: Policy

    public init(policy: Policy) { self.policy = policy }

    /// - Parameters:
    ///   - namespace: the namespace as it would be after the change (create or update).
    ///   - inventory: the cluster as it is now.
    public func breakages(applying namespace: Namespace, to inventory: Inventory) -> [Breakage] {
        let before = ExpressibilityChecker(universe: EndpointUniverse(policy: policy, inventory: inventory))
        var changed = inventory
        changed.add(namespace: namespace)
        let after = ExpressibilityChecker(universe: EndpointUniverse(policy: policy, inventory: changed))
        var result: [Breakage] = []
        for entry in inventory.sortedPolicies {
            guard case .accepted = before.check(entry.policy), case .rejected(let reasons) = after.check(entry.policy) else { continue }
            result.append(Breakage(policy: entry.id, reasons: reasons))
        }
        return result
    }
}
