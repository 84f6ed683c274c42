import Crypto
import EPGPolicy
import Foundation
import Logging
import NIOConcurrencyHelpers

/// The active policy: loaded at start, hot-reloaded when the file changes (a ConfigMap mount swaps
/// a symlink: the file is re-read, not watched by inode), never replaced by a file that fails
/// validation. The last good policy is persisted so that a restart with a broken file still serves it.
public final class PolicyStore: Sendable {
    public enum Origin: Sendable, Equatable {
        case file(String)
        case builtIn
    }

    public struct ReloadOutcome: Sendable, Equatable {
        public var changed: Bool
        public var errors: [String]
    }

    private let origin: Origin
    private let stateFile: String?
    private let logger: Logger
    private let state: NIOLockedValueBox<(policy: Policy, text: String)>
    /// The contents of the last file rejected, so that one bad edit is reported once, not every poll.
    private let lastRejected = NIOLockedValueBox<String?>(nil)

    public var policy: Policy { state.withLockedValue { $0.policy } }

    /// The policy `serve` uses without `--policy`: one EPG per namespace.
    public static let builtInPolicy = """
    apiVersion: aci-admission/v1
    kind: EPGPolicy
    # Built-in default: every namespace gets its own EPG (namespace isolation).
    fabric:
      clusterName: kube
      tenant: kube
      applicationProfile: aci-admission
      bridgeDomain: aci-containers-kube-pod-bd
      vmmDomain: {type: Kubernetes, name: kube}
      podCIDRs: [10.2.0.0/16]
      nodeCIDRs: [10.1.0.0/24]
    defaults:
      isolation: namespace
    exempt:
      namespaces: [aci-admission, kube-system]

    """

    /// - Parameter stateDirectory: where the last good policy is kept (nil: not persisted).
    public init(origin: Origin, stateDirectory: String?, logger: Logger) throws {
        self.origin = origin
        self.logger = logger
        stateFile = stateDirectory.map { ($0 as NSString).appendingPathComponent("last-good-policy.yaml") }
        switch origin {
        case .builtIn:
            let policy = try PolicyLoader.load(text: PolicyStore.builtInPolicy, source: "<built-in>").get()
            state = NIOLockedValueBox((policy, PolicyStore.builtInPolicy))
        case .file(let path):
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            let result = PolicyLoader.load(text: text, source: path)
            if let policy = result.policy {
                state = NIOLockedValueBox((policy, text))
                persist(text)
            } else if let stateFile, let saved = try? String(contentsOfFile: stateFile, encoding: .utf8),
                      let policy = PolicyLoader.load(text: saved, source: path).policy {
                logger.error("policy file is invalid; serving the last good policy persisted in \(stateFile)",
                             metadata: ["errors": .string(result.errors.map(\.description).joined(separator: " | ")), "policy_hash": .string(policy.hash)])
                state = NIOLockedValueBox((policy, saved))
            } else {
                throw ServerConfigurationError("\(path): invalid policy and no last good policy to fall back to:\n" + result.diagnostics.map(\.description).joined(separator: "\n"))
            }
        }
    }

    /// Re-reads the file; a valid new policy replaces the active one, an invalid one is reported
    /// (with FILE:LINE:COLUMN) and ignored.
    @discardableResult
    public func reload() -> ReloadOutcome {
        guard case .file(let path) = origin else { return ReloadOutcome(changed: false, errors: []) }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return ReloadOutcome(changed: false, errors: ["\(path): cannot read the policy file"])
        }
        if state.withLockedValue({ $0.text == text }) || lastRejected.withLockedValue({ $0 == text }) {
            return ReloadOutcome(changed: false, errors: [])
        }
        let result = PolicyLoader.load(text: text, source: path)
        guard let policy = result.policy else {
            lastRejected.withLockedValue { $0 = text }
            return ReloadOutcome(changed: false, errors: result.errors.map(\.description))
        }
        state.withLockedValue { $0 = (policy, text) }
        persist(text)
        return ReloadOutcome(changed: true, errors: [])
    }

    private func persist(_ text: String) {
        guard let stateFile else { return }
        do {
            try FileManager.default.createDirectory(atPath: (stateFile as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: stateFile, atomically: true, encoding: .utf8)
        } catch {
            logger.warning("cannot persist the last good policy", metadata: ["file": .string(stateFile), "error": .string("\(error)")])
        }
    }
}
