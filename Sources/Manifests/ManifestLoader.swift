import Foundation
import KubernetesModel
import Yams

/// One object read from a manifest, with where it starts.
public struct ManifestObject: Hashable, Sendable {
    public var location: SourceLocation
    public var object: KubeObject
    /// Where each field of the object is written, by field path (`spec.ingress[0].from[1]`,
    /// `metadata.annotations.opflex.cisco.com/endpoint-group`): the position of its value.
    public var fieldLocations: [String: SourceLocation]

    public init(location: SourceLocation, object: KubeObject, fieldLocations: [String: SourceLocation] = [:]) {
        self.location = location
        self.object = object
        self.fieldLocations = fieldLocations
    }

    /// The position of a field path, or of its deepest ancestor that is written, or of the object.
    public func location(of path: String) -> SourceLocation {
        var candidate = path
        while !candidate.isEmpty {
            if let location = fieldLocations[candidate] { return location }
            guard let cut = candidate.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            candidate = String(candidate[..<cut])
        }
        return location
    }
}

/// A problem with a manifest: unreadable file, YAML syntax, or an object of the wrong shape.
public struct ManifestDiagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public init(location: SourceLocation, message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): error: \(message)" }
}

/// Everything read from a set of manifests: the objects that decoded and the problems found.
/// One bad document never hides the good ones around it.
public struct ManifestSet: Sendable {
    public var objects: [ManifestObject] = []
    public var diagnostics: [ManifestDiagnostic] = []
    public init() {}

    public mutating func append(contentsOf other: ManifestSet) {
        objects += other.objects
        diagnostics += other.diagnostics
    }
}

public enum ManifestLoader {
    /// Largest manifest file read, so a stray huge file fails clearly instead of exhausting memory.
    public static let maximumFileSize = 64 * 1024 * 1024

    /// Loads files, directories (recursively: `*.yaml`, `*.yml`, `*.json`, in name order) and `-` (stdin).
    public static func load(paths: [String], standardInput: () -> Data = { FileHandle.standardInput.readDataToEndOfFile() }) -> ManifestSet {
        var result = ManifestSet()
        for path in paths {
            if path == "-" {
                result.append(contentsOf: parse(data: standardInput(), file: "<stdin>"))
                continue
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                result.diagnostics.append(.init(location: .init(file: path, line: 0, column: 0), message: "no such file or directory"))
                continue
            }
            let files = isDirectory.boolValue ? manifestFiles(under: path) : [path]
            for file in files {
                result.append(contentsOf: load(file: file))
            }
        }
        return result
    }

    public static func load(file: String) -> ManifestSet {
        let url = URL(fileURLWithPath: file)
        if let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int, size > maximumFileSize {
            var result = ManifestSet()
            result.diagnostics.append(.init(location: .init(file: file, line: 0, column: 0),
                                            message: "file is \(size) bytes, larger than the \(maximumFileSize)-byte limit for a manifest"))
            return result
        }
        do {
            return parse(data: try Data(contentsOf: url), file: file)
        } catch {
            var result = ManifestSet()
            result.diagnostics.append(.init(location: .init(file: file, line: 0, column: 0), message: "cannot read: \(error.localizedDescription)"))
            return result
        }
    }

    static func manifestFiles(under directory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let lower = relative.lowercased()
            guard lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") || lower.hasSuffix(".json") else { continue }
            let full = (directory as NSString).appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(full)
            }
        }
        return files.sorted()
    }

    public static func parse(data: Data, file: String) -> ManifestSet {
        guard let text = String(data: data, encoding: .utf8) else {
            var result = ManifestSet()
            result.diagnostics.append(.init(location: .init(file: file, line: 1, column: 1), message: "not valid UTF-8 text"))
            return result
        }
        return parse(text: text, file: file)
    }

    /// Parses multi-document YAML (JSON is read as YAML, of which it is a subset). Documents before
    /// a syntax error are kept; the error is reported at its position.
    public static func parse(text: String, file: String) -> ManifestSet {
        var result = ManifestSet()
        do {
            let parser = try Parser(yaml: text)
            while let root = try parser.nextRoot() {
                collect(root, file: file, into: &result)
            }
        } catch {
            result.diagnostics.append(YAMLErrors.diagnostic(for: error, file: file))
        }
        return result
    }

    static func collect(_ node: Node, file: String, into result: inout ManifestSet) {
        let location = node.location(in: file)
        switch node {
        case .scalar where node.isNullScalar:
            return  // an empty document (`---` with nothing after it)
        case .mapping:
            break
        default:
            result.diagnostics.append(.init(location: location, message: "a manifest document must be a mapping (an object with apiVersion and kind)"))
            return
        }
        let kind = node["kind"]?.string
        if kind == "List" || (kind?.hasSuffix("List") == true && node["items"] != nil) {
            guard case .sequence(let items)? = node["items"] else {
                if let items = node["items"], !items.isNullScalar {
                    result.diagnostics.append(.init(location: location, message: "\(kind!).items must be a sequence"))
                }
                return
            }
            for item in items { collect(item, file: file, into: &result) }
            return
        }
        guard let kind, !kind.isEmpty else {
            result.diagnostics.append(.init(location: location, message: "object has no `kind`"))
            return
        }
        do {
            let object = try KubeObject.decode(kind: kind) { type in
                try YAMLDecoder().decode(type, from: node)
            }
            var fields: [String: SourceLocation] = [:]
            indexFields(node, path: "", file: file, into: &fields)
            result.objects.append(ManifestObject(location: location, object: object, fieldLocations: fields))
        } catch {
            let name = node["metadata"]?["name"]?.string.map { " \"\($0)\"" } ?? ""
            let (where_, message) = YAMLErrors.describe(decodingError: error, root: node, file: file)
            result.diagnostics.append(.init(location: where_ ?? location, message: "\(kind)\(name): \(message)"))
        }
    }
}

/// Records the position of every mapping value and sequence item under `node`, by field path.
func indexFields(_ node: Node, path: String, file: String, into fields: inout [String: SourceLocation]) {
    switch node {
    case .mapping(let mapping):
        for (key, value) in mapping {
            guard let name = key.scalar?.string else { continue }
            let child = path.isEmpty ? name : "\(path).\(name)"
            fields[child] = value.location(in: file)
            indexFields(value, path: child, file: file, into: &fields)
        }
    case .sequence(let sequence):
        for (index, item) in sequence.enumerated() {
            let child = "\(path)[\(index)]"
            fields[child] = item.location(in: file)
            indexFields(item, path: child, file: file, into: &fields)
        }
    default:
        break
    }
}

extension Node {
    /// A plain `null`, `~` or empty scalar: an empty document or an absent value.
    var isNullScalar: Bool {
        guard case .scalar(let scalar) = self else { return false }
        return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    func location(in file: String) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0)
    }
}
