import APIC
import APICClient
import APICSim
import Foundation
import Logging
import NIOSSL

// The APIC emulator and client: writes per second and class queries over 20,000 objects in process
// (the emulator's own cost: parsing, validation, the tree, rendering), then the client against the
// emulator over HTTPS with one reused connection.

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

var configuration = APICSimulator.Configuration()
configuration.loginRate = nil
let simulator = APICSimulator(configuration: configuration, users: [APICSimUser(name: "admin", password: "bench")])
let login = simulator.handle(APICSimRequest(method: "POST", path: "/api/aaaLogin.json", body: Data(#"{"aaaUser":{"attributes":{"name":"admin","pwd":"bench"}}}"#.utf8)))
let token = try APICJSON.decodeEnvelope(login.body).first!["token"]!
let cookies = ["APIC-cookie": token]
_ = try simulator.post(ManagedObject("fvTenant", ["name": "bench"]))

// 1. Writes: 20,000 POSTs of one filter with one entry each (2 objects per POST) through the full
//    request path (JSON parse with key order, validation, atomic apply).
var writeRates: [Double] = []
for round in 0..<3 {
    let count = 2_000
    let elapsed = seconds {
        for index in 0..<count {
            let body = #"{"vzFilter":{"attributes":{"name":"f\#(round)-\#(index)","annotation":"orchestrator:aci-admission"},"children":[{"vzEntry":{"attributes":{"name":"e","etherT":"ip","prot":"tcp","dFromPort":"8080","dToPort":"8080"}}}]}}"#
            let response = simulator.handle(APICSimRequest(method: "POST", path: "/api/mo/uni/tn-bench.json", cookies: cookies, body: Data(body.utf8)))
            precondition(response.status == 200, String(decoding: response.body, as: UTF8.self))
        }
    }
    writeRates.append(Double(count * 2) / elapsed)
}
let objects = simulator.withStore { $0.count }

// 2. Class queries: all vzEntry objects (top up to 20,000), and a filtered query, rendered as JSON.
let missing = max(0, 20_000 - simulator.withStore { $0.instances(of: "vzEntry").count })
_ = try simulator.post(ManagedObject("fvTenant", ["name": "bulk"], children: (0..<missing).map {
    ManagedObject("vzFilter", ["name": "b\($0)"], children: [ManagedObject("vzEntry", ["name": "e", "prot": "udp"])])
}))
let entries = simulator.withStore { $0.instances(of: "vzEntry").count }
var fullQuery: [Double] = [], filteredQuery: [Double] = []
var bytes = 0
for _ in 0..<5 {
    fullQuery.append(seconds {
        let response = simulator.handle(APICSimRequest(method: "GET", path: "/api/class/vzEntry.json", cookies: cookies))
        bytes = response.body.count
    })
    filteredQuery.append(seconds {
        _ = simulator.handle(APICSimRequest(method: "GET", path: "/api/class/vzEntry.json",
                                            query: "query-target-filter=and(eq(vzEntry.prot,%22tcp%22),wcard(vzEntry.dn,%22f1-%22))&rsp-prop-include=naming-only", cookies: cookies))
    })
}

print(String(format: "emulator writes: median %.0f MO/s (%@ per POST of 2 objects, 3 × 2,000 POSTs; %d objects in the tree after)",
             median(writeRates), "one filter + entry", objects))
print(String(format: "emulator class query, all %d vzEntry objects (%.1f MB of JSON): median %.0f ms; filtered (and/eq/wcard, naming-only): median %.0f ms",
             entries, Double(bytes) / 1e6, median(fullQuery) * 1000, median(filteredQuery) * 1000))

// 3. The client over HTTPS (TLS 1.3, one reused connection), sequential posts.
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("apic-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
let certificate = directory.appendingPathComponent("cert.pem").path, key = directory.appendingPathComponent("key.pem").path
let openssl = Process()
openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
openssl.arguments = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "1",
                     "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]
openssl.standardError = FileHandle.nullDevice
try openssl.run()
openssl.waitUntilExit()
let tls = TLSConfiguration.makeServerConfiguration(certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
                                                   privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
let server = APICSimServer(simulator: simulator, port: 0, tls: tls, logger: Logger(label: "bench"))
let (stream, continuation) = AsyncStream<Int>.makeStream()
let app = try server.application { channel in continuation.yield(channel.localAddress?.port ?? 0) }
let serverTask = Task { try await app.runService() }
var port = 0
for await bound in stream { port = bound; break }
var clientConfiguration = APICClient.Configuration(baseURL: "https://127.0.0.1:\(port)", credentials: .password(user: "admin", password: "bench"))
clientConfiguration.caFile = certificate
let client = try APICClient(configuration: clientConfiguration)
_ = try await client.instances(of: "fvTenant")
var postRates: [Double] = []
for round in 0..<3 {
    let count = 1_000
    let start = DispatchTime.now().uptimeNanoseconds
    for index in 0..<count {
        try await client.post(ManagedObject("vzFilter", ["name": "c\(round)-\(index)"], children: [ManagedObject("vzEntry", ["name": "e", "prot": "tcp"])]),
                              at: "uni/tn-bench")
    }
    postRates.append(Double(count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
}
print(String(format: "client → emulator over HTTPS (one reused TLS 1.3 connection, sequential): median %.0f posts/s (3 × 1,000 posts of a filter + entry)", median(postRates)))
try await client.shutdown()
serverTask.cancel()
try? FileManager.default.removeItem(at: directory)
