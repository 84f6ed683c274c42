import KubernetesModel
import Yams

/// Schema checks over a Yams node tree that collect every problem with its position, instead of
/// stopping at the first (what a Codable decoder would do).
final class PolicyReader {
    let file: String
    private(set) var diagnostics: [PolicyDiagnostic] = []

    init(file: String) { self.file = file }

    func location(_ node: Node) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    func error(_ node: Node, _ message: String, hint: String? = nil) {
        diagnostics.append(PolicyDiagnostic(.error, location(node), message, hint: hint))
    }

    func warning(_ node: Node, _ message: String, hint: String? = nil) {
        diagnostics.append(PolicyDiagnostic(.warning, location(node), message, hint: hint))
    }

    func add(_ diagnostic: PolicyDiagnostic) { diagnostics.append(diagnostic) }

    /// The mapping's entries by key, after reporting a non-mapping node, non-string keys and
    /// unknown keys (typos must not silently weaken policy).
    func mapping(_ node: Node, _ path: String, keys known: [String]) -> Fields? {
        guard case .mapping(let mapping) = node else {
            error(node, "\(path) must be a mapping\(foundDescription(node))")
            return nil
        }
        var fields = Fields(node: node, path: path)
        for (key, value) in mapping {
            guard let name = key.scalar?.string, key.scalar != nil else {
                error(key, "\(path) has a key that is not a string")
                continue
            }
            guard known.contains(name) else {
                let suggestion = known.min { editDistance($0, name) < editDistance($1, name) }
                    .flatMap { editDistance($0, name) <= 2 ? $0 : nil }
                let hint = suggestion.map { "did you mean \"\($0)\"?" } ?? "known keys here: \(known.joined(separator: ", "))"
                error(key, "unknown key \"\(name)\" in \(path)", hint: hint)
                continue
            }
            fields.entries[name] = (key, value)
        }
        return fields
    }

    struct Fields {
        var node: Node
        var path: String
        var entries: [String: (key: Node, value: Node)] = [:]

        subscript(_ key: String) -> Node? {
            guard let value = entries[key]?.value else { return nil }
            return value.isNull ? nil : value
        }

        func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    }

    func required(_ fields: Fields, _ key: String, hint: String? = nil) -> Node? {
        if let node = fields[key] { return node }
        if let present = fields.entries[key] {
            error(present.value, "\(fields.path(key)) must not be empty", hint: hint)
        } else {
            error(fields.node, "\(fields.path.isEmpty ? "the policy" : fields.path) is missing required key \"\(key)\"", hint: hint)
        }
        return nil
    }

    func string(_ node: Node, _ path: String) -> String? {
        guard case .scalar(let scalar) = node, !node.isNull else {
            error(node, "\(path) must be a string\(foundDescription(node))")
            return nil
        }
        return scalar.string
    }

    func sequence(_ node: Node, _ path: String) -> [Node]? {
        guard case .sequence(let sequence) = node else {
            error(node, "\(path) must be a list\(foundDescription(node))")
            return nil
        }
        return Array(sequence)
    }

    func strings(_ node: Node, _ path: String) -> [(String, Node)] {
        guard let items = sequence(node, path) else { return [] }
        return items.enumerated().compactMap { index, item in
            string(item, "\(path)[\(index)]").map { ($0, item) }
        }
    }

    func choice<E: RawRepresentable & CaseIterable>(_ node: Node, _ path: String, _ type: E.Type) -> E? where E.RawValue == String {
        guard let text = string(node, path) else { return nil }
        if let value = E(rawValue: text) { return value }
        let options = E.allCases.map(\.rawValue)
        let suggestion = options.first { $0.lowercased() == text.lowercased() }
        error(node, "\(path) is \"\(text)\"; expected one of \(options.joined(separator: ", "))",
              hint: suggestion.map { "values are lowercase: \"\($0)\"" })
        return nil
    }

    func bool(_ node: Node, _ path: String) -> Bool? {
        if let scalar = node.scalar, let value = Bool.construct(from: scalar) { return value }
        error(node, "\(path) must be true or false\(foundDescription(node))")
        return nil
    }

    func integer(_ node: Node, _ path: String, range: ClosedRange<Int>) -> Int? {
        guard let scalar = node.scalar, let value = Int(scalar.string), range.contains(value) else {
            error(node, "\(path) must be an integer from \(range.lowerBound) to \(range.upperBound)\(foundDescription(node))")
            return nil
        }
        return value
    }

    func foundDescription(_ node: Node) -> String {
        switch node {
        case .mapping: return ", found a mapping"
        case .sequence: return ", found a list"
        case .scalar(let scalar): return node.isNull ? ", found null" : ", found \"\(scalar.string)\""
        case .alias: return ", found an alias"
        }
    }
}

extension Node {
    var isNull: Bool {
        guard case .scalar(let scalar) = self else { return false }
        return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.lowercased()), b = Array(b.lowercased())
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
