import Foundation

/// The ACI CNI's EPG annotation and the webhook's provenance stamp beside it.
public enum EPGAnnotation {
    public static let key = "opflex.cisco.com/endpoint-group"
    /// Marks a value the webhook computed (under the policy whose hash it holds), so that it is never
    /// mistaken for a hand-written one.
    public static let provenanceKey = "aci-admission.io/epg-policy"

    /// The value the webhook writes: the complete friendly form the ACI host agent reads,
    /// `{"tenant":"kube","app-profile":"aci-admission","name":"shop.web"}` — never `policy-space`.
    public static func value(for epg: EPGRef) -> String {
        "{\"tenant\":\(quoted(epg.tenant)),\"app-profile\":\(quoted(epg.applicationProfile)),\"name\":\(quoted(epg.name))}"
    }

    private static func quoted(_ text: String) -> String {
        // APIC names ([a-zA-Z0-9_.:-]) need no escaping; anything else goes through the encoder.
        if text.unicodeScalars.allSatisfy({ APICName.isNameCharacter($0) }) { return "\"" + text + "\"" }
        let data = try! JSONEncoder().encode(text)
        return String(decoding: data, as: UTF8.self)
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notJSONObject
        case nonStringField(String)
        case unknownField(String)
        case incomplete(String)

        public var description: String {
            switch self {
            case .notJSONObject: return "is not a JSON object"
            case .nonStringField(let key): return "field \"\(key)\" is not a string"
            case .unknownField(let key): return "has unknown field \"\(key)\""
            case .incomplete(let detail): return detail
            }
        }
    }

    /// Reads a hand-written value in either form the host agent accepts: friendly
    /// (`tenant`/`policy-space`, `app-profile`, `name`) or native (`policy-space`, `name: "AP|EPG"`).
    public static func parse(_ value: String) throws -> EPGRef {
        guard let object = try? JSONSerialization.jsonObject(with: Data(value.utf8)) as? [String: Any] else {
            throw ParseError.notJSONObject
        }
        var fields: [String: String] = [:]
        for (key, raw) in object {
            guard ["tenant", "policy-space", "app-profile", "name"].contains(key) else { throw ParseError.unknownField(key) }
            guard let text = raw as? String else { throw ParseError.nonStringField(key) }
            fields[key] = text
        }
        guard let tenant = fields["tenant"] ?? fields["policy-space"], !tenant.isEmpty else {
            throw ParseError.incomplete("has no tenant (or policy-space)")
        }
        guard var name = fields["name"], !name.isEmpty else { throw ParseError.incomplete("has no name") }
        var applicationProfile = fields["app-profile"] ?? ""
        if applicationProfile.isEmpty {
            let parts = name.split(separator: "|", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ParseError.incomplete("has no app-profile, and its name is not in the native \"AP|EPG\" form")
            }
            applicationProfile = parts[0]
            name = parts[1]
        }
        return EPGRef(tenant: tenant, applicationProfile: applicationProfile, name: name)
    }
}
