import Foundation
import KubernetesModel
import Yams

/// Turns Yams and Codable errors into one-line diagnostics that point at the offending node.
public enum YAMLErrors {
    public static func diagnostic(for error: Error, file: String) -> ManifestDiagnostic {
        let (location, message) = describe(yamlError: error, file: file)
        return ManifestDiagnostic(location: location, message: message)
    }

    public static func describe(yamlError error: Error, file: String) -> (SourceLocation, String) {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
        guard let yamlError = error as? YamlError else {
            return (SourceLocation(file: file, line: 1, column: 1), "YAML error: \(error)")
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let while_ = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return (at(mark), "YAML syntax error: \(problem)\(while_)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return (at(context.mark), "duplicate key \(keys) in one mapping: a later value would silently replace this one; keep one")
        case .reader(let problem, _, _, _):
            return (SourceLocation(file: file, line: 1, column: 1), "cannot read YAML: \(problem)")
        default:
            return (SourceLocation(file: file, line: 1, column: 1), "YAML error: \(yamlError)")
        }
    }

    /// The location of the node a `DecodingError` refers to (its deepest existing ancestor) and a message
    /// naming the field path: `spec.ingress[0].ports[1].endPort: expected an integer`.
    public static func describe(decodingError error: Error, root: Node, file: String) -> (SourceLocation?, String) {
        guard let decodingError = error as? DecodingError else {
            return (nil, "\(error)")
        }
        let path: [CodingKey]
        let problem: String
        switch decodingError {
        case .typeMismatch(let type, let context):
            path = context.codingPath
            problem = "expected \(describe(type))"
        case .valueNotFound(let type, let context):
            path = context.codingPath
            problem = "expected \(describe(type)), found null"
        case .keyNotFound(let key, let context):
            path = context.codingPath
            return (locate(path, in: root, file: file), "\(fieldPath(path + [key])): required field is missing")
        case .dataCorrupted(let context):
            path = context.codingPath
            problem = context.debugDescription
        @unknown default:
            return (nil, "\(error)")
        }
        return (locate(path, in: root, file: file), "\(fieldPath(path)): \(problem)")
    }

    public static func fieldPath(_ path: [CodingKey]) -> String {
        var result = ""
        for key in path {
            if let index = key.intValue, key.stringValue.hasPrefix("Index") || key.stringValue == String(index) {
                result += "[\(index)]"
            } else {
                result += result.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return result.isEmpty ? "(document)" : result
    }

    static func locate(_ path: [CodingKey], in root: Node, file: String) -> SourceLocation? {
        var node = root
        for key in path {
            let next: Node?
            if let index = key.intValue, case .sequence(let sequence) = node {
                next = index < sequence.count ? sequence[index] : nil
            } else {
                next = node[key.stringValue]
            }
            guard let next else { break }
            node = next
        }
        return node.location(in: file)
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type: return "an integer"
        case is Bool.Type: return "a boolean"
        case is Double.Type: return "a number"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") || name.contains("Sequence") { return "a sequence" }
            return "a mapping"
        }
    }
}
