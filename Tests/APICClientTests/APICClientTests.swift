import APIC
import APICSim
import AdmissionServer
import Crypto
import Foundation
import Logging
import NIOSSL
import Testing
import TestSupport
import X509
import _CryptoExtras
@testable import APICClient

/// The emulator on an ephemeral port, over TLS (an ephemeral CA) or plain HTTP.
final class SimServer: @unchecked Sendable {
    let simulator: APICSimulator
    let directory: URL
    let caFile: String
    var port = 0
    let tls: Bool
    private var task: Task<Void, Error>?

    init(tls: Bool = true, configure: (inout APICSimulator.Configuration) -> Void = { _ in }, users: [APICSimUser] = [APICSimUser(name: "admin", password: "s3cret")]) {
        var configuration = APICSimulator.Configuration()
        configuration.loginRate = nil
        configure(&configuration)
        simulator = APICSimulator(configuration: configuration, users: users)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("apic-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        caFile = directory.appendingPathComponent("ca.pem").path
        self.tls = tls
    }

    func start() async throws {
        var tlsConfiguration: TLSConfiguration?
        if tls {
            let material = try EphemeralCertificates.make()
            try material.caPEM.write(toFile: caFile, atomically: true, encoding: .utf8)
            tlsConfiguration = .makeServerConfiguration(certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(material.certificatePEM.utf8)).map { .certificate($0) },
                                                        privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(material.privateKeyPEM.utf8), format: .pem)))
        }
        let server = APICSimServer(simulator: simulator, port: 0, tls: tlsConfiguration, logger: Logger(label: "apic-sim-test"))
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = try server.application { channel in continuation.yield(channel.localAddress?.port ?? 0) }
        task = Task { try await app.runService() }
        for await bound in stream {
            port = bound
            break
        }
    }

    func stop() {
        task?.cancel()
        try? FileManager.default.removeItem(at: directory)
    }

    var baseURL: String { "\(tls ? "https" : "http")://127.0.0.1:\(port)" }

    /// A client for the duration of `body`, shut down however `body` ends (AsyncHTTPClient insists).
    func withClient(_ credentials: APICClient.Credentials = .password(user: "admin", password: "s3cret"),
                    configure: (inout APICClient.Configuration) -> Void = { _ in },
                    _ body: (APICClient) async throws -> Void) async throws {
        let client = try self.client(credentials, configure: configure)
        do {
            try await body(client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    func client(_ credentials: APICClient.Credentials = .password(user: "admin", password: "s3cret"),
                configure: (inout APICClient.Configuration) -> Void = { _ in }) throws -> APICClient {
        var configuration = APICClient.Configuration(baseURL: baseURL, credentials: credentials)
        configuration.caFile = tls ? caFile : nil
        configure(&configuration)
        return try APICClient(configuration: configuration)
    }
}

/// A key and a self-signed certificate for signature authentication, made in the test.
func makeSigningIdentity(name: String) throws -> (keyPEM: String, certificatePEM: String) {
    let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
    let certificateKey = Certificate.PrivateKey(key)
    let subject = try DistinguishedName { CommonName(name) }
    let certificate = try Certificate(version: .v3, serialNumber: .init(), publicKey: certificateKey.publicKey,
                                      notValidBefore: Date().addingTimeInterval(-60), notValidAfter: Date().addingTimeInterval(3600),
                                      issuer: subject, subject: subject, signatureAlgorithm: .sha256WithRSAEncryption,
                                      extensions: Certificate.Extensions {}, issuerPrivateKey: certificateKey)
    return (key.pemRepresentation, try certificate.serializeAsPEM().pemString)
}

let contractTree = ManagedObject("fvTenant", ["name": "kube", "annotation": "orchestrator:aci-admission"], children: [
    ManagedObject("vzFilter", ["name": "tcp-80"], children: [ManagedObject("vzEntry", ["name": "e", "etherT": "ip", "prot": "tcp", "dFromPort": "80", "dToPort": "80"])]),
    ManagedObject("vzBrCP", ["name": "web"], children: [
        ManagedObject("vzSubj", ["name": "s", "revFltPorts": "no"], children: [
            ManagedObject("vzInTerm", children: [ManagedObject("vzRsFiltAtt", ["tnVzFilterName": "tcp-80"])]),
        ]),
    ]),
    ManagedObject("tagAnnotation", ["key": "aci-admission-cluster", "value": "kube"]),
])

@Suite(.serialized) struct APICClientTests {
    @Test func passwordSessionWritesReadsAndDeletes() async throws {
        let server = SimServer()
        try await server.start()
        defer { server.stop() }
        try await server.withClient { client in
            let changed = try await client.post(contractTree)
            #expect(changed.count == 8 && changed.allSatisfy { $0["status"] == "created" })
            let entry = try #require(try await client.object("uni/tn-kube/flt-tcp-80/e-e"))
            #expect(entry["dFromPort"] == "http" && entry["prot"] == "tcp")
            var query = APICQuery(target: .subtree, targetSubtreeClasses: ["vzRsFiltAtt"])
            query.propertyInclude = .all
            let relations = try await client.objects(under: "uni/tn-kube", query: query)
            #expect(relations.map { $0["state"] } == ["formed"])
            let owned = try await client.instances(of: "fvTenant", query: APICQuery(filter: .eq("fvTenant", "annotation", "orchestrator:aci-admission")))
            #expect(owned.map { $0["name"] } == ["kube"])
            let tagged = try await client.instances(of: "tagAnnotation", under: "uni/tn-kube")
            #expect(tagged.first?["value"] == "kube")
            try await client.delete("uni/tn-kube")
            #expect(try await client.object("uni/tn-kube") == nil)
            #expect(await client.logins == 1)
            #expect(server.simulator.sessionCount == 1)
            try await client.logout()
            #expect(server.simulator.sessionCount == 0)
            // The next request logs in again by itself.
            #expect(try await client.instances(of: "fvTenant").count == 1)
            #expect(await client.logins == 2)
        }
    }

    @Test func logsInAgainAfterTheTokenExpires() async throws {
        let server = SimServer()
        try await server.start()
        defer { server.stop() }
        var faults = APICSimFaults()
        faults.tokenLifetime = .milliseconds(800)
        server.simulator.faults = faults
        try await server.withClient { client in
            _ = try await client.instances(of: "fvTenant")
            try await Task.sleep(for: .milliseconds(1000))
            // The APIC says 403 "Token was invalid": the client logs in again and repeats the request.
            let tenants = try await client.instances(of: "fvTenant")
            #expect(tenants.map { $0["name"] } == ["common"])
            #expect(await client.logins == 2)
        }
    }

    @Test func refreshesBeforeTheRefreshTimeout() async throws {
        let server = SimServer(configure: { $0.refreshTimeout = 2 })
        try await server.start()
        defer { server.stop() }
        try await server.withClient(configure: { $0.refreshAt = 0.25 }) { client in
            _ = try await client.instances(of: "fvTenant")
            try await Task.sleep(for: .milliseconds(700))
            _ = try await client.instances(of: "fvTenant")
            #expect(await client.refreshes == 1)
            #expect(await client.logins == 1)
        }
    }

    @Test func signatureAuthenticationWithAKeyMadeHere() async throws {
        let identity = try makeSigningIdentity(name: "writer")
        let stranger = try makeSigningIdentity(name: "stranger")
        let server = SimServer(users: [APICSimUser(name: "aci-admission", certificates: ["writer": identity.certificatePEM])])
        try await server.start()
        defer { server.stop() }
        try await server.withClient(.signature(user: "aci-admission", certificateName: "writer", privateKeyPEM: identity.keyPEM)) { client in
            try await client.post(contractTree)
            // Query options (quotes, commas, parentheses) are part of what is signed.
            let found = try await client.instances(of: "vzBrCP", query: APICQuery(filter: .and([.eq("vzBrCP", "name", "web"), .constant(true)])))
            #expect(found.map { $0["dn"] } == ["uni/tn-kube/brc-web"])
            #expect(await client.logins == 0)
        }
        try await server.withClient(.signature(user: "aci-admission", certificateName: "writer", privateKeyPEM: stranger.keyPEM)) { impostor in
            await #expect(throws: APICError.self) { _ = try await impostor.instances(of: "fvTenant") }
            do {
                _ = try await impostor.instances(of: "fvTenant")
            } catch let error as APICError {
                #expect(error.status == 403 && error.code == "403")
            }
        }
    }

    @Test func pagingFetchesEveryPage() async throws {
        let server = SimServer()
        try await server.start()
        defer { server.stop() }
        let filters = (0..<250).map { ManagedObject("vzFilter", ["name": "f\($0)"]) }
        _ = try server.simulator.post(ManagedObject("fvTenant", ["name": "many"], children: filters))
        try await server.withClient(configure: { $0.pageSize = 100 }) { client in
            let all = try await client.instances(of: "vzFilter")
            #expect(all.count == 250 && Set(all.compactMap { $0["name"] }).count == 250)
            let onePage = try await client.instances(of: "vzFilter", query: APICQuery(page: 2, pageSize: 100))
            #expect(onePage.count == 50)
        }
    }

    @Test func everyErrorShapeSurfaces() async throws {
        let server = SimServer()
        try await server.start()
        defer { server.stop() }
        try await server.withClient { client in
            try await client.post(ManagedObject("fvTenant", ["name": "dup"]))
            do {
                try await client.post(ManagedObject("fvTenant", ["name": "dup", "status": "created"]))
                Issue.record("a duplicate create succeeded")
            } catch let error as APICError {
                #expect(error.status == 400 && error.code == "103")
            }
            do {
                _ = try await client.instances(of: "fvNothing")
                Issue.record("an unknown class was answered")
            } catch let error as APICError {
                #expect(error == APICError(status: 400, code: "400", text: "Request failed, unresolved class for fvNothing"))
            }
            var faults = APICSimFaults()
            faults.unavailableRate = 1
            server.simulator.faults = faults
            do {
                _ = try await client.instances(of: "fvTenant")
                Issue.record("a 503 was not reported")
            } catch let error as APICError {
                #expect(error.status == 503 && error.isHTML && error.text == "503 Service Temporarily Unavailable")
            }
        }
    }

    @Test func faultsOnTheWireLatencyDropsAndTimeouts() async throws {
        let server = SimServer()
        try await server.start()
        defer { server.stop() }
        try await server.withClient(configure: { $0.requestTimeout = .milliseconds(700) }) { client in
            _ = try await client.instances(of: "fvTenant")
            var faults = APICSimFaults()
            faults.latency = .milliseconds(300)
            server.simulator.faults = faults
            let start = ContinuousClock.now
            _ = try await client.instances(of: "fvTenant")
            #expect(ContinuousClock.now - start >= .milliseconds(300))
            // Slower than the client's request timeout: the request fails, it does not hang.
            faults.latency = .seconds(3)
            server.simulator.faults = faults
            await #expect(throws: (any Error).self) { _ = try await client.instances(of: "fvTenant") }
            // A dropped connection is a transport error, not an APIC error.
            faults = APICSimFaults()
            faults.dropRate = 1
            server.simulator.faults = faults
            do {
                _ = try await client.instances(of: "fvTenant")
                Issue.record("a dropped connection produced an answer")
            } catch {
                #expect(!(error is APICError), "\(error)")
            }
            server.simulator.faults = APICSimFaults()
            #expect(try await client.instances(of: "fvTenant").count == 1)
        }
    }

    @Test func certificateVerificationAndPlainHTTP() async throws {
        let server = SimServer()
        try await server.start()
        defer { server.stop() }
        try await server.withClient(configure: { $0.caFile = nil; $0.connectTimeout = .seconds(2) }) { untrusting in
            await #expect(throws: (any Error).self) { _ = try await untrusting.instances(of: "fvTenant") }
        }
        try await server.withClient(configure: { $0.caFile = nil; $0.insecure = true }) { insecure in
            let tenants = try await insecure.instances(of: "fvTenant")
            #expect(tenants.count == 1)
        }
        let plain = SimServer(tls: false)
        try await plain.start()
        defer { plain.stop() }
        try await plain.withClient { client in
            let tenants = try await client.instances(of: "fvTenant")
            #expect(tenants.count == 1)
        }
    }
}

/// The emulator against clients that are not ours: curl with a cookie jar, and a request signed by
/// the openssl command line.
@Suite(.serialized) struct ForeignClientTests {
    static func run(_ tool: String, _ arguments: [String], stdin: Data? = nil) async throws -> (status: Int32, out: String) {
        let output = try await Subprocess.run(tool, arguments, stdin: stdin)
        return (output.status, output.stdout)
    }

    @Test func curlLogsInWritesAndReads() async throws {
        let server = SimServer()
        try await server.start()
        defer { server.stop() }
        let jar = server.directory.appendingPathComponent("jar").path
        let curl = ["-s", "--cacert", server.caFile, "-b", jar, "-c", jar]
        let login = try await Self.run("curl", curl + ["-d", #"{"aaaUser":{"attributes":{"name":"admin","pwd":"s3cret"}}}"#, "\(server.baseURL)/api/aaaLogin.json"])
        #expect(login.out.contains(#""aaaLogin""#))
        let post = try await Self.run("curl", curl + ["-d", #"{"fvTenant":{"attributes":{"name":"fromcurl"}}}"#, "\(server.baseURL)/api/mo/uni.json"])
        #expect(post.out == #"{"totalCount":"0","imdata":[]}"#)
        let read = try await Self.run("curl", curl + ["\(server.baseURL)/api/mo/uni/tn-fromcurl.json?rsp-prop-include=naming-only"])
        #expect(read.out == #"{"totalCount":"1","imdata":[{"fvTenant":{"attributes":{"dn":"uni/tn-fromcurl","name":"fromcurl"},"children":[]}}]}"#)
    }

    @Test func opensslSignedRequestIsAccepted() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("key.pem").path, certificate = directory.appendingPathComponent("cert.pem").path
        _ = try await Self.run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=admin"])
        let server = SimServer(users: [APICSimUser(name: "admin", certificates: ["laptop": try String(contentsOfFile: certificate, encoding: .utf8)])])
        try await server.start()
        defer { server.stop() }
        let path = "/api/class/fvTenant.json?rsp-prop-include=naming-only"
        // openssl writes the raw signature bytes.
        let raw = try await Subprocess.run("openssl", ["dgst", "-sha256", "-sign", key], stdin: Data("GET\(path)".utf8)).stdoutData.base64EncodedString()
        let cookie = "APIC-Request-Signature=\(raw); APIC-Certificate-Algorithm=v1.0; APIC-Certificate-Fingerprint=fingerprint; APIC-Certificate-DN=uni/userext/user-admin/usercert-laptop"
        let answer = try await Self.run("curl", ["-s", "--cacert", server.caFile, "-H", "Cookie: \(cookie)", "\(server.baseURL)\(path)"])
        #expect(answer.out.contains(#""dn":"uni/tn-common""#), "\(answer.out)")
        let tampered = try await Self.run("curl", ["-s", "--cacert", server.caFile, "-H", "Cookie: \(cookie)", "\(server.baseURL)/api/class/fvBD.json"])
        #expect(tampered.out.contains(#""code":"403""#))
    }
}
