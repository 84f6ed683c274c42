import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

public enum CheckFormat: String, CaseIterable, Sendable {
    case text, json, junit, sarif, github
}

/// Renders check reports in the formats CI systems read.
public enum ReportRenderer {
    public static func render(_ report: CheckReport, format: CheckFormat, colors: Bool = false) -> String {
        switch format {
        case .text: return text(report, colors: colors)
        case .json: return json(report)
        case .junit: return junit(report)
        case .sarif: return sarif(report)
        case .github: return github(report)
        }
    }

    // MARK: text

    static func text(_ report: CheckReport, colors: Bool) -> String {
        func paint(_ text: String, _ code: String) -> String { colors ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
        var out = ""
        let findings = report.findings.sorted { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) }
        var currentFile: String?
        for finding in findings {
            if finding.file != currentFile {
                if currentFile != nil { out += "\n" }
                out += paint(finding.file, "1") + "\n"
                currentFile = finding.file
            }
            let label: String
            switch finding.severity {
            case .error: label = paint("error", "31")
            case .warning: label = paint("warning", "33")
            case .note: label = paint("note", "36")
            }
            let what = finding.kind.isEmpty ? "" : "\(finding.identity): "
            out += "  \(finding.line):\(finding.column): \(label): \(what)\(finding.message) [\(finding.rule)]\n"
            out += "    fix: \(finding.fix)\n"
        }
        if !findings.isEmpty { out += "\n" }
        let status = report.exitStatus == 0 ? paint("passed", "32") : paint("failed", "31")
        out += "\(report.objects.count) object\(report.objects.count == 1 ? "" : "s") checked against \(report.policySource) (\(report.policyHash)): "
        out += "\(report.errorCount) error\(report.errorCount == 1 ? "" : "s"), \(report.warningCount) warning\(report.warningCount == 1 ? "" : "s"), "
        out += "\(report.noteCount) note\(report.noteCount == 1 ? "" : "s") — \(status)\(report.strict ? " (strict)" : "")\n"
        return out
    }

    // MARK: json

    /// Schema documented in docs/check.md (version 1).
    struct JSONDocument: Encodable {
        var version = 1
        var policy: String
        var policyHash: String
        var summary: Summary
        var objects: [CheckedObject]
        var inputErrors: [Finding]
        struct Summary: Encodable {
            var objects: Int
            var errors: Int
            var warnings: Int
            var notes: Int
            var passed: Bool
            var exitStatus: Int32
        }
    }

    static func json(_ report: CheckReport) -> String {
        let document = JSONDocument(policy: report.policySource, policyHash: report.policyHash,
                                    summary: .init(objects: report.objects.count, errors: report.errorCount, warnings: report.warningCount,
                                                   notes: report.noteCount, passed: report.exitStatus == 0, exitStatus: report.exitStatus),
                                    objects: report.objects, inputErrors: report.inputErrors)
        return encode(document)
    }

    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(value), as: UTF8.self) + "\n"
    }

    // MARK: JUnit

    /// One test case per object (and one per unreadable input); failing findings as `<failure>`.
    static func junit(_ report: CheckReport) -> String {
        let suite = XMLElement(name: "testsuite")
        var failures = 0
        func failing(_ finding: Finding) -> Bool { finding.severity == .error || (report.strict && finding.severity == .warning) }
        func testcase(classname: String, name: String, findings: [Finding]) -> XMLElement {
            let element = XMLElement(name: "testcase")
            element.addAttribute(XMLNode.attribute(withName: "classname", stringValue: classname) as! XMLNode)
            element.addAttribute(XMLNode.attribute(withName: "name", stringValue: name) as! XMLNode)
            let failed = findings.filter(failing)
            if !failed.isEmpty {
                failures += 1
                let failure = XMLElement(name: "failure", stringValue: failed.map { "\($0.file):\($0.line):\($0.column): \($0.message)\n  fix: \($0.fix)" }.joined(separator: "\n"))
                failure.addAttribute(XMLNode.attribute(withName: "message", stringValue: failed.map { "[\($0.rule)] \($0.message)" }.joined(separator: "; ")) as! XMLNode)
                failure.addAttribute(XMLNode.attribute(withName: "type", stringValue: failed.map(\.rule).joined(separator: ",")) as! XMLNode)
                element.addChild(failure)
            }
            let others = findings.filter { !failing($0) }
            if !others.isEmpty {
                element.addChild(XMLElement(name: "system-out", stringValue: others.map { "\($0.severity.rawValue): \($0.message) [\($0.rule)]" }.joined(separator: "\n")))
            }
            return element
        }
        var cases: [XMLElement] = []
        for error in report.inputErrors { cases.append(testcase(classname: error.file, name: "read \(error.file)", findings: [error])) }
        for object in report.objects { cases.append(testcase(classname: object.file, name: object.identity, findings: object.findings)) }
        suite.addAttribute(XMLNode.attribute(withName: "name", stringValue: "aci-admission check") as! XMLNode)
        suite.addAttribute(XMLNode.attribute(withName: "tests", stringValue: String(cases.count)) as! XMLNode)
        suite.addAttribute(XMLNode.attribute(withName: "failures", stringValue: String(failures)) as! XMLNode)
        suite.addAttribute(XMLNode.attribute(withName: "errors", stringValue: "0") as! XMLNode)
        for element in cases { suite.addChild(element) }
        let root = XMLElement(name: "testsuites")
        root.addChild(suite)
        let document = XMLDocument(rootElement: root)
        document.version = "1.0"
        document.characterEncoding = "UTF-8"
        return document.xmlString(options: [.nodePrettyPrint]) + "\n"
    }

    // MARK: SARIF 2.1.0

    struct SARIFLog: Encodable {
        var schema = "https://json.schemastore.org/sarif-2.1.0.json"
        var version = "2.1.0"
        var runs: [Run]
        enum CodingKeys: String, CodingKey { case schema = "$schema", version, runs }

        struct Run: Encodable {
            var tool: Tool
            var results: [Result]
        }
        struct Tool: Encodable { var driver: Driver }
        struct Driver: Encodable {
            var name = "aci-admission"
            var informationUri = "https://github.com/aci-admission/aci-admission"
            var rules: [Rule]
        }
        struct Rule: Encodable {
            var id: String
            var name: String
            var shortDescription: Text
            var defaultConfiguration: Configuration
        }
        struct Configuration: Encodable { var level: String }
        struct Text: Encodable { var text: String }
        struct Result: Encodable {
            var ruleId: String
            var ruleIndex: Int
            var level: String
            var message: Text
            var locations: [Location]
        }
        struct Location: Encodable { var physicalLocation: PhysicalLocation }
        struct PhysicalLocation: Encodable {
            var artifactLocation: ArtifactLocation
            var region: Region
        }
        struct ArtifactLocation: Encodable { var uri: String }
        struct Region: Encodable {
            var startLine: Int
            var startColumn: Int
        }
    }

    static let ruleDescriptions: [String: String] = [
        "split-epg": "A selector takes part of an endpoint group; contracts work on whole EPGs",
        "named-port": "A named port; contract filters need port numbers",
        "sctp-port": "SCTP limited to ports; ACI filters match ports for TCP and UDP only",
        "invalid-port": "A port, protocol or endPort the apiserver rejects",
        "invalid-selector": "A label selector the apiserver rejects",
        "invalid-peer": "A NetworkPolicy peer the apiserver rejects",
        "ipblock-except": "ipBlock with except cannot be expressed exactly yet",
        "ipblock-invalid": "ipBlock cidr is not a valid network prefix",
        "ipblock-outside-external-prefixes": "ipBlock outside the policy file's externalPrefixes",
        "ipblock-overlaps-cluster": "ipBlock overlaps the pod or node network",
        "ipblock-without-l3out": "ipBlock needs fabric.l3out in the policy file",
        "peer-contract-mismatch": "Traffic to a peer that its existing contracts cannot grant exactly",
        "peer-ingress": "Ingress from peer pods only; their EPG cannot consume a contract",
        "unmanaged-namespace": "Selects pods of an exempt namespace whose EPG is unknown",
        "shared-epg-intra": "Restricts traffic inside an EPG aci-admission does not own",
        "foreign-epg-annotation": "A hand-written EPG annotation the policy does not allow",
        "not-enforced": "A NetworkPolicy in a namespace aci-admission does not enforce",
        "input-error": "The manifest cannot be read",
    ]

    static func sarifLevel(_ severity: Finding.Severity) -> String {
        switch severity {
        case .error: return "error"
        case .warning: return "warning"
        case .note: return "note"
        }
    }

    static func sarif(_ report: CheckReport) -> String {
        let findings = report.findings
        let ruleIds = Array(Set(findings.map(\.rule))).sorted()
        let rules = ruleIds.map { id in
            SARIFLog.Rule(id: id, name: id.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(),
                          shortDescription: .init(text: ruleDescriptions[id] ?? id),
                          defaultConfiguration: .init(level: sarifLevel(findings.first { $0.rule == id }!.severity)))
        }
        let results = findings.map { finding in
            SARIFLog.Result(ruleId: finding.rule, ruleIndex: ruleIds.firstIndex(of: finding.rule)!, level: sarifLevel(finding.severity),
                            message: .init(text: (finding.kind.isEmpty ? "" : "\(finding.identity): ") + finding.message + " Fix: " + finding.fix),
                            locations: [.init(physicalLocation: .init(artifactLocation: .init(uri: uri(finding.file)),
                                                                      region: .init(startLine: max(1, finding.line), startColumn: max(1, finding.column))))])
        }
        return encode(SARIFLog(runs: [.init(tool: .init(driver: .init(rules: rules)), results: results)]))
    }

    /// A relative URI for a path (code scanning resolves it against the repository root).
    static func uri(_ path: String) -> String {
        var relative = path
        if relative.hasPrefix("./") { relative.removeFirst(2) }
        return relative.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? relative
    }

    // MARK: GitHub workflow commands

    static func github(_ report: CheckReport) -> String {
        func escapeData(_ text: String) -> String {
            text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
        }
        func escapeProperty(_ text: String) -> String {
            escapeData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
        }
        var out = ""
        for finding in report.findings {
            let command: String
            switch finding.severity {
            case .error: command = "error"
            case .warning: command = "warning"
            case .note: command = "notice"
            }
            let title = finding.kind.isEmpty ? finding.rule : "\(finding.rule): \(finding.identity)"
            out += "::\(command) file=\(escapeProperty(finding.file)),line=\(finding.line),col=\(finding.column),title=\(escapeProperty(title))::"
            out += escapeData("\(finding.message)\nfix: \(finding.fix)") + "\n"
        }
        out += "\(report.objects.count) objects checked: \(report.errorCount) errors, \(report.warningCount) warnings, \(report.noteCount) notes\n"
        return out
    }
}
