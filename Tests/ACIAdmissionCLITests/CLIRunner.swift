import Foundation
import TestSupport

/// Runs the real `aci-admission` binary that `swift build` produced, from the package root.
enum CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var binary: URL {
        var directory = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("aci-admission")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/aci-admission")
    }

    static func run(_ arguments: [String], stdin: String? = nil) throws -> Result {
        let output = try Subprocess.runBlocking(executable: binary, arguments, stdin: stdin.map { Data($0.utf8) }, directory: packageRoot)
        return Result(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }

    /// Compares with a golden file; `UPDATE_GOLDEN=1 swift test` rewrites them (review the diff).
    static func golden(_ name: String, _ actual: String) throws -> String {
        let url = goldenDirectory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try actual.write(to: url, atomically: true, encoding: .utf8)
        }
        return try String(contentsOf: url, encoding: .utf8)
    }
}
