import AdmissionEngine
import ContractCompiler
import Foundation
import KubernetesModel
import NIOConcurrencyHelpers

/// Where allowed, non-dry-run changes go before the response is sent (the APIC writer's outbox).
public protocol ChangeSink: Sendable {
    func record(_ change: AdmittedChange) async throws
}

/// Records changes in memory, and keeps the standalone inventory (DESIGN §6: in standalone mode the
/// admission stream *is* the inventory), so that later decisions see namespace labels and policies.
public final class InMemoryChangeSink: ChangeSink {
    private let state = NIOLockedValueBox((changes: [AdmittedChange](), inventory: Inventory()))

    public init() {}

    public var changes: [AdmittedChange] { state.withLockedValue { $0.changes } }
    public var inventory: Inventory { state.withLockedValue { $0.inventory } }

    public func record(_ change: AdmittedChange) async throws {
        state.withLockedValue { state in
            state.changes.append(change)
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
