import AdmissionEngine
import ContractCompiler
import Foundation
import KubernetesModel
import NIOConcurrencyHelpers

/// Where allowed, non-dry-run changes go before the response is sent (the APIC writer's outbox).
public protocol ChangeSink: Sendable {
    func record(_ change: AdmittedChange) async throws
}

/// Keeps the standalone inventory in memory (DESIGN §6: in standalone mode the admission stream *is*
/// the inventory), so that later decisions see namespace labels and policies, and the most recent
/// changes (bounded: a webhook admits changes for as long as it runs).
public final class InMemoryChangeSink: ChangeSink {
    private let state = NIOLockedValueBox((recent: [AdmittedChange](), total: 0, inventory: Inventory()))
    private let keep: Int

    /// `keep`: how many of the most recent changes `changes` returns.
    public init(keep: Int = 1_000) { self.keep = keep }

    /// The most recent changes, oldest first.
    public var changes: [AdmittedChange] { state.withLockedValue { $0.recent } }
    /// How many changes were recorded in all.
    public var total: Int { state.withLockedValue { $0.total } }
    public var inventory: Inventory { state.withLockedValue { $0.inventory } }

    public func record(_ change: AdmittedChange) async throws {
        state.withLockedValue { state in
            state.total += 1
            if state.recent.count == keep { state.recent.removeFirst(keep / 2) }
            state.recent.append(change)
            if change.operation == "DELETE" {
                switch change.kind {
                case "Namespace": state.inventory.namespaces[change.name] = nil
                case "NetworkPolicy": state.inventory.policies["\(change.namespace)/\(change.name)"] = nil
                default: state.inventory.workloads.removeAll { $0.namespace == change.namespace && $0.name == change.name && $0.kind == change.kind }
                }
                return
            }
            guard let object = change.object?.typed else { return }
            if case .workload = object {
                state.inventory.workloads.removeAll { $0.namespace == change.namespace && $0.name == change.name && $0.kind == change.kind }
            }
            state.inventory.add(object, defaultNamespace: change.namespace)
        }
    }
}
