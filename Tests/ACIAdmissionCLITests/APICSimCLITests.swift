import Foundation
import Testing
import TestSupport

/// `aci-admission apic-sim` as a newcomer runs it: the real binary, plain HTTP, curl as the client;
/// SIGTERM saves the tree to --state and a restart serves it again.
@Suite(.serialized) struct APICSimCLITests {
    final class Running: @unchecked Sendable {
        let process = Process()
        var address = ""
        private let lines = Pipe()

        init(_ arguments: [String]) throws {
            process.executableURL = CLI.binary
            process.arguments = ["apic-sim", "--plain", "--listen", "127.0.0.1:0"] + arguments
            process.standardError = lines
            process.standardOutput = lines
            try process.run()
            var seen = ""
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                let chunk = lines.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                seen += String(decoding: chunk, as: UTF8.self)
                if let range = seen.range(of: #"address=\[IPv4\]127\.0\.0\.1/127\.0\.0\.1:\d+"#, options: .regularExpression) {
                    address = "127.0.0.1:" + seen[range].split(separator: ":").last!
                    output = seen
                    return
                }
            }
            output = seen
        }

        var output = ""

        func stop() -> Int32 {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    static func curl(_ arguments: [String]) throws -> String {
        try Subprocess.runBlocking("curl", ["-s", "--max-time", "20"] + arguments).stdout
    }

    @Test func runsLoginsWritesAndKeepsItsStateAcrossRestarts() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("apic-sim-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let users = directory.appendingPathComponent("users.yaml").path
        try "users:\n  - name: admin\n    password: cli-pass\n".write(toFile: users, atomically: true, encoding: .utf8)
        let state = directory.appendingPathComponent("state.json").path
        let jar = directory.appendingPathComponent("jar").path

        let first = try Running(["--users", users, "--state", state, "--fault", "reject=tn-frozen"])
        #expect(!first.address.isEmpty, "\(first.output)")
        let base = "http://\(first.address)"
        #expect(try Self.curl(["-c", jar, "-d", #"{"aaaUser":{"attributes":{"name":"admin","pwd":"cli-pass"}}}"#, "\(base)/api/aaaLogin.json"]).contains(#""aaaLogin""#))
        #expect(try Self.curl(["-b", jar, "-d", #"{"fvTenant":{"attributes":{"name":"kept"}}}"#, "\(base)/api/mo/uni.json"]) == #"{"totalCount":"0","imdata":[]}"#)
        #expect(try Self.curl(["-b", jar, "-d", #"{"fvTenant":{"attributes":{"name":"frozen"}}}"#, "\(base)/api/mo/uni.json"]).contains(#""code":"120""#))
        #expect(first.stop() == 0)
        #expect(try String(contentsOfFile: state, encoding: .utf8).contains(#""dn": "uni/tn-kept""#))

        let second = try Running(["--users", users, "--state", state])
        defer { _ = second.stop() }
        let again = "http://\(second.address)"
        _ = try Self.curl(["-c", jar, "-d", #"{"aaaUser":{"attributes":{"name":"admin","pwd":"cli-pass"}}}"#, "\(again)/api/aaaLogin.json"])
        #expect(try Self.curl(["-b", jar, "\(again)/api/mo/uni/tn-kept.json?rsp-prop-include=naming-only"]).contains(#""name":"kept""#))
    }

    @Test func badFaultsAndUsersFilesAreUsageErrors() throws {
        let fault = try CLI.run(["apic-sim", "--plain", "--fault", "unavailable=2"])
        #expect(fault.status == 2)
        #expect(fault.stderr.contains("not a share between 0 and 1"))
        let users = try CLI.run(["apic-sim", "--plain", "--users", "/nonexistent/users.yaml"])
        #expect(users.status == 2)
        #expect(users.stderr.contains("cannot read --users"))
    }
}
