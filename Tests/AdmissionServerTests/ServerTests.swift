import AdmissionEngine
import EPGPolicy
import Foundation
import Hummingbird
import Logging
import NIOCore
import Testing
import TestSupport
@testable import AdmissionServer

/// A real server on an ephemeral port, talked to with curl and openssl.
final class TestServer: @unchecked Sendable {
    let directory: URL
    let caFile: String
    let policyFile: String
    let sink = InMemoryChangeSink()
    var port = 0
    private var task: Task<Void, Error>?

    init(policy: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        caFile = directory.appendingPathComponent("ca.pem").path
        policyFile = directory.appendingPathComponent("policy.yaml").path
        try policy.write(toFile: policyFile, atomically: true, encoding: .utf8)
    }

    func start(material: EphemeralCertificates.Material? = nil, certificateFiles: (String, String)? = nil, clientCA: String? = nil,
               maxConcurrent: Int = 256, timeouts: (handshake: Duration, idle: Duration, body: Duration)? = nil) async throws {
        let material = try material ?? EphemeralCertificates.make()
        try material.caPEM.write(toFile: caFile, atomically: true, encoding: .utf8)
        let logger = Logger(label: "test")
        let certificates = try certificateFiles.map { try CertificateReloader(.files(certificate: $0.0, key: $0.1)) }
            ?? CertificateReloader(.inMemory(certificatePEM: material.certificatePEM, privateKeyPEM: material.privateKeyPEM))
        var configuration = AdmissionHTTPServer.Configuration()
        configuration.port = 0
        configuration.reloadInterval = .milliseconds(200)
        configuration.bodyLimit = 1024 * 1024
        configuration.clientCA = clientCA
        configuration.maxConcurrentRequests = maxConcurrent
        if let timeouts {
            (configuration.handshakeTimeout, configuration.idleTimeout, configuration.bodyTimeout) = timeouts
        }
        let sink = self.sink
        let server = AdmissionHTTPServer(configuration: configuration,
                                         policies: try PolicyStore(origin: .file(policyFile), stateDirectory: directory.appendingPathComponent("state").path, logger: logger),
                                         certificates: certificates, sink: sink, snapshot: { .init(inventory: sink.inventory) }, logger: logger)
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = try server.application { channel in continuation.yield(channel.localAddress?.port ?? 0) }
        task = Task { try await app.runService() }
        for await bound in stream {
            port = bound
            break
        }
        // Ready when it answers (the test run may be loading both cores with other suites).
        for _ in 0..<(clientCA == nil ? 60 : 0) {
            if (try? await curl(["\(base)/healthz"]).status) == 200 { return }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    func stop() {
        task?.cancel()
        try? FileManager.default.removeItem(at: directory)
    }

    var base: String { "https://127.0.0.1:\(port)" }

    static func run(_ tool: String, _ arguments: [String], stdin: String? = nil) async throws -> SubprocessOutput {
        try await Subprocess.run(tool, arguments, stdin: stdin.map { Data($0.utf8) })
    }

    /// curl with the test CA; prints the body, then a line with the HTTP version and status.
    func curl(_ arguments: [String]) async throws -> (body: String, version: String, status: Int) {
        let output = try await TestServer.run("curl", ["-s", "--max-time", "60", "--cacert", caFile, "-w", "\n%{http_version} %{http_code}"] + arguments)
        var lines = output.stdout.components(separatedBy: "\n")
        let last = lines.removeLast().split(separator: " ")
        return (lines.joined(separator: "\n"), last.first.map(String.init) ?? "", Int(last.last ?? "0") ?? 0)
    }
}

extension TestServer {
    /// Runs one of the hostile clients in Peers/hostile_client.py and returns what it printed.
    func hostile(_ mode: String, _ argument: Int? = nil) async throws -> [String: Any] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Peers/hostile_client.py").path
        let output = try await TestServer.run("python3", [script, mode, String(port), caFile] + (argument.map { [String($0)] } ?? []))
        let object = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
        return try #require(object, "\(mode): \(output.stdout) \(output.stderr)")
    }
}

enum ServerFixtures {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/baselines/go-webhook/fixtures")
    static var deployment: String { fixtures.appendingPathComponent("deployment-create.json").path }
    static let policy = PolicyStore.builtInPolicy.replacingOccurrences(of: "defaults:\n  isolation: namespace\n", with: "defaults:\n  isolation: deployment\n  groupBy: [app]\n")
}

@Suite(.serialized) struct ServerTests {
    @Test func realClientsOverHTTP1AndHTTP2() async throws {
        let server = try TestServer(policy: ServerFixtures.policy)
        try await server.start()
        defer { server.stop() }
        for version in ["--http1.1", "--http2"] {
            let result = try await server.curl([version, "-H", "Content-Type: application/json", "--data-binary", "@\(ServerFixtures.deployment)", "\(server.base)/mutate"])
            #expect(result.status == 200)
            #expect(result.version == (version == "--http2" ? "2" : "1.1"))
            let body = try JSONSerialization.jsonObject(with: Data(result.body.utf8)) as! [String: Any]
            let response = body["response"] as! [String: Any]
            #expect(response["uid"] as? String == "0f8a3c1e-5d2b-4e7a-9c6f-3b1d2a4e5f60")
            #expect(response["patchType"] as? String == "JSONPatch")
            #expect((response["auditAnnotations"] as? [String: String])?["epg"] == "kube/aci-admission/shop.web")
        }
        // The admitted Deployment reached the hand-off once per request.
        #expect(server.sink.changes.filter { $0.kind == "Deployment" }.count == 2)
        let validate = try await server.curl(["-H", "Content-Type: application/json", "--data-binary", "@\(ServerFixtures.deployment)", "\(server.base)/validate"])
        let response = (try JSONSerialization.jsonObject(with: Data(validate.body.utf8)) as! [String: Any])["response"] as! [String: Any]
        #expect(response["patch"] == nil && response["allowed"] as? Bool == true)
    }

    @Test func tlsVersionsAndALPN() async throws {
        let server = try TestServer(policy: ServerFixtures.policy)
        try await server.start()
        defer { server.stop() }
        let old = try await TestServer.run("openssl", ["s_client", "-connect", "127.0.0.1:\(server.port)", "-tls1_1"], stdin: "")
        #expect(old.stdout.contains("Cipher is (NONE)") || old.stderr.contains("alert"))
        let modern = try await TestServer.run("openssl", ["s_client", "-connect", "127.0.0.1:\(server.port)", "-tls1_3", "-alpn", "h2", "-CAfile", server.caFile], stdin: "")
        #expect(modern.stdout.contains("ALPN protocol: h2"))
        #expect(modern.stdout.contains("Verify return code: 0 (ok)"))
        let h1 = try await TestServer.run("openssl", ["s_client", "-connect", "127.0.0.1:\(server.port)", "-alpn", "http/1.1", "-CAfile", server.caFile], stdin: "")
        #expect(h1.stdout.contains("ALPN protocol: http/1.1"))
    }

    @Test func badInputGetsTheDocumentedStatusAndTheServerStaysUp() async throws {
        let server = try TestServer(policy: ServerFixtures.policy)
        try await server.start()
        defer { server.stop() }
        let json = ["-H", "Content-Type: application/json"]
        func review(_ request: String, close: Bool = true) -> String {
            #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"# + request + (close ? "}}" : "")
        }
        let nested = server.directory.appendingPathComponent("nested.json").path
        try Data(review(#""uid":"u","operation":"CREATE","object":{"x":"# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}").utf8)
            .write(to: URL(fileURLWithPath: nested))
        let invalidUTF8 = server.directory.appendingPathComponent("invalid-utf8.json").path
        try (Data(review(#""uid":"u","operation":"CREATE","name":""#, close: false).utf8) + Data([0xC3, 0x28, 0xFF]) + Data(#""}}"#.utf8))
            .write(to: URL(fileURLWithPath: invalidUTF8))
        let binary = server.directory.appendingPathComponent("binary.json").path
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: URL(fileURLWithPath: binary))
        let cases: [([String], Int, String)] = [
            (["--data-binary", "@\(ServerFixtures.deployment)", "\(server.base)/mutate"], 415, "Content-Type must be application/json"),
            (["-H", "Content-Type: text/plain", "--data-binary", "@\(ServerFixtures.deployment)", "\(server.base)/mutate"], 415, ""),
            (["\(server.base)/mutate"], 405, "use POST"),
            (["-X", "PUT", "\(server.base)/validate"], 405, "use POST"),
            (json + ["--data", "", "\(server.base)/mutate"], 400, "empty body"),
            (json + ["--data", "{\"apiVersion\":", "\(server.base)/mutate"], 400, "not valid JSON"),
            (json + ["--data", "[1,2,3]", "\(server.base)/validate"], 400, "the body must be a JSON object"),
            (json + ["--data", "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"operation\":\"CREATE\"}}", "\(server.base)/mutate"], 400, "request.uid is required"),
            (json + ["--data", "{\"apiVersion\":\"v9\",\"kind\":\"AdmissionReview\",\"request\":{}}", "\(server.base)/mutate"], 400, "is not supported"),
            (json + ["--http1.0", "--data", "{}", "\(server.base)/mutate"], 400, "apiVersion is required"),
            (["\(server.base)/nowhere"], 404, ""),
            (json + ["--data-binary", "@\(ServerFixtures.deployment)", "\(server.base)/mutate?timeout=soon"], 400, "is not a duration"),
            (json + ["--data-binary", "@\(ServerFixtures.deployment)", "\(server.base)/mutate?timeout=0s"], 400, "is not a duration"),
            (json + ["--data-binary", "@\(ServerFixtures.deployment)", "\(server.base)/mutate?timeout=10s"], 200, "\"patchType\":\"JSONPatch\""),
            (json + ["--data-binary", "@\(ServerFixtures.deployment)", "\(server.base)/mutate?timeout=-5s"], 400, "is not a duration"),
            (json + ["--data", "{}", "\(server.base)/validate"], 400, "apiVersion is required"),
            (json + ["--data", #"{"apiVersion":"admission.k8s.io/v1"}"#, "\(server.base)/mutate"], 400, "kind is required"),
            (json + ["--data", #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#, "\(server.base)/mutate"], 400, "request is required"),
            (json + ["--data", #"{"apiVersion":"admission.k8s.io/v1","kind":"Pod","request":{}}"#, "\(server.base)/mutate"], 400, "kind \"Pod\" is not AdmissionReview"),
            (json + ["--data", #"{"apiVersion":7,"kind":"AdmissionReview"}"#, "\(server.base)/mutate"], 400, "apiVersion has the wrong type: expected a string"),
            (json + ["--data", review(#""uid":7,"operation":"CREATE""#), "\(server.base)/mutate"], 400, "request.uid has the wrong type: expected a string"),
            (json + ["--data", review(#""uid":"","operation":"CREATE""#), "\(server.base)/mutate"], 400, "request.uid is empty"),
            (json + ["--data", review(#""uid":"u","operation":"PATCH""#), "\(server.base)/mutate"], 400, "request.operation \"PATCH\" is not one of"),
            (json + ["--data", review(#""uid":"u","operation":"CREATE","object":"a pod""#), "\(server.base)/mutate"], 400, "request.object must be an object or null"),
            (json + ["--data", review(#""uid":"u","operation":"CREATE","dryRun":"yes""#), "\(server.base)/mutate"], 400, "request.dryRun has the wrong type: expected a boolean"),
            (json + ["--data", review(#""uid":"u","operation":"CREATE","userInfo":{"groups":"admins"}"#), "\(server.base)/mutate"], 400, "request.userInfo.groups has the wrong type"),
            (json + ["--data", review(#""uid":"u","operation":"CREATE","kind":{"kind":"Pod"},"object":{"metadata":{"labels":{"app":7}}}"#), "\(server.base)/mutate"],
             400, "request.object.metadata.labels.app has the wrong type: expected a string"),
            (json + ["--data", review(#""uid":"u","operation":"CREATE","kind":{"kind":"Deployment"},"object":{"metadata":[]}"#), "\(server.base)/validate"],
             400, "request.object.metadata has the wrong type: expected an object"),
            (json + ["--data", review(#""uid":"u","operation":"CREATE"}}trailing"#, close: false), "\(server.base)/mutate"], 400, "not valid JSON"),
            (json + ["--data-binary", "@\(nested)", "\(server.base)/mutate"], 400, "not valid JSON"),
            (json + ["--data-binary", "@\(invalidUTF8)", "\(server.base)/mutate"], 400, "not valid JSON"),
            (json + ["--data-binary", "@\(binary)", "\(server.base)/mutate"], 400, "not valid JSON"),
            // Valid edge cases: DELETE (null object), unknown kinds with odd shapes, charset parameter, chunked upload, h2.
            (json + ["--data", review(#""uid":"d","operation":"DELETE","kind":{"kind":"Deployment"},"namespace":"shop","object":null,"oldObject":{"metadata":{"name":"web"}}"#),
                     "\(server.base)/mutate"], 200, "\"allowed\":true"),
            (json + ["--data", review(#""uid":"w","operation":"CREATE","kind":{"kind":"Widget"},"object":{"metadata":{"labels":{"n":7}},"spec":[1,2]}"#),
                     "\(server.base)/mutate"], 200, "\"allowed\":true"),
            (["-H", "Content-Type: application/json; charset=utf-8", "--data-binary", "@\(ServerFixtures.deployment)", "\(server.base)/mutate"], 200, "\"patch\""),
            (json + ["-H", "Transfer-Encoding: chunked", "--data-binary", "@\(ServerFixtures.deployment)", "\(server.base)/mutate"], 200, "\"patch\""),
            (["--http2", "-H", "Content-Type: text/xml", "--data", "<x/>", "\(server.base)/validate"], 415, "Content-Type must be application/json"),
            (["--head", "\(server.base)/mutate"], 405, ""),
            (["--http1.1", "--head", "\(server.base)/validate"], 405, ""),
            // Headers beyond NIO's parser limit (80 KiB): the connection is closed without an answer.
            (["-H", "X-Huge: \(String(repeating: "h", count: 120_000))", "\(server.base)/healthz"], 0, ""),
        ]
        for (arguments, status, text) in cases {
            let result = try await server.curl(arguments)
            let shown = arguments.map { $0.count > 200 ? $0.prefix(200) + "…" : $0 }
            #expect(result.status == status, "\(shown): \(result.body)")
            #expect(text.isEmpty || result.body.contains(text), "\(shown): \(result.body)")
        }
        #expect(cases.count >= 40)
        // Oversized body: 413.
        let big = server.directory.appendingPathComponent("big.json").path
        try String(repeating: "x", count: 2 * 1024 * 1024).write(toFile: big, atomically: true, encoding: .utf8)
        #expect(try await server.curl(json + ["--data-binary", "@\(big)", "\(server.base)/mutate"]).status == 413)
        // Garbage instead of a TLS handshake: the connection is dropped, the server carries on.
        _ = try await TestServer.run("curl", ["-s", "--max-time", "5", "http://127.0.0.1:\(server.port)/healthz"])
        #expect(try await server.curl(["\(server.base)/healthz"]).status == 200)
    }

    @Test func certificateRotationWithoutRestart() async throws {
        let server = try TestServer(policy: ServerFixtures.policy)
        let first = try EphemeralCertificates.make()
        let certificate = server.directory.appendingPathComponent("tls.crt").path, key = server.directory.appendingPathComponent("tls.key").path
        try first.certificatePEM.write(toFile: certificate, atomically: true, encoding: .utf8)
        try first.privateKeyPEM.write(toFile: key, atomically: true, encoding: .utf8)
        try await server.start(material: first, certificateFiles: (certificate, key))
        defer { server.stop() }
        #expect(try await server.curl(["\(server.base)/healthz"]).status == 200)
        // Rotate to a certificate from another CA: new connections must see it.
        let second = try EphemeralCertificates.make()
        try second.privateKeyPEM.write(toFile: key, atomically: true, encoding: .utf8)
        try second.certificatePEM.write(toFile: certificate, atomically: true, encoding: .utf8)
        try second.caPEM.write(toFile: server.caFile, atomically: true, encoding: .utf8)
        var status = 0
        for _ in 0..<50 where status != 200 {
            try await Task.sleep(for: .milliseconds(100))
            status = try await server.curl(["\(server.base)/healthz"]).status
        }
        #expect(status == 200, "the rotated certificate was not picked up")
    }

    @Test func policyHotReloadKeepsTheLastGoodPolicy() async throws {
        let server = try TestServer(policy: ServerFixtures.policy)
        try await server.start()
        defer { server.stop() }
        let before = try await server.curl(["\(server.base)/readyz"]).body
        // An invalid file is rejected and the active policy stays.
        try "apiVersion: aci-admission/v1\nkind: EPGPolicy\nfabric: {}\n".write(toFile: server.policyFile, atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(800))
        #expect(try await server.curl(["\(server.base)/readyz"]).body == before)
        let metrics = try await server.curl(["\(server.base)/metrics"]).body
        #expect(metrics.contains("aci_admission_policy_reloads_total{result=\"failed\"}"))
        // A valid change is applied.
        try PolicyStore.builtInPolicy.write(toFile: server.policyFile, atomically: true, encoding: .utf8)
        var after = before
        for _ in 0..<30 where after == before {
            try await Task.sleep(for: .milliseconds(100))
            after = try await server.curl(["\(server.base)/readyz"]).body
        }
        #expect(after != before)
        let info = try await server.curl(["\(server.base)/metrics"]).body.split(separator: "\n").filter { $0.hasPrefix("aci_admission_policy_info{") }
        #expect(info.count == 2 && info.filter { $0.hasSuffix(" 1.0") }.count == 1, "\(info)")
        let result = try await server.curl(["-H", "Content-Type: application/json", "--data-binary", "@\(ServerFixtures.deployment)", "\(server.base)/mutate"])
        #expect(result.body.contains("\"epg\":\"kube/aci-admission/shop\""))  // namespace isolation now
    }

    @Test func mutualTLSRequiresAClientCertificateFromTheConfiguredCA() async throws {
        let server = try TestServer(policy: ServerFixtures.policy)
        let client = try EphemeralCertificates.make(hosts: ["kube-apiserver"], clientAuth: true)
        let clientCA = server.directory.appendingPathComponent("client-ca.pem").path
        let clientCert = server.directory.appendingPathComponent("client.crt").path, clientKey = server.directory.appendingPathComponent("client.key").path
        try client.caPEM.write(toFile: clientCA, atomically: true, encoding: .utf8)
        try client.certificatePEM.write(toFile: clientCert, atomically: true, encoding: .utf8)
        try client.privateKeyPEM.write(toFile: clientKey, atomically: true, encoding: .utf8)
        try await server.start(clientCA: clientCA)
        defer { server.stop() }
        var accepted = 0
        for _ in 0..<60 where accepted != 200 {
            accepted = try await server.curl(["--cert", clientCert, "--key", clientKey, "\(server.base)/healthz"]).status
            if accepted != 200 { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(accepted == 200)
        #expect(try await server.curl(["\(server.base)/healthz"]).status == 0)  // no client certificate: handshake refused
        // A client certificate from another CA is refused too.
        let stranger = try EphemeralCertificates.make(clientAuth: true)
        try stranger.certificatePEM.write(toFile: clientCert, atomically: true, encoding: .utf8)
        try stranger.privateKeyPEM.write(toFile: clientKey, atomically: true, encoding: .utf8)
        #expect(try await server.curl(["--cert", clientCert, "--key", clientKey, "\(server.base)/healthz"]).status == 0)
    }

    @Test func timeoutsParse() {
        #expect(AdmissionHTTPServer.parseTimeout("10s") == .seconds(10))
        #expect(AdmissionHTTPServer.parseTimeout("500ms") == .milliseconds(500))
        #expect(AdmissionHTTPServer.parseTimeout("1m") == .seconds(60))
        #expect(AdmissionHTTPServer.parseTimeout("-1s") == nil && AdmissionHTTPServer.parseTimeout("10") == nil)
    }

    @Test func beyondTheConcurrencyLimitRequestsFailFast() async throws {
        let server = try TestServer(policy: ServerFixtures.policy)
        try await server.start(maxConcurrent: 0)
        defer { server.stop() }
        let result = try await server.curl(["-H", "Content-Type: application/json", "--data-binary", "@\(ServerFixtures.deployment)", "\(server.base)/mutate"])
        #expect(result.status == 503 && result.body.contains("too many admission requests in flight"))
        #expect(try await server.curl(["\(server.base)/healthz"]).status == 200)
    }

    @Test func restartWithABrokenPolicyServesTheLastGoodOne() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString)").path
        let file = directory + "/policy.yaml"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try ServerFixtures.policy.write(toFile: file, atomically: true, encoding: .utf8)
        let good = try PolicyStore(origin: .file(file), stateDirectory: directory + "/state", logger: Logger(label: "t")).policy.hash
        try "not: [valid".write(toFile: file, atomically: true, encoding: .utf8)
        let restarted = try PolicyStore(origin: .file(file), stateDirectory: directory + "/state", logger: Logger(label: "t"))
        #expect(restarted.policy.hash == good)
        #expect(throws: ServerConfigurationError.self) { try PolicyStore(origin: .file(file), stateDirectory: nil, logger: Logger(label: "t")) }
    }
}

@Suite(.serialized) struct HostileClientTests {
    @Test func silentIdleAndSlowClientsAreCutOff() async throws {
        let server = try TestServer(policy: ServerFixtures.policy)
        try await server.start(timeouts: (handshake: .seconds(1), idle: .seconds(2), body: .seconds(1)))
        defer { server.stop() }
        // No TLS handshake at all: closed by the handshake deadline.
        let silent = try await server.hostile("silent")
        #expect((silent["closed_after"] as? Double ?? 99) < 5, "\(silent)")
        // A finished handshake, then nothing: closed by the idle timeout.
        let idle = try await server.hostile("idle-tls")
        #expect((idle["closed_after"] as? Double ?? 99) < 5, "\(idle)")
        // Headers, then a body that never finishes: 408 once the body timeout passes.
        let slow = try await server.hostile("slow-body", 5000)
        #expect((slow["status_line"] as? String)?.hasPrefix("HTTP/1.1 408") == true, "\(slow)")
        #expect((slow["headers"] as? [String])?.contains("connection: close") == true, "\(slow)")
        #expect((slow["after"] as? Double ?? 99) < 5, "\(slow)")
        #expect(try await server.curl(["\(server.base)/healthz"]).status == 200)
        // The same over HTTP/2: the stalled stream gets the 408's body, the connection goes on serving.
        let slowStream = try await server.hostile("slow-body-h2", 5000)
        #expect((slowStream["stream1"] as? String)?.contains("did not arrive within") == true, "\(slowStream)")
        #expect((slowStream["stream1_after"] as? Double ?? 99) < 5, "\(slowStream)")
        #expect(slowStream["stream3"] as? String == "ok\n", "\(slowStream)")
        // A client that hangs up mid-body: counted, and the server goes on.
        _ = try await server.hostile("abort-body", 5000)
        var counted = false
        for _ in 0..<50 where !counted {
            counted = try await server.curl(["\(server.base)/metrics"]).body.contains(#"aci_admission_bad_requests_total{reason="body-read"} 1"#)
            if !counted { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(counted)
    }

    @Test func http2RapidResetEndsTheConnectionNotTheServer() async throws {
        let server = try TestServer(policy: ServerFixtures.policy)
        try await server.start()
        defer { server.stop() }
        let result = try await server.hostile("rapid-reset", 5000)
        // GOAWAY with ENHANCE_YOUR_CALM (0xb) long before 5,000 streams were opened and cancelled.
        #expect(result["goaway"] as? Int == 0xB, "\(result)")
        #expect(try await server.curl(["--http2", "\(server.base)/healthz"]).status == 200)
    }

    @Test func h2loadManyConcurrentStreams() async throws {
        let server = try TestServer(policy: ServerFixtures.policy)
        try await server.start()
        defer { server.stop() }
        // 4 connections × 16 concurrent streams, every response 200 with a patch.
        let run = try await TestServer.run("h2load", ["-n", "400", "-c", "4", "-m", "16", "-d", ServerFixtures.deployment,
                                                "-H", "content-type: application/json", "\(server.base)/mutate"])
        #expect(run.stdout.contains("Application protocol: h2"), "\(run.stdout)")
        #expect(run.stdout.contains("400 succeeded, 0 failed, 0 errored"), "\(run.stdout)")
        #expect(run.stdout.contains("400 2xx"), "\(run.stdout)")
        #expect(server.sink.total >= 400)
    }
}
