import ArgumentParser
import EPGPolicy
import Foundation

struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Work with the policy file.",
        subcommands: [PolicyLintCommand.self])
}

struct PolicyLintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Validate a policy file and prove its EPG names cannot collide.",
        discussion: """
        Prints every problem as FILE:LINE:COLUMN: severity: message, with a hint where one helps.
        Exit status: 0 when the policy is valid (warnings allowed), 2 when it has errors.
        """)

    @Argument(help: "The policy file (YAML).")
    var file: String

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: OutputFormat = .text

    func run() async throws {
        let result = PolicyLoader.load(file: file)
        print(PolicyLintReport.render(result, file: file, format: output), terminator: "")
        if !result.errors.isEmpty { throw ExitStatus.usage.code }
    }
}

/// Renders lint results.
public enum PolicyLintReport {
    public static func render(_ result: PolicyLoadResult, file: String, format: OutputFormat) -> String {
        switch format {
        case .text:
            var lines = result.diagnostics.map(\.description)
            let counts = "\(result.errors.count) error\(result.errors.count == 1 ? "" : "s"), \(result.warnings.count) warning\(result.warnings.count == 1 ? "" : "s")"
            if let policy = result.policy {
                lines.append("\(file): valid (\(counts)); policy hash \(policy.hash)")
            } else {
                lines.append("\(file): invalid (\(counts))")
            }
            return lines.joined(separator: "\n") + "\n"
        case .json:
            struct Document: Encodable {
                var file: String
                var valid: Bool
                var hash: String?
                var diagnostics: [Entry]
            }
            struct Entry: Encodable {
                var file: String
                var line: Int
                var column: Int
                var severity: String
                var message: String
                var hint: String?
            }
            let document = Document(
                file: file, valid: result.policy != nil, hash: result.policy?.hash,
                diagnostics: result.diagnostics.map {
                    Entry(file: $0.location.file, line: $0.location.line, column: $0.location.column,
                          severity: $0.severity.rawValue, message: $0.message, hint: $0.hint)
                })
            return JSONOutput.encode(document)
        }
    }
}

enum JSONOutput {
    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(value), as: UTF8.self) + "\n"
    }
}
