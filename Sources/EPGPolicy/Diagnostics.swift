import KubernetesModel

/// One finding about a policy file, printed as `FILE:LINE:COLUMN: error: message` with an
/// optional `hint:` line saying how to fix it.
public struct PolicyDiagnostic: Hashable, Sendable, CustomStringConvertible, Codable {
    public enum Severity: String, Hashable, Sendable, Codable {
        case error, warning
    }

    public var location: SourceLocation
    public var severity: Severity
    public var message: String
    public var hint: String?

    public init(_ severity: Severity, _ location: SourceLocation, _ message: String, hint: String? = nil) {
        self.severity = severity
        self.location = location
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var text = "\(location): \(severity.rawValue): \(message)"
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }
}

/// Thrown when a policy file cannot become the active policy; carries every diagnostic.
public struct PolicyLoadError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [PolicyDiagnostic]
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
