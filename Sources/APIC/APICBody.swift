import Foundation
import Yams

/// Reads a posted managed-object body the way the APIC does: strict JSON, then the tree with its key
/// order (the APIC insists that `attributes` come first), every attribute value a string.
/// Foundation's parser checks the JSON; Yams (JSON is YAML) gives the order and line numbers.
public enum APICBody {
    public static func parse(_ data: Data) throws(APICError) -> ManagedObject {
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data)
        } catch {
            let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "malformed JSON"
            throw APICError(status: 400, code: "400", text: "JSON parsing failed - \(reason.trimmingCharacters(in: CharacterSet(charactersIn: "."))) at line: \(line(ofError: data))")
        }
        guard let text = String(data: data, encoding: .utf8), let node = try? Yams.compose(yaml: text) else {
            // Valid JSON that libyaml will not read (e.g. escaped surrogate pairs): no order to check.
            do { return try APICJSON.decodeObject(json) } catch { throw APICError(status: 400, code: "400", text: "\(error)") }
        }
        return try object(node)
    }

    private static func object(_ node: Node) throws(APICError) -> ManagedObject {
        guard case .mapping(let wrapper) = node, wrapper.count == 1, let (key, body) = wrapper.first, let className = key.string else {
            throw APICError(status: 400, code: "400", text: "incomplete node at line [\(node.mark?.line ?? 1)]")
        }
        guard case .mapping(let members) = body else {
            throw APICError(status: 400, code: "400", text: "incomplete node at line [\(body.mark?.line ?? 1)]")
        }
        guard let first = members.first, first.key.string == "attributes" else {
            throw APICError(status: 400, code: "400",
                            text: "invalid data at line '\(body.mark?.line ?? 1)'. Attributes are missing, tag 'attributes' must be specified first, before any other tag")
        }
        var result = ManagedObject(className: className, attributes: [])
        for (memberKey, value) in members {
            switch memberKey.string {
            case "attributes":
                guard case .mapping(let attributes) = value else {
                    throw APICError(status: 400, code: "400", text: "invalid data at line '\(value.mark?.line ?? 1)'. attributes of '\(className)' must be an object")
                }
                for (name, attribute) in attributes {
                    guard let name = name.string, case .scalar(let scalar) = attribute else {
                        throw APICError(status: 400, code: "400", text: "JSON parsing failed - incomplete attribute value at line: \(attribute.mark?.line ?? 1)")
                    }
                    result.attributes.append(.init(name, scalar.string))
                }
            case "children":
                guard case .sequence(let children) = value else {
                    throw APICError(status: 400, code: "400", text: "invalid data at line '\(value.mark?.line ?? 1)'. children of '\(className)' must be a list")
                }
                for child in children { result.children.append(try object(child)) }
            default:
                throw APICError(status: 400, code: "400", text: "invalid data at line '\(memberKey.mark?.line ?? 1)'. Unexpected tag '\(memberKey.string ?? "")' in element '\(className)'")
            }
        }
        return result
    }

    /// The line of a JSON syntax error, as libyaml reports it (1 when it cannot tell).
    private static func line(ofError data: Data) -> Int {
        guard let text = String(data: data, encoding: .utf8) else { return 1 }
        do {
            _ = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            switch error {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
            default: return 1
            }
        } catch {}
        return 1
    }
}
