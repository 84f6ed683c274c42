/// Kubernetes syntax rules for label keys and values (apimachinery `validation.IsQualifiedName`
/// and `IsValidLabelValue`). Each check returns a human-readable problem, or nil when valid.
public enum LabelSyntax {
    /// The label every namespace carries implicitly (Kubernetes ≥ 1.21).
    public static let namespaceNameLabel = "kubernetes.io/metadata.name"

    public static func keyProblem(_ key: String) -> String? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            return nameProblem(String(parts[0]))
        case 2:
            if parts[0].isEmpty { return "prefix part must be non-empty" }
            if let problem = dnsSubdomainProblem(String(parts[0])) { return "prefix part \(problem)" }
            return nameProblem(String(parts[1])).map { "name part \($0)" }
        default:
            return "a qualified name must consist of an optional DNS prefix and a name, separated by one '/'"
        }
    }

    public static func valueProblem(_ value: String) -> String? {
        if value.isEmpty { return nil }
        if value.utf8.count > 63 { return "must be no more than 63 characters" }
        if !isNameShaped(value) {
            return "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        }
        return nil
    }

    /// A namespace name is a DNS-1123 label: lowercase alphanumerics and '-', 1–63 characters.
    public static func namespaceNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "must be non-empty" }
        if name.utf8.count > 63 { return "must be no more than 63 characters" }
        let bytes = Array(name.utf8)
        let ok = bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
            && isLowerAlnum(bytes.first!) && isLowerAlnum(bytes.last!)
        return ok ? nil : "must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
    }

    static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "must be non-empty" }
        if name.utf8.count > 63 { return "must be no more than 63 characters" }
        if !isNameShaped(name) {
            return "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        }
        return nil
    }

    static func dnsSubdomainProblem(_ name: String) -> String? {
        if name.utf8.count > 253 { return "must be no more than 253 characters" }
        for label in name.split(separator: ".", omittingEmptySubsequences: false) {
            if namespaceNameProblem(String(label)) != nil {
                return "must be a lowercase RFC 1123 subdomain (e.g. 'example.com')"
            }
        }
        return nil
    }

    static func isNameShaped(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last else { return false }
        return isAlnum(first) && isAlnum(last) && bytes.allSatisfy {
            isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
        }
    }

    static func isAlnum(_ byte: UInt8) -> Bool {
        isLowerAlnum(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}
