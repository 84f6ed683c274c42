/// Namespaces, pods and the workload kinds that carry a pod template.

public struct Namespace: Codable, Hashable, Sendable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta

    public init(name: String, labels: [String: String]? = nil, annotations: [String: String]? = nil) {
        apiVersion = "v1"
        kind = "Namespace"
        metadata = ObjectMeta(name: name, labels: labels, annotations: annotations)
    }

    /// The labels selectors see: the object's own plus the implicit `kubernetes.io/metadata.name`,
    /// which the apiserver sets to the name and never lets a user change.
    public var effectiveLabels: [String: String] {
        Namespace.effectiveLabels(name: metadata.name ?? "", labels: metadata.labels)
    }

    public static func effectiveLabels(name: String, labels: [String: String]?) -> [String: String] {
        var result = labels ?? [:]
        result[LabelSyntax.namespaceNameLabel] = name
        return result
    }
}

public struct ContainerPort: Codable, Hashable, Sendable {
    public var name: String?
    public var containerPort: Int?
    public var `protocol`: String?
}

public struct Container: Codable, Hashable, Sendable {
    public var name: String?
    public var ports: [ContainerPort]?
}

public struct PodSpec: Codable, Hashable, Sendable {
    public var containers: [Container]?
    public var initContainers: [Container]?
    public var hostNetwork: Bool?
    public var nodeName: String?
    public init() {}
}

public struct PodTemplateSpec: Codable, Hashable, Sendable {
    public var metadata: ObjectMeta?
    public var spec: PodSpec?
    public init(metadata: ObjectMeta? = nil, spec: PodSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

public struct Pod: Codable, Hashable, Sendable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: PodSpec?

    public init(apiVersion: String? = "v1", kind: String? = "Pod", metadata: ObjectMeta, spec: PodSpec? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// The spec shape shared by Deployment, StatefulSet, DaemonSet, ReplicaSet and Job.
public struct TemplatedSpec: Codable, Hashable, Sendable {
    public var selector: LabelSelector?
    public var template: PodTemplateSpec?
}

public struct ReplicationControllerSpec: Codable, Hashable, Sendable {
    /// A ReplicationController's selector is a plain label map, not a LabelSelector.
    public var selector: [String: String]?
    public var template: PodTemplateSpec?
}

public struct JobTemplateSpec: Codable, Hashable, Sendable {
    public var metadata: ObjectMeta?
    public var spec: TemplatedSpec?
}

public struct CronJobSpec: Codable, Hashable, Sendable {
    public var schedule: String?
    public var jobTemplate: JobTemplateSpec?
}

public struct Deployment: Codable, Hashable, Sendable { public var apiVersion: String?; public var kind: String?; public var metadata: ObjectMeta; public var spec: TemplatedSpec? }
public struct StatefulSet: Codable, Hashable, Sendable { public var apiVersion: String?; public var kind: String?; public var metadata: ObjectMeta; public var spec: TemplatedSpec? }
public struct DaemonSet: Codable, Hashable, Sendable { public var apiVersion: String?; public var kind: String?; public var metadata: ObjectMeta; public var spec: TemplatedSpec? }
public struct ReplicaSet: Codable, Hashable, Sendable { public var apiVersion: String?; public var kind: String?; public var metadata: ObjectMeta; public var spec: TemplatedSpec? }
public struct Job: Codable, Hashable, Sendable { public var apiVersion: String?; public var kind: String?; public var metadata: ObjectMeta; public var spec: TemplatedSpec? }
public struct ReplicationController: Codable, Hashable, Sendable { public var apiVersion: String?; public var kind: String?; public var metadata: ObjectMeta; public var spec: ReplicationControllerSpec? }
public struct CronJob: Codable, Hashable, Sendable { public var apiVersion: String?; public var kind: String?; public var metadata: ObjectMeta; public var spec: CronJobSpec? }

/// The kinds whose pods get an EPG through their pod template.
public enum WorkloadKind: String, Codable, Hashable, Sendable, CaseIterable {
    case deployment = "Deployment"
    case statefulSet = "StatefulSet"
    case daemonSet = "DaemonSet"
    case replicaSet = "ReplicaSet"
    case replicationController = "ReplicationController"
    case job = "Job"
    case cronJob = "CronJob"

    /// JSON-pointer tokens from the object root to its pod template.
    public var podTemplatePath: [String] {
        switch self {
        case .cronJob: return ["spec", "jobTemplate", "spec", "template"]
        default: return ["spec", "template"]
        }
    }
}

/// Any workload, seen uniformly: its kind, its metadata, and its pod template.
public struct Workload: Hashable, Sendable {
    public var kind: WorkloadKind
    public var metadata: ObjectMeta
    public var podTemplate: PodTemplateSpec?

    public init(kind: WorkloadKind, metadata: ObjectMeta, podTemplate: PodTemplateSpec?) {
        self.kind = kind
        self.metadata = metadata
        self.podTemplate = podTemplate
    }

    /// Labels the workload's pods will carry.
    public var podLabels: [String: String] { podTemplate?.metadata?.labels ?? [:] }

    /// ReplicaSets and Jobs created by a controller (a Deployment, a CronJob) inherit their template
    /// from it; DESIGN §4 mutates only top-level objects.
    public var isControllerOwned: Bool { metadata.controllerReference != nil }
}
