/// A Kubernetes `metav1.LabelSelector`, matched with the apimachinery semantics:
/// every `matchLabels` pair and every `matchExpressions` requirement must hold (AND);
/// an empty selector (`{}`, or `matchLabels: null`) selects everything.
public struct LabelSelector: Codable, Hashable, Sendable {
    public var matchLabels: [String: String]?
    public var matchExpressions: [LabelSelectorRequirement]?

    public init(matchLabels: [String: String]? = nil, matchExpressions: [LabelSelectorRequirement]? = nil) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    /// Selects every object: no labels and no expressions.
    public var isEmpty: Bool {
        (matchLabels ?? [:]).isEmpty && (matchExpressions ?? []).isEmpty
    }

    /// All requirements, `matchLabels` first (as `key In (value)`), sorted by key as apimachinery does.
    public var requirements: [LabelSelectorRequirement] {
        let fromLabels = (matchLabels ?? [:]).sorted { $0.key < $1.key }
            .map { LabelSelectorRequirement(key: $0.key, operator: .in, values: [$0.value]) }
        return fromLabels + (matchExpressions ?? [])
    }

    /// Whether the labels satisfy the selector. An invalid selector (see `validationErrors`)
    /// selects nothing, as `metav1.LabelSelectorAsSelector` does when it fails.
    public func matches(_ labels: [String: String]) -> Bool {
        firstUnsatisfied(by: labels) == nil && validationErrors(path: "").isEmpty
    }

    /// The first requirement the labels fail, for explanations; nil when they all hold.
    public func firstUnsatisfied(by labels: [String: String]) -> LabelSelectorRequirement? {
        requirements.first { !$0.matches(labels) }
    }

    /// Structural errors the apiserver would reject, each prefixed by `path`.
    public func validationErrors(path: String) -> [String] {
        var errors: [String] = []
        for (key, value) in (matchLabels ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let problem = LabelSyntax.keyProblem(key) {
                errors.append("\(path).matchLabels: key \"\(key)\": \(problem)")
            }
            if let problem = LabelSyntax.valueProblem(value) {
                errors.append("\(path).matchLabels.\(key): value \"\(value)\": \(problem)")
            }
        }
        for (index, requirement) in (matchExpressions ?? []).enumerated() {
            errors += requirement.validationErrors(path: "\(path).matchExpressions[\(index)]")
        }
        return errors
    }
}

public struct LabelSelectorRequirement: Codable, Hashable, Sendable, CustomStringConvertible {
    /// The operator is kept as written so that an unknown one decodes and is reported, not dropped.
    public struct Operator: RawRepresentable, Codable, Hashable, Sendable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let `in` = Operator(rawValue: "In")
        public static let notIn = Operator(rawValue: "NotIn")
        public static let exists = Operator(rawValue: "Exists")
        public static let doesNotExist = Operator(rawValue: "DoesNotExist")
        public static let known: [Operator] = [.in, .notIn, .exists, .doesNotExist]
    }

    public var key: String
    public var `operator`: Operator
    public var values: [String]?

    public init(key: String, operator: Operator, values: [String]? = nil) {
        self.key = key
        self.operator = `operator`
        self.values = values
    }

    /// `NotIn` and `DoesNotExist` hold for objects that lack the label; `In` and `Exists` need it.
    public func matches(_ labels: [String: String]) -> Bool {
        let value = labels[key]
        switch `operator` {
        case .in: return value.map { (values ?? []).contains($0) } ?? false
        case .notIn: return value.map { !(values ?? []).contains($0) } ?? true
        case .exists: return value != nil
        case .doesNotExist: return value == nil
        default: return false
        }
    }

    public func validationErrors(path: String) -> [String] {
        var errors: [String] = []
        if let problem = LabelSyntax.keyProblem(key) {
            errors.append("\(path).key: \"\(key)\": \(problem)")
        }
        let count = values?.count ?? 0
        switch `operator` {
        case .in, .notIn:
            if count == 0 { errors.append("\(path).values: must be non-empty when operator is \(`operator`.rawValue)") }
        case .exists, .doesNotExist:
            if count != 0 { errors.append("\(path).values: must be empty when operator is \(`operator`.rawValue)") }
        default:
            errors.append("\(path).operator: \"\(`operator`.rawValue)\" is not one of In, NotIn, Exists, DoesNotExist")
        }
        for value in values ?? [] {
            if let problem = LabelSyntax.valueProblem(value) {
                errors.append("\(path).values: \"\(value)\": \(problem)")
            }
        }
        return errors
    }

    public var description: String {
        switch `operator` {
        case .exists: return key
        case .doesNotExist: return "!\(key)"
        default: return "\(key) \(`operator`.rawValue) (\((values ?? []).joined(separator: ", ")))"
        }
    }
}
