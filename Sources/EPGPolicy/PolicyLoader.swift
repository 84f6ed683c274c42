import Crypto
import Foundation
import KubernetesModel
import Yams

/// The result of loading a policy file: the policy when it has no errors, and every diagnostic.
public struct PolicyLoadResult: Sendable {
    public var policy: Policy?
    public var diagnostics: [PolicyDiagnostic]

    public var errors: [PolicyDiagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [PolicyDiagnostic] { diagnostics.filter { $0.severity == .warning } }

    /// The policy, or an error carrying every diagnostic.
    public func get() throws -> Policy {
        guard let policy else { throw PolicyLoadError(diagnostics: diagnostics) }
        return policy
    }
}

/// A rewrite of an older policy document into the next version, applied on load with a warning.
public struct PolicyMigration: Sendable {
    public var from: String
    public var to: String
    public var migrate: @Sendable (Node) throws -> Node
}

public enum PolicyLoader {
    /// Migrations from older `apiVersion`s, chained until `Policy.currentAPIVersion`. None exist yet:
    /// `aci-admission/v1` is the first version. `policy migrate` rewrites a file through this table.
    public static let migrations: [PolicyMigration] = []

    /// Largest policy file accepted: a policy is a few kilobytes; anything huge is a mistake.
    public static let maximumSize = 4 * 1024 * 1024

    public static func load(file path: String) -> PolicyLoadResult {
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return load(data: data, source: path)
        } catch {
            let diagnostic = PolicyDiagnostic(.error, SourceLocation(file: path, line: 0, column: 0),
                                              "cannot read policy file: \((error as NSError).localizedDescription)")
            return PolicyLoadResult(policy: nil, diagnostics: [diagnostic])
        }
    }

    public static func load(data: Data, source: String) -> PolicyLoadResult {
        let start = SourceLocation(file: source, line: 1, column: 1)
        guard data.count <= maximumSize else {
            return PolicyLoadResult(policy: nil, diagnostics: [PolicyDiagnostic(.error, start, "policy file is \(data.count) bytes; the limit is \(maximumSize)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return PolicyLoadResult(policy: nil, diagnostics: [PolicyDiagnostic(.error, start, "policy file is not valid UTF-8")])
        }
        return load(text: text, source: source)
    }

    public static func load(text: String, source: String) -> PolicyLoadResult {
        let reader = PolicyReader(file: source)
        let root: Node
        do {
            let parser = try Parser(yaml: text)
            guard let first = try parser.nextRoot(), !first.isNull else {
                return PolicyLoadResult(policy: nil, diagnostics: [PolicyDiagnostic(.error, SourceLocation(file: source, line: 1, column: 1),
                    "policy file is empty", hint: "start from examples/policy.yaml")])
            }
            if let second = try parser.nextRoot() {
                reader.error(second, "a policy file holds one YAML document; found a second one",
                             hint: "remove the `---` separator and everything after it, or split the file")
            }
            root = first
        } catch {
            let (location, message) = YAMLDiagnostics.describe(error, file: source)
            return PolicyLoadResult(policy: nil, diagnostics: [PolicyDiagnostic(.error, location, message)])
        }
        let hash = "sha256:" + SHA256.hash(data: Data(text.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        let policy = PolicyBuilder(reader: reader, source: source, hash: hash).build(root)
        if let policy {
            PolicyLint(policy: policy, reader: reader).run()
        }
        let diagnostics = reader.diagnostics.sorted { ($0.location, $0.severity == .warning ? 1 : 0) < ($1.location, $1.severity == .warning ? 1 : 0) }
        let valid = policy != nil && !diagnostics.contains { $0.severity == .error }
        return PolicyLoadResult(policy: valid ? policy : nil, diagnostics: diagnostics)
    }
}

/// Converts Yams parser errors to a location and a message.
enum YAMLDiagnostics {
    static func describe(_ error: Error, file: String) -> (SourceLocation, String) {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _)?, .parser(let context, let problem, let mark, _)?, .composer(let context, let problem, let mark, _)?:
            let detail = context.map { " (\($0.text), line \($0.mark.line) column \($0.mark.column))" } ?? ""
            return (at(mark), "YAML syntax error: \(problem)\(detail)")
        case .duplicatedKeysInMapping(let keys, let context)?:
            return (at(context.mark), "duplicate key \(keys.map { "\"\($0)\"" }.joined(separator: ", ")) in one mapping; a later value would silently replace an earlier one")
        default:
            return (SourceLocation(file: file, line: 1, column: 1), "cannot parse YAML: \(error)")
        }
    }
}

/// Builds a `Policy` from the document, reporting every problem through the reader.
struct PolicyBuilder {
    let reader: PolicyReader
    let source: String
    let hash: String

    static let topKeys = ["apiVersion", "kind", "fabric", "peers", "defaults", "namespaces", "annotations", "exempt", "guard"]
    static let settingKeys = ["isolation", "enforcement", "clusterEPG", "namespaceEPG", "workloadEPG", "groupBy"]

    func build(_ document: Node) -> Policy? {
        var root = document
        guard let top = reader.mapping(root, "the policy", keys: Self.topKeys) else { return nil }
        guard let versionNode = reader.required(top, "apiVersion", hint: "the current version is \(Policy.currentAPIVersion)"),
              var version = reader.string(versionNode, "apiVersion") else { return nil }
        while version != Policy.currentAPIVersion {
            guard let migration = PolicyLoader.migrations.first(where: { $0.from == version }) else {
                reader.error(versionNode, "unsupported apiVersion \"\(version)\"",
                             hint: "this release reads \(([Policy.currentAPIVersion] + PolicyLoader.migrations.map(\.from)).joined(separator: ", "))")
                return nil
            }
            do {
                root = try migration.migrate(root)
            } catch {
                reader.error(versionNode, "cannot migrate from \(version) to \(migration.to): \(error)")
                return nil
            }
            reader.warning(versionNode, "apiVersion \(version) is deprecated; read as \(migration.to)",
                           hint: "run `aci-admission policy migrate FILE` to rewrite the file")
            version = migration.to
        }
        var fields = top
        if root != document {
            guard let migrated = reader.mapping(root, "the policy", keys: Self.topKeys) else { return nil }
            fields = migrated
        }
        if let kindNode = reader.required(fields, "kind", hint: "kind: \(Policy.kind)"),
           let kind = reader.string(kindNode, "kind"), kind != Policy.kind {
            reader.error(kindNode, "kind is \"\(kind)\"; a policy file has kind \(Policy.kind)")
        }

        let fabric = fields["fabric"].flatMap(buildFabric) ?? { _ = reader.required(fields, "fabric"); return nil }()
        // A broken fabric section is already an error; the rest is still built (over a placeholder)
        // so that lint reports every other problem in the same run.
        return buildRest(fields, fabric: fabric ?? Fabric.placeholder)
    }

    private func buildRest(_ fields: PolicyReader.Fields, fabric: Fabric) -> Policy? {
        let defaultsOverride = fields["defaults"].flatMap { settingsOverride($0, "defaults", fabric: fabric) } ?? SettingsOverride()
        let defaults = defaultsOverride.resolve(over: nil)
        var rules: [NamespaceRule] = []
        if let node = fields["namespaces"], let items = reader.sequence(node, "namespaces") {
            for (index, item) in items.enumerated() {
                if let rule = namespaceRule(item, index: index, defaults: defaultsOverride, fabric: fabric) { rules.append(rule) }
            }
        }
        var peers: [Peer] = []
        if let node = fields["peers"], let items = reader.sequence(node, "peers") {
            for (index, item) in items.enumerated() {
                if let peer = buildPeer(item, index: index, fabric: fabric) { peers.append(peer) }
            }
        }
        var annotations = AnnotationPolicy(onForeign: .reject, allow: [])
        if let node = fields["annotations"], let section = reader.mapping(node, "annotations", keys: ["onForeign", "allow"]) {
            if let onForeign = section["onForeign"] { annotations.onForeign = reader.choice(onForeign, "annotations.onForeign", ForeignAnnotationAction.self) ?? .reject }
            if let allow = section["allow"], let items = reader.sequence(allow, "annotations.allow") {
                annotations.allow = items.enumerated().compactMap { allowEntry($1, index: $0) }
            }
        }
        var exempt: [Glob] = []
        if let node = fields["exempt"], let section = reader.mapping(node, "exempt", keys: ["namespaces"]), let names = section["namespaces"] {
            exempt = namespaceGlobs(names, "exempt.namespaces")
        }
        var labelEditors: [String] = []
        if let node = fields["guard"], let section = reader.mapping(node, "guard", keys: ["labelEditors"]), let editors = section["labelEditors"] {
            labelEditors = reader.strings(editors, "guard.labelEditors").map(\.0)
        }
        return Policy(source: source, hash: hash, fabric: fabric, peers: peers, defaults: defaults, namespaceRules: rules,
                      annotations: annotations, exemptNamespaces: exempt, labelEditors: labelEditors)
    }

    // MARK: fabric

    private func buildFabric(_ node: Node) -> Fabric? {
        let keys = ["clusterName", "tenant", "applicationProfile", "bridgeDomain", "vrf", "vmmDomain", "podCIDRs", "nodeCIDRs",
                    "l3out", "externalPrefixes", "writeRateLimit", "ruleBudget"]
        guard let fields = reader.mapping(node, "fabric", keys: keys) else { return nil }
        let clusterName = name(fields, "clusterName", kind: .clusterName)
        let tenant = name(fields, "tenant", kind: .tenant)
        var applicationProfile: String?
        var ownsApplicationProfile = true
        if let apNode = reader.required(fields, "applicationProfile") {
            if case .mapping = apNode, let ap = reader.mapping(apNode, "fabric.applicationProfile", keys: ["name", "owned"]) {
                applicationProfile = name(ap, "name", kind: .applicationProfile)
                if let owned = ap["owned"] { ownsApplicationProfile = reader.bool(owned, "fabric.applicationProfile.owned") ?? true }
            } else if let text = reader.string(apNode, "fabric.applicationProfile") {
                applicationProfile = checked(text, apNode, "fabric.applicationProfile", .applicationProfile)
            }
        }
        let bridgeDomain = name(fields, "bridgeDomain", kind: .bridgeDomain)
        let vrf = fields["vrf"].flatMap { tenantObject($0, "fabric.vrf", kind: .vrf) }
        let l3out = fields["l3out"].flatMap { tenantObject($0, "fabric.l3out", kind: .l3out) }
        var vmmDomain: (String, String)?
        if let domainNode = reader.required(fields, "vmmDomain", hint: "e.g. vmmDomain: {type: Kubernetes, name: kube}"),
           let domain = reader.mapping(domainNode, "fabric.vmmDomain", keys: ["type", "name"]) {
            let type = reader.required(domain, "type").flatMap { typeNode -> String? in
                guard let text = reader.string(typeNode, "fabric.vmmDomain.type") else { return nil }
                guard ["Kubernetes", "OpenShift"].contains(text) else {
                    reader.error(typeNode, "fabric.vmmDomain.type is \"\(text)\"; expected Kubernetes or OpenShift")
                    return nil
                }
                return text
            }
            let domainName = name(domain, "name", kind: .domain)
            if let type, let domainName { vmmDomain = (type, domainName) }
        }
        let podCIDRs = cidrs(fields, "podCIDRs", required: true)
        let nodeCIDRs = cidrs(fields, "nodeCIDRs", required: true)
        let externalPrefixes = cidrs(fields, "externalPrefixes", required: false)
        var rate = 10.0
        if let rateNode = fields["writeRateLimit"], let text = reader.string(rateNode, "fabric.writeRateLimit") {
            if let parsed = Self.parseRate(text) { rate = parsed } else {
                reader.error(rateNode, "fabric.writeRateLimit \"\(text)\" is not a rate", hint: "write N/s or N/m with N > 0, e.g. 10/s")
            }
        }
        var ruleBudget = 32_000
        if let budgetNode = fields["ruleBudget"] {
            ruleBudget = reader.integer(budgetNode, "fabric.ruleBudget", range: 1...10_000_000) ?? ruleBudget
        }
        guard let clusterName, let tenant, let applicationProfile, let bridgeDomain, let vmmDomain,
              let podCIDRs, let nodeCIDRs else { return nil }
        return Fabric(clusterName: clusterName, tenant: tenant, applicationProfile: applicationProfile,
                      ownsApplicationProfile: ownsApplicationProfile, bridgeDomain: bridgeDomain, vrf: vrf,
                      vmmDomain: vmmDomain, podCIDRs: podCIDRs, nodeCIDRs: nodeCIDRs, l3out: l3out,
                      externalPrefixes: externalPrefixes ?? [], writeRateLimit: rate, ruleBudget: ruleBudget)
    }

    static func parseRate(_ text: String) -> Double? {
        let parts = text.replacingOccurrences(of: " ", with: "").split(separator: "/")
        guard parts.count == 2, let count = Double(parts[0]), count > 0, count.isFinite else { return nil }
        switch parts[1] {
        case "s": return count
        case "m": return count / 60
        default: return nil
        }
    }

    private func name(_ fields: PolicyReader.Fields, _ key: String, kind: APICName.Kind) -> String? {
        guard let node = reader.required(fields, key), let text = reader.string(node, fields.path(key)) else { return nil }
        return checked(text, node, fields.path(key), kind)
    }

    private func checked(_ text: String, _ node: Node, _ path: String, _ kind: APICName.Kind) -> String? {
        if let problem = APICName.problem(text, kind: kind) {
            reader.error(node, "\(path): \(problem)")
            return nil
        }
        return text
    }

    private func tenantObject(_ node: Node, _ path: String, kind: APICName.Kind) -> TenantObjectRef? {
        guard let fields = reader.mapping(node, path, keys: ["tenant", "name"]) else { return nil }
        let tenant = name(fields, "tenant", kind: .tenant)
        let objectName = name(fields, "name", kind: kind)
        guard let tenant, let objectName else { return nil }
        return TenantObjectRef(tenant: tenant, name: objectName)
    }

    private func cidrs(_ fields: PolicyReader.Fields, _ key: String, required: Bool) -> [CIDR]? {
        let node = required ? reader.required(fields, key, hint: "e.g. \(key): [10.2.0.0/16]") : fields[key]
        guard let node else { return required ? nil : [] }
        let entries = reader.strings(node, fields.path(key))
        if required && entries.isEmpty, reader.sequence(node, fields.path(key)) != nil {
            reader.error(node, "\(fields.path(key)) must list at least one CIDR")
        }
        var result: [CIDR] = []
        for (text, item) in entries {
            do { result.append(try CIDR(parsing: text)) } catch { reader.error(item, "\(fields.path(key)): \(error)") }
        }
        return result
    }

    // MARK: settings

    /// Settings as written in `defaults` or one namespace rule; unset fields inherit.
    struct SettingsOverride {
        var isolation: Isolation?
        var enforcement: Enforcement?
        var clusterEPG: EPGRef?
        var namespaceEPG: NameTemplate?
        var workloadEPG: NameTemplate?
        var groupBy: [String]?
        var locations: [String: SourceLocation] = [:]

        /// This override over `parent` (nil: over the built-in defaults). A `workloadEPG` that is
        /// written nowhere is derived from the effective `groupBy`: `{namespace}.{label:a}:{label:b}`.
        func resolve(over parent: SettingsOverride?) -> NamespaceSettings {
            let groupBy = self.groupBy ?? parent?.groupBy ?? ["app"]
            let derived = try! NameTemplate(parsing: "{namespace}." + groupBy.map { "{label:\($0)}" }.joined(separator: ":"))
            var locations = parent?.locations ?? [:]
            locations.merge(self.locations) { $1 }
            return NamespaceSettings(
                isolation: isolation ?? parent?.isolation ?? .namespace,
                enforcement: enforcement ?? parent?.enforcement ?? .enforce,
                clusterEPG: clusterEPG ?? parent?.clusterEPG,
                namespaceEPG: namespaceEPG ?? parent?.namespaceEPG ?? (try! NameTemplate(parsing: "{namespace}")),
                workloadEPG: workloadEPG ?? parent?.workloadEPG ?? derived,
                groupBy: groupBy,
                locations: locations)
        }
    }

    private func settingsOverride(_ node: Node, _ path: String, fabric: Fabric, extraKeys: [String] = []) -> SettingsOverride? {
        guard let fields = reader.mapping(node, path, keys: Self.settingKeys + extraKeys) else { return nil }
        return settingsOverride(fields, fabric: fabric)
    }

    private func settingsOverride(_ fields: PolicyReader.Fields, fabric: Fabric) -> SettingsOverride {
        var result = SettingsOverride()
        func note(_ key: String) { if let node = fields.entries[key]?.value { result.locations[key] = reader.location(node) } }
        if let node = fields["isolation"] { result.isolation = reader.choice(node, fields.path("isolation"), Isolation.self); note("isolation") }
        if let node = fields["enforcement"] { result.enforcement = reader.choice(node, fields.path("enforcement"), Enforcement.self); note("enforcement") }
        if let node = fields["clusterEPG"] { result.clusterEPG = epgRef(node, fields.path("clusterEPG"), fabric: fabric); note("clusterEPG") }
        for key in ["namespaceEPG", "workloadEPG"] {
            guard let node = fields[key], let text = reader.string(node, fields.path(key)) else { continue }
            note(key)
            do {
                let template = try NameTemplate(parsing: text)
                if key == "namespaceEPG" { result.namespaceEPG = template } else { result.workloadEPG = template }
            } catch let error as NameTemplate.ParseError {
                reader.error(node, "\(fields.path(key)): \(error.message)", hint: error.hint)
            } catch {}
        }
        if let node = fields["groupBy"] {
            note("groupBy")
            var keys: [String] = []
            for (key, item) in reader.strings(node, fields.path("groupBy")) {
                if let problem = LabelSyntax.keyProblem(key) {
                    reader.error(item, "\(fields.path("groupBy")): label key \"\(key)\" \(problem)")
                } else if keys.contains(key) {
                    reader.error(item, "\(fields.path("groupBy")) lists \"\(key)\" twice")
                } else {
                    keys.append(key)
                }
            }
            result.groupBy = keys
        }
        return result
    }

    private func epgRef(_ node: Node, _ path: String, fabric: Fabric) -> EPGRef? {
        guard let fields = reader.mapping(node, path, keys: ["tenant", "applicationProfile", "name"]) else { return nil }
        let tenant = fields["tenant"].map { _ in name(fields, "tenant", kind: .tenant) } ?? fabric.tenant
        let ap = fields["applicationProfile"].map { _ in name(fields, "applicationProfile", kind: .applicationProfile) } ?? fabric.applicationProfile
        let epgName = name(fields, "name", kind: .epg)
        guard let tenant, let ap, let epgName else { return nil }
        return EPGRef(tenant: tenant, applicationProfile: ap, name: epgName)
    }

    // MARK: rules and peers

    private func namespaceRule(_ node: Node, index: Int, defaults: SettingsOverride, fabric: Fabric) -> NamespaceRule? {
        let path = "namespaces[\(index)]"
        guard let fields = reader.mapping(node, path, keys: ["name", "match"] + Self.settingKeys) else { return nil }
        let ruleName = fields["name"].flatMap { reader.string($0, "\(path).name") }
        let match = reader.required(fields, "match", hint: "e.g. match: {names: [shop, shop-*]} or match: {selector: {matchLabels: {team: payments}}}")
            .flatMap { namespaceMatch($0, "\(path).match") }
        let override = settingsOverride(fields, fabric: fabric)
        guard let match else { return nil }
        return NamespaceRule(index: index, name: ruleName, match: match, settings: override.resolve(over: defaults), location: reader.location(node))
    }

    private func namespaceMatch(_ node: Node, _ path: String) -> NamespaceMatch? {
        guard let fields = reader.mapping(node, path, keys: ["names", "selector"]) else { return nil }
        var match = NamespaceMatch()
        if let names = fields["names"] { match.names = namespaceGlobs(names, "\(path).names") }
        if let selectorNode = fields["selector"] { match.selector = labelSelector(selectorNode, "\(path).selector") }
        if fields["names"] == nil && fields["selector"] == nil {
            reader.error(node, "\(path) must have names, selector, or both", hint: "use names: [\"*\"] to match every namespace")
            return nil
        }
        return match
    }

    private func namespaceGlobs(_ node: Node, _ path: String) -> [Glob] {
        reader.strings(node, path).compactMap { text, item in
            let bytes = text.utf8
            let ok = !text.isEmpty && bytes.allSatisfy {
                ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                    || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?")
            }
            guard ok else {
                reader.error(item, "\(path): \"\(text)\" cannot match a namespace name",
                             hint: "namespace names are lowercase letters, digits and '-'; patterns add '*' and '?'")
                return nil
            }
            return Glob(text)
        }
    }

    private func labelSelector(_ node: Node, _ path: String) -> LabelSelector? {
        guard let fields = reader.mapping(node, path, keys: ["matchLabels", "matchExpressions"]) else { return nil }
        var selector = LabelSelector()
        if let labelsNode = fields["matchLabels"] {
            if case .mapping(let mapping) = labelsNode {
                var labels: [String: String] = [:]
                for (key, value) in mapping {
                    guard let keyText = key.scalar?.string, let valueText = reader.string(value, "\(path).matchLabels.\(key.scalar?.string ?? "?")") else { continue }
                    if let problem = LabelSyntax.keyProblem(keyText) { reader.error(key, "\(path).matchLabels: key \"\(keyText)\" \(problem)") }
                    if let problem = LabelSyntax.valueProblem(valueText) { reader.error(value, "\(path).matchLabels.\(keyText): \"\(valueText)\" \(problem)") }
                    labels[keyText] = valueText
                }
                selector.matchLabels = labels
            } else {
                reader.error(labelsNode, "\(path).matchLabels must be a mapping\(reader.foundDescription(labelsNode))")
            }
        }
        if let expressionsNode = fields["matchExpressions"], let items = reader.sequence(expressionsNode, "\(path).matchExpressions") {
            var requirements: [LabelSelectorRequirement] = []
            for (index, item) in items.enumerated() {
                let itemPath = "\(path).matchExpressions[\(index)]"
                guard let expression = reader.mapping(item, itemPath, keys: ["key", "operator", "values"]) else { continue }
                guard let key = reader.required(expression, "key").flatMap({ reader.string($0, "\(itemPath).key") }),
                      let opNode = reader.required(expression, "operator"),
                      let op = reader.string(opNode, "\(itemPath).operator") else { continue }
                let values = expression["values"].map { reader.strings($0, "\(itemPath).values").map(\.0) }
                let requirement = LabelSelectorRequirement(key: key, operator: .init(rawValue: op), values: values)
                for problem in requirement.validationErrors(path: itemPath) {
                    reader.error(problem.contains(".operator") ? opNode : item, problem)
                }
                requirements.append(requirement)
            }
            selector.matchExpressions = requirements
        }
        return selector
    }

    private func buildPeer(_ node: Node, index: Int, fabric: Fabric) -> Peer? {
        let path = "peers[\(index)]"
        guard let fields = reader.mapping(node, path, keys: ["match", "epg", "provides", "external", "nodes"]) else { return nil }
        let forms = ["match", "external", "nodes"].filter { fields.entries[$0] != nil }
        guard forms.count == 1 else {
            reader.error(node, "\(path) must have exactly one of match (namespaces), external (an L3Out EPG) or nodes; found \(forms.isEmpty ? "none" : forms.joined(separator: ", "))")
            return nil
        }
        let location = reader.location(node)
        switch forms[0] {
        case "match":
            let match = fields["match"].flatMap { namespaceMatch($0, "\(path).match") }
            let epg = reader.required(fields, "epg").flatMap { epgRef($0, "\(path).epg", fabric: fabric) }
            let provides = fields["provides"].map { contracts($0, "\(path).provides") } ?? []
            guard let match, let epg else { return nil }
            return Peer(index: index, kind: .namespaces(match, epg), provides: provides, location: location)
        case "external":
            if fields.entries["epg"] != nil || fields.entries["provides"] != nil {
                reader.error(node, "\(path): put provides inside external: {name: …, provides: […]}")
            }
            guard let externalNode = fields["external"], let external = reader.mapping(externalNode, "\(path).external", keys: ["name", "provides"]) else { return nil }
            let externalName = name(external, "name", kind: .externalEPG)
            let provides = external["provides"].map { contracts($0, "\(path).external.provides") } ?? []
            guard let externalName else { return nil }
            return Peer(index: index, kind: .external(name: externalName), provides: provides, location: location)
        default:
            if fields.entries["epg"] != nil || fields.entries["provides"] != nil {
                reader.error(node, "\(path): put epg and provides inside nodes: {epg: …, provides: […]}")
            }
            guard let nodesNode = fields["nodes"], let nodes = reader.mapping(nodesNode, "\(path).nodes", keys: ["epg", "provides"]) else { return nil }
            let epg = reader.required(nodes, "epg").flatMap { epgRef($0, "\(path).nodes.epg", fabric: fabric) }
            let provides = nodes["provides"].map { contracts($0, "\(path).nodes.provides") } ?? []
            guard let epg else { return nil }
            return Peer(index: index, kind: .nodes(epg), provides: provides, location: location)
        }
    }

    private func contracts(_ node: Node, _ path: String) -> [ProvidedContract] {
        guard let items = reader.sequence(node, path) else { return [] }
        return items.enumerated().compactMap { index, item in
            let itemPath = "\(path)[\(index)]"
            guard let fields = reader.mapping(item, itemPath, keys: ["contract", "allows"]) else { return nil }
            let contract = name(fields, "contract", kind: .contract)
            var allows: [TrafficSpec] = []
            if let allowsNode = reader.required(fields, "allows", hint: "e.g. allows: [udp/53, tcp/53]") {
                for (text, entry) in reader.strings(allowsNode, "\(itemPath).allows") {
                    do { allows.append(try TrafficSpec(parsing: text)) } catch { reader.error(entry, "\(itemPath).allows: \(error)") }
                }
            }
            guard let contract else { return nil }
            return ProvidedContract(contract: contract, allows: allows)
        }
    }

    private func allowEntry(_ node: Node, index: Int) -> AllowEntry? {
        let path = "annotations.allow[\(index)]"
        guard let fields = reader.mapping(node, path, keys: ["namespaces", "epgs"]) else { return nil }
        let namespaces = reader.required(fields, "namespaces").map { namespaceGlobs($0, "\(path).namespaces") } ?? []
        var epgs: [EPGGlob] = []
        if let epgsNode = reader.required(fields, "epgs", hint: "e.g. epgs: [\"kube/aci-admission/*\"]") {
            for (text, item) in reader.strings(epgsNode, "\(path).epgs") {
                guard let glob = EPGGlob(text) else {
                    reader.error(item, "\(path).epgs: \"\(text)\" is not TENANT/APPLICATION-PROFILE/EPG", hint: "each part may use * and ?, e.g. kube/aci-admission/lab-*")
                    continue
                }
                let bad = [glob.tenant, glob.applicationProfile, glob.name].first {
                    !$0.pattern.unicodeScalars.allSatisfy { APICName.isNameCharacter($0) || $0 == "*" || $0 == "?" }
                }
                if let bad {
                    reader.error(item, "\(path).epgs: \"\(bad)\" cannot match an APIC name", hint: "APIC names use letters, digits, '_', '.', ':' and '-'")
                    continue
                }
                epgs.append(glob)
            }
        }
        return AllowEntry(index: index, namespaces: namespaces, epgs: epgs, location: reader.location(node))
    }
}

extension Fabric {
    /// Stands in while the rest of a file with a broken `fabric` section is checked for syntax.
    static let placeholder = Fabric(clusterName: "", tenant: "", applicationProfile: "", ownsApplicationProfile: true,
                                    bridgeDomain: "", vrf: nil, vmmDomain: ("Kubernetes", ""), podCIDRs: [], nodeCIDRs: [],
                                    l3out: nil, externalPrefixes: [], writeRateLimit: 10, ruleBudget: 32_000)
}
