/// One decoded Kubernetes object, typed by the kinds the product acts on.
public enum KubeObject: Hashable, Sendable {
    case namespace(Namespace)
    case pod(Pod)
    case workload(Workload)
    case networkPolicy(NetworkPolicy)
    /// A kind the product does not act on; kept so reports can say it was seen and skipped.
    case other(TypeMeta, ObjectMeta?)

    public var kind: String {
        switch self {
        case .namespace: return "Namespace"
        case .pod: return "Pod"
        case .workload(let workload): return workload.kind.rawValue
        case .networkPolicy: return "NetworkPolicy"
        case .other(let type, _): return type.kind ?? "(no kind)"
        }
    }

    public var metadata: ObjectMeta? {
        switch self {
        case .namespace(let object): return object.metadata
        case .pod(let object): return object.metadata
        case .workload(let object): return object.metadata
        case .networkPolicy(let object): return object.metadata
        case .other(_, let metadata): return metadata
        }
    }

    /// Decodes the concrete type named by `kind`. Workload kinds are accepted from any API group
    /// version that has them (`apps/v1`, `batch/v1`, `extensions/v1beta1`…): their shape is the same.
    public static func decode(kind: String?, using decode: (any Decodable.Type) throws -> any Decodable) throws -> KubeObject {
        switch kind {
        case "Namespace": return .namespace(try decode(Namespace.self) as! Namespace)
        case "Pod": return .pod(try decode(Pod.self) as! Pod)
        case "NetworkPolicy": return .networkPolicy(try decode(NetworkPolicy.self) as! NetworkPolicy)
        case "Deployment":
            let object = try decode(Deployment.self) as! Deployment
            return .workload(Workload(kind: .deployment, metadata: object.metadata, podTemplate: object.spec?.template))
        case "StatefulSet":
            let object = try decode(StatefulSet.self) as! StatefulSet
            return .workload(Workload(kind: .statefulSet, metadata: object.metadata, podTemplate: object.spec?.template))
        case "DaemonSet":
            let object = try decode(DaemonSet.self) as! DaemonSet
            return .workload(Workload(kind: .daemonSet, metadata: object.metadata, podTemplate: object.spec?.template))
        case "ReplicaSet":
            let object = try decode(ReplicaSet.self) as! ReplicaSet
            return .workload(Workload(kind: .replicaSet, metadata: object.metadata, podTemplate: object.spec?.template))
        case "Job":
            let object = try decode(Job.self) as! Job
            return .workload(Workload(kind: .job, metadata: object.metadata, podTemplate: object.spec?.template))
        case "ReplicationController":
            let object = try decode(ReplicationController.self) as! ReplicationController
            return .workload(Workload(kind: .replicationController, metadata: object.metadata, podTemplate: object.spec?.template))
        case "CronJob":
            let object = try decode(CronJob.self) as! CronJob
            return .workload(Workload(kind: .cronJob, metadata: object.metadata, podTemplate: object.spec?.jobTemplate?.spec?.template))
        default:
            struct Untyped: Decodable { var metadata: ObjectMeta? }
            let untyped = try decode(Untyped.self) as! Untyped
            return .other(TypeMeta(kind: kind), untyped.metadata)
        }
    }
}
