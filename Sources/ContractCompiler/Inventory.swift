import EPGPolicy
import KubernetesModel

/// What the compiler knows about the cluster: namespaces with their labels, workloads with their
/// pod-template labels and the EPG actually on them, and NetworkPolicies.
public struct Inventory: Sendable {
    public struct WorkloadEntry: Sendable, Hashable {
        public var kind: String
        public var namespace: String
        public var name: String
        public var podLabels: [String: String]
        public var podAnnotations: [String: String]?
        public var objectAnnotations: [String: String]?

        public init(kind: String, namespace: String, name: String, podLabels: [String: String],
                    podAnnotations: [String: String]? = nil, objectAnnotations: [String: String]? = nil) {
            self.kind = kind
            self.namespace = namespace
            self.name = name
            self.podLabels = podLabels
            self.podAnnotations = podAnnotations
            self.objectAnnotations = objectAnnotations
        }
    }

    public struct PolicyEntry: Sendable, Hashable {
        public var policy: NetworkPolicy
        /// Where it came from, for reports (`file:line:column`), if known.
        public var source: String?

        public var namespace: String { policy.metadata.namespace ?? "default" }
        public var name: String { policy.metadata.name ?? "(unnamed)" }
        public var id: String { "\(namespace)/\(name)" }
    }

    /// By name. Namespaces only referenced by other objects are present with `known: false`.
    public var namespaces: [String: NamespaceFacts] = [:]
    public var workloads: [WorkloadEntry] = []
    /// Keyed by `namespace/name`: a later object with the same identity replaces the earlier one,
    /// as `kubectl apply` of a file would.
    public var policies: [String: PolicyEntry] = [:]

    public init() {}

    public mutating func add(namespace: Namespace) {
        guard let name = namespace.metadata.name else { return }
        namespaces[name] = NamespaceFacts(namespace)
    }

    /// Adds any object; `defaultNamespace` places objects that name none.
    public mutating func add(_ object: KubeObject, defaultNamespace: String = "default", source: String? = nil) {
        func touch(_ name: String) {
            if namespaces[name] == nil { namespaces[name] = NamespaceFacts(name: name, known: false) }
        }
        switch object {
        case .namespace(let namespace):
            add(namespace: namespace)
        case .pod(let pod):
            let namespace = pod.metadata.namespace ?? defaultNamespace
            touch(namespace)
            workloads.append(WorkloadEntry(kind: "Pod", namespace: namespace, name: pod.metadata.displayName,
                                           podLabels: pod.metadata.labels ?? [:], podAnnotations: pod.metadata.annotations))
        case .workload(let workload):
            // Controller-owned objects (a Deployment's ReplicaSets) carry their owner's template.
            guard !workload.isControllerOwned else { return }
            let namespace = workload.metadata.namespace ?? defaultNamespace
            touch(namespace)
            workloads.append(WorkloadEntry(kind: workload.kind.rawValue, namespace: namespace, name: workload.metadata.displayName,
                                           podLabels: workload.podLabels, podAnnotations: workload.podTemplate?.metadata?.annotations,
                                           objectAnnotations: workload.metadata.annotations))
        case .networkPolicy(var policy):
            let namespace = policy.metadata.namespace ?? defaultNamespace
            policy.metadata.namespace = namespace
            touch(namespace)
            let entry = PolicyEntry(policy: policy, source: source)
            policies[entry.id] = entry
        case .other:
            break
        }
    }

    public var sortedPolicies: [PolicyEntry] { policies.values.sorted { $0.id < $1.id } }
}
