import EPGPolicy
import Foundation
import KubernetesModel

/// `admission.k8s.io/v1` (and `v1beta1`, the same shape) AdmissionReview, as the apiserver sends it.
public struct AdmissionReview: Sendable {
    public var apiVersion: String
    public var kind: String
    public var request: AdmissionRequest
}

public struct AdmissionRequest: Sendable {
    public struct GroupVersionKind: Codable, Sendable, Hashable {
        public var group: String?
        public var version: String?
        public var kind: String?
    }

    public struct UserInfo: Codable, Sendable, Hashable {
        public var username: String?
        public var uid: String?
        public var groups: [String]?
    }

    public var uid: String
    public var kind: GroupVersionKind?
    public var name: String?
    public var namespace: String?
    public var operation: String
    public var userInfo: UserInfo?
    public var object: AdmissionObject?
    public var oldObject: AdmissionObject?
    public var dryRun: Bool?
}

/// The parts of `request.object` / `request.oldObject` that admission decisions and the writer read.
/// They are decoded straight from the body for the request's kind; every other field (managedFields,
/// status, container details the product does not use, annotations other than the EPG annotation and
/// the provenance stamp) is skipped by the parser, never built.
public struct AdmissionObject: Sendable, Hashable {
    /// The object's `metadata`; nil when the object has none (or `null`).
    public var metadata: ObjectMeta?
    /// The typed object for the kinds the product acts on (Namespace, Pod, workloads, NetworkPolicy);
    /// nil for other kinds, and for a NetworkPolicy that does not decode as one (validation says why).
    public var typed: KubeObject?

    public init(metadata: ObjectMeta?, typed: KubeObject?) {
        self.metadata = metadata
        self.typed = typed
    }
}

/// A request the server cannot decide: it answers 400 with `message`.
public struct AdmissionDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

public enum AdmissionReviewDecoder {
    public static let versions = ["admission.k8s.io/v1", "admission.k8s.io/v1beta1"]
    public static let operations = ["CREATE", "UPDATE", "DELETE", "CONNECT"]
    /// The only annotations decisions read (and so the only ones decoded).
    static let annotationKeys = [EPGAnnotation.key, EPGAnnotation.provenanceKey]

    /// Decodes and checks a review, with a message that says exactly what is wrong (the field path
    /// and what was expected).
    public static func decode(_ body: Data) throws -> AdmissionReview {
        if body.isEmpty { throw AdmissionDecodeError(message: "empty body: expected an AdmissionReview") }
        do {
            let decoder = JSONDecoder()
            decoder.userInfo[ObjectMeta.annotationKeysToRead] = annotationKeys
            return try decoder.decode(WireReview.self, from: body).review
        } catch let error as DecodingError {
            throw AdmissionDecodeError(message: describe(error))
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "\(parent.isEmpty ? "" : parent + ".")\(key.stringValue) is required"
        case .typeMismatch(let type, let context):
            let expected: String
            switch type {
            case is String.Type: expected = "a string"
            case is Bool.Type: expected = "a boolean"
            case is [String].Type: expected = "a list of strings"
            case is Int.Type, is Int32.Type: expected = "an integer"
            default: expected = String(describing: type).hasPrefix("Array") ? "a list" : "an object"
            }
            let field = path(context.codingPath)
            return field.isEmpty ? "the body must be a JSON object (an AdmissionReview)" : "\(field) has the wrong type: expected \(expected)"
        case .valueNotFound(_, let context):
            return "\(path(context.codingPath)) must not be null"
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            return "not valid JSON\(field.isEmpty ? "" : " at \(field)"): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

// MARK: wire shapes

private func fail(_ message: String) -> AdmissionDecodeError { AdmissionDecodeError(message: message) }

private struct WireReview: Decodable {
    var review: AdmissionReview

    enum Keys: String, CodingKey { case apiVersion, kind, request }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        guard let apiVersion = try container.decodeIfPresent(String.self, forKey: .apiVersion) else { throw fail("apiVersion is required") }
        guard let kind = try container.decodeIfPresent(String.self, forKey: .kind) else { throw fail("kind is required") }
        guard AdmissionReviewDecoder.versions.contains(apiVersion) else {
            throw fail("apiVersion \"\(apiVersion)\" is not supported; expected admission.k8s.io/v1 or admission.k8s.io/v1beta1")
        }
        guard kind == "AdmissionReview" else { throw fail("kind \"\(kind)\" is not AdmissionReview") }
        guard let request = try container.decodeIfPresent(WireRequest.self, forKey: .request) else { throw fail("request is required") }
        review = AdmissionReview(apiVersion: apiVersion, kind: kind, request: request.request)
    }
}

private struct WireRequest: Decodable {
    var request: AdmissionRequest

    enum Keys: String, CodingKey { case uid, kind, name, namespace, operation, userInfo, object, oldObject, dryRun }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        guard let uid = try container.decodeIfPresent(String.self, forKey: .uid) else { throw fail("request.uid is required") }
        guard !uid.isEmpty else { throw fail("request.uid is empty") }
        guard let operation = try container.decodeIfPresent(String.self, forKey: .operation) else { throw fail("request.operation is required") }
        guard AdmissionReviewDecoder.operations.contains(operation) else {
            throw fail("request.operation \"\(operation)\" is not one of CREATE, UPDATE, DELETE, CONNECT")
        }
        let gvk = try container.decodeIfPresent(AdmissionRequest.GroupVersionKind.self, forKey: .kind)
        let object = try Self.document(container, .object, requestKind: gvk?.kind)
        let oldObject = try Self.document(container, .oldObject, requestKind: gvk?.kind)
        request = AdmissionRequest(uid: uid, kind: gvk, name: try container.decodeIfPresent(String.self, forKey: .name),
                                   namespace: try container.decodeIfPresent(String.self, forKey: .namespace), operation: operation,
                                   userInfo: try container.decodeIfPresent(AdmissionRequest.UserInfo.self, forKey: .userInfo),
                                   object: object?.object, oldObject: oldObject?.object,
                                   dryRun: try container.decodeIfPresent(Bool.self, forKey: .dryRun))
        // Without `request.kind` the object's own `kind` names it.
        if gvk?.kind == nil, let kind = object?.kind ?? oldObject?.kind {
            request.kind = .init(group: gvk?.group, version: gvk?.version, kind: kind)
        }
    }

    /// `object` / `oldObject`: absent, null, or an object decoded for the request's kind.
    private static func document(_ container: KeyedDecodingContainer<Keys>, _ key: Keys, requestKind: String?) throws -> (object: AdmissionObject, kind: String?)? {
        guard container.contains(key), try !container.decodeNil(forKey: key) else { return nil }
        let decoder = try container.superDecoder(forKey: key)
        let members: KeyedDecodingContainer<MemberKey>
        do {
            members = try decoder.container(keyedBy: MemberKey.self)
        } catch DecodingError.typeMismatch {
            throw fail("request.\(key.rawValue) must be an object or null")
        }
        let kind = requestKind ?? (try? members.decodeIfPresent(String.self, forKey: MemberKey("kind")))
        return (try AdmissionObject(kind: kind, members: members, decoder: decoder), kind)
    }
}

extension AdmissionObject {
    /// Decodes what the product reads of an object of `kind`. For the kinds it acts on a wrongly shaped
    /// field is an error (the apiserver never sends one); other kinds are read leniently.
    init(kind: String?, members: KeyedDecodingContainer<MemberKey>, decoder: Decoder) throws {
        let metadataKey = MemberKey("metadata")
        switch kind {
        case "NetworkPolicy":
            metadata = try? members.decodeIfPresent(ObjectMeta.self, forKey: metadataKey)
            typed = (try? NetworkPolicy(from: decoder)).map { .networkPolicy($0) }
        case "Namespace":
            metadata = try members.decodeIfPresent(ObjectMeta.self, forKey: metadataKey)
            var namespace = Namespace(name: metadata?.name ?? "")
            namespace.metadata = metadata ?? ObjectMeta()
            typed = .namespace(namespace)
        case "Pod":
            metadata = try members.decodeIfPresent(ObjectMeta.self, forKey: metadataKey)
            typed = .pod(Pod(metadata: metadata ?? ObjectMeta()))
        default:
            guard let kind, let workloadKind = WorkloadKind(rawValue: kind) else {
                metadata = try? members.decodeIfPresent(ObjectMeta.self, forKey: metadataKey)
                typed = nil
                return
            }
            metadata = try members.decodeIfPresent(ObjectMeta.self, forKey: metadataKey)
            // Walk to the pod template (`spec.template`, or `spec.jobTemplate.spec.template`).
            var container: KeyedDecodingContainer<MemberKey>? = members
            for key in workloadKind.podTemplatePath.dropLast() {
                guard let current = container, current.contains(MemberKey(key)), try !current.decodeNil(forKey: MemberKey(key)) else {
                    container = nil
                    break
                }
                container = try current.nestedContainer(keyedBy: MemberKey.self, forKey: MemberKey(key))
            }
            // Only the template's metadata: nothing downstream reads the pod spec, and skipping it
            // saves a fifth of the decoding time of a typical Deployment.
            struct TemplateMetadata: Decodable { var metadata: ObjectMeta? }
            let template = try container?.decodeIfPresent(TemplateMetadata.self, forKey: MemberKey(workloadKind.podTemplatePath.last!))
            typed = .workload(Workload(kind: workloadKind, metadata: metadata ?? ObjectMeta(), podTemplate: template.map { PodTemplateSpec(metadata: $0.metadata) }))
        }
    }
}
/// The response, written in the request's AdmissionReview version.
public struct AdmissionResponse: Encodable, Sendable, Equatable {
    public struct Status: Encodable, Sendable, Equatable {
        public var code: Int
        public var reason: String
        public var message: String
    }

    public var uid: String
    public var allowed: Bool
    public var status: Status?
    /// Base64 of the RFC 6902 patch.
    public var patch: String?
    public var patchType: String?
    public var warnings: [String]?
    public var auditAnnotations: [String: String]?

    enum CodingKeys: String, CodingKey { case uid, allowed, status, patch, patchType, warnings, auditAnnotations }

    // Written out so the maps and lists of strings take the encoder's concrete String path (the
    // synthesized generic path is most of the response's encoding time).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(uid, forKey: .uid)
        try container.encode(allowed, forKey: .allowed)
        try container.encodeIfPresent(status, forKey: .status)
        try container.encodeIfPresent(patch, forKey: .patch)
        try container.encodeIfPresent(patchType, forKey: .patchType)
        if let warnings {
            var list = container.nestedUnkeyedContainer(forKey: .warnings)
            for warning in warnings { try list.encode(warning) }
        }
        if let auditAnnotations {
            var map = container.nestedContainer(keyedBy: MemberKey.self, forKey: .auditAnnotations)
            for (key, value) in auditAnnotations { try map.encode(value, forKey: MemberKey(key)) }
        }
    }

    /// `{"apiVersion":…,"kind":"AdmissionReview","response":{…}}`.
    public func reviewJSON(apiVersion: String) -> Data {
        struct Envelope: Encodable {
            var apiVersion: String
            var kind = "AdmissionReview"
            var response: AdmissionResponse
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try! encoder.encode(Envelope(apiVersion: apiVersion, response: self))
    }
}
