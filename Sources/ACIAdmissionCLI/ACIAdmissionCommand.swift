import ArgumentParser
import EPGPolicy
import Foundation

/// `aci-admission`: the root command. Exit codes across every subcommand: 0 ok, 1 findings,
/// 2 usage or configuration error.
public struct ACIAdmissionCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "aci-admission",
        abstract: "Kubernetes admission and policy for Cisco ACI fabrics: EPG annotations and NetworkPolicies as contracts.",
        discussion: """
        Exit status: 0 success, 1 findings (e.g. a rejected object), 2 usage or configuration error.
        """,
        subcommands: [ServeCommand.self, APICSimCommand.self, PolicyCommand.self, ExplainCommand.self, PlanCommand.self, CheckCommand.self, TestCommand.self])

    public init() {}

    /// Runs the command line like `main()`, but reports usage errors with exit status 2
    /// (ArgumentParser's default is 64) so that every subcommand follows the project's convention.
    public static func mainWithProjectExitCodes(_ arguments: [String]? = nil) async {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code.rawValue == 64 {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}

/// The project's exit statuses.
public enum ExitStatus: Int32 {
    case ok = 0
    case findings = 1
    case usage = 2

    var code: ExitCode { ExitCode(rawValue) }
}

public enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text, json
}

/// Loads the policy file for a command, or prints its diagnostics and exits with status 2.
func loadPolicyOrExit(_ path: String) throws -> Policy {
    let loaded = PolicyLoader.load(file: path)
    guard let policy = loaded.policy else {
        printError(loaded.diagnostics.map(\.description).joined(separator: "\n"))
        printError("\(path): invalid policy; run `aci-admission policy lint \(path)` for details")
        throw ExitStatus.usage.code
    }
    for warning in loaded.warnings { printError(warning.description) }
    return policy
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// `--listen HOST:PORT` (`[::1]:8443` for IPv6).
struct ListenAddress {
    var host: String
    var port: Int

    init(_ text: String) throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:8443; got \"\(text)\"")
        }
        host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        self.port = port
    }
}
