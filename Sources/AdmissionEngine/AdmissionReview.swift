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
    public var object: JSONValue?
    public var oldObject: JSONValue?
    public var dryRun: Bool?
}

/// A request the server cannot decide: it answers 400 with `message`.
public struct AdmissionDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

public enum AdmissionReviewDecoder {
    public static let versions = ["admission.k8s.io/v1", "admission.k8s.io/v1beta1"]
    public static let operations = ["CREATE", "UPDATE", "DELETE", "CONNECT"]

    /// Decodes and checks a review, with a message that says exactly what is wrong. The body is
    /// parsed once (Foundation's JSON parser) and read field by field.
    public static func decode(_ body: Data) throws -> AdmissionReview {
        func fail(_ message: String) -> AdmissionDecodeError { AdmissionDecodeError(message: message) }
        if body.isEmpty { throw fail("empty body: expected an AdmissionReview") }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        } catch {
            throw fail("not valid JSON: \((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription)")
        }
        // One conversion to JSONValue, then pattern matching only (casts on Foundation values
        // would bridge whole dictionaries).
        guard let root = JSONValue(serialized: parsed), case .object(let top) = root else {
            throw fail("the body must be a JSON object (an AdmissionReview)")
        }
        func string(_ object: [String: JSONValue], _ key: String, _ path: String, required: Bool) throws -> String? {
            switch object[key] {
            case nil, .null?:
                if required { throw fail("\(path) is required") }
                return nil
            case .string(let text)?: return text
            default: throw fail("\(path) has the wrong type: expected a string")
            }
        }
        func object(_ value: JSONValue?, _ path: String) throws -> [String: JSONValue]? {
            switch value {
            case nil, .null?: return nil
            case .object(let members)?: return members
            default: throw fail("\(path) has the wrong type: expected an object")
            }
        }
        guard let apiVersion = try string(top, "apiVersion", "apiVersion", required: true), let kind = try string(top, "kind", "kind", required: true) else {
            throw fail("apiVersion and kind are required")
        }
        guard versions.contains(apiVersion) else {
            throw fail("apiVersion \"\(apiVersion)\" is not supported; expected admission.k8s.io/v1 or admission.k8s.io/v1beta1")
        }
        guard kind == "AdmissionReview" else { throw fail("kind \"\(kind)\" is not AdmissionReview") }
        guard let request = try object(top["request"], "request") else { throw fail("request is required") }
        guard let uid = try string(request, "uid", "request.uid", required: true) else { throw fail("request.uid is required") }
        guard !uid.isEmpty else { throw fail("request.uid is empty") }
        guard let operation = try string(request, "operation", "request.operation", required: true) else { throw fail("request.operation is required") }
        guard operations.contains(operation) else {
            throw fail("request.operation \"\(operation)\" is not one of CREATE, UPDATE, DELETE, CONNECT")
        }
        var gvk: AdmissionRequest.GroupVersionKind?
        if let members = try object(request["kind"], "request.kind") {
            gvk = .init(group: try string(members, "group", "request.kind.group", required: false),
                        version: try string(members, "version", "request.kind.version", required: false),
                        kind: try string(members, "kind", "request.kind.kind", required: false))
        }
        var userInfo: AdmissionRequest.UserInfo?
        if let members = try object(request["userInfo"], "request.userInfo") {
            var groups: [String]?
            switch members["groups"] {
            case nil, .null?: break
            case .array(let items)?:
                groups = try items.map { item -> String in
                    guard case .string(let text) = item else { throw fail("request.userInfo.groups has the wrong type: expected a list of strings") }
                    return text
                }
            default: throw fail("request.userInfo.groups has the wrong type: expected a list of strings")
            }
            userInfo = .init(username: try string(members, "username", "request.userInfo.username", required: false),
                             uid: try string(members, "uid", "request.userInfo.uid", required: false), groups: groups)
        }
        func document(_ key: String) throws -> JSONValue? {
            switch request[key] {
            case nil, .null?: return nil
            case .object(let members)?: return .object(members)
            default: throw fail("request.\(key) must be an object or null")
            }
        }
        var dryRun: Bool?
        switch request["dryRun"] {
        case nil, .null?: break
        case .bool(let flag)?: dryRun = flag
        default: throw fail("request.dryRun has the wrong type: expected a boolean")
        }
        let admission = AdmissionRequest(uid: uid, kind: gvk, name: try string(request, "name", "request.name", required: false),
                                         namespace: try string(request, "namespace", "request.namespace", required: false),
                                         operation: operation, userInfo: userInfo, object: try document("object"),
                                         oldObject: try document("oldObject"), dryRun: dryRun)
        return AdmissionReview(apiVersion: apiVersion, kind: kind, request: admission)
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
            let expected = type == String.self ? "a string" : type == Bool.self ? "a boolean" : String(describing: type).hasPrefix("Dictionary") ? "an object" : "\(type)"
            let where_ = path(context.codingPath)
            return where_.isEmpty ? "the body must be a JSON object (an AdmissionReview)" : "\(where_) has the wrong type: expected \(expected)"
        case .valueNotFound(_, let context):
            return "\(path(context.codingPath)) must not be null"
        case .dataCorrupted(let context):
            let where_ = path(context.codingPath)
            return "not valid JSON\(where_.isEmpty ? "" : " at \(where_)"): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
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
