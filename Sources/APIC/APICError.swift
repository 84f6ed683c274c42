import Foundation

/// An error as the APIC reports it: the HTTP status and the `error` object's `code` and `text`
/// (`{"totalCount":"1","imdata":[{"error":{"attributes":{"code":"103","text":"…"}}}]}`), or an nginx
/// HTML page (busy, throttled), which has no code.
public struct APICError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var text: String
    /// True when the body was nginx's HTML page rather than the APIC's JSON.
    public var isHTML: Bool

    public init(status: Int, code: String, text: String, isHTML: Bool = false) {
        self.status = status
        self.code = code
        self.text = text
        self.isHTML = isHTML
    }

    public var description: String {
        isHTML ? "APIC HTTP \(status): \(text)" : "APIC error \(code) (HTTP \(status)): \(text)"
    }

    /// The JSON body the APIC sends with this error.
    public var body: String {
        APICJSON.render(.object([("totalCount", .string("1")), ("imdata", .array([
            .object([("error", .object([("attributes", .object([("code", .string(code)), ("text", .string(text))]))]))]),
        ]))]))
    }

    /// Reads an error from a response: the APIC's JSON error object, or any other body.
    public static func from(status: Int, body: Data) -> APICError {
        if let top = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let imdata = top["imdata"] as? [Any],
           let first = imdata.first as? [String: Any], let error = first["error"] as? [String: Any],
           let attributes = error["attributes"] as? [String: Any] {
            return APICError(status: status, code: attributes["code"] as? String ?? "", text: attributes["text"] as? String ?? "")
        }
        let text = String(decoding: body.prefix(512), as: UTF8.self)
        let isHTML = text.range(of: "<html", options: .caseInsensitive) != nil
        let title = isHTML ? text.range(of: "<title>").flatMap { start in
            text.range(of: "</title>", range: start.upperBound..<text.endIndex).map { String(text[start.upperBound..<$0.lowerBound]) }
        } : nil
        return APICError(status: status, code: "", text: title ?? text.trimmingCharacters(in: .whitespacesAndNewlines), isHTML: isHTML)
    }

    /// Token problems that a new login cures.
    public var isTokenError: Bool {
        status == 403 && (text.hasPrefix("Token was invalid") || text.hasPrefix("Need a valid webtoken cookie"))
    }
}
