import AdmissionServer
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the admission webhook (POST /mutate, POST /validate) over HTTPS.",
        discussion: """
        TLS 1.2+ with ALPN h2 and http/1.1. The certificate and key files are re-read when they \
        change (cert-manager rotations need no restart), and so is the policy file: an invalid new \
        policy is reported and the last good one stays active (and is kept in --state-dir, so a \
        restart with a broken file still serves it).
        Without --tls-cert/--tls-key an ephemeral CA and a certificate for localhost/127.0.0.1 are \
        made and the CA bundle is written to --ca-out; without --policy a built-in policy (one EPG \
        per namespace) is used. Also: GET /healthz, /readyz, /metrics.
        """)

    @Option(name: .long, help: "Address to listen on, HOST:PORT.")
    var listen = "127.0.0.1:8443"

    @Option(name: .long, help: "The policy file (YAML); the built-in default when omitted.")
    var policy: String?

    @Option(name: .customLong("tls-cert"), help: "Serving certificate chain (PEM).")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "Serving private key (PEM).")
    var tlsKey: String?

    @Option(name: .customLong("client-ca"), help: "Require client certificates signed by these CAs (PEM bundle).")
    var clientCA: String?

    @Option(name: .customLong("ca-out"), help: "Where to write the ephemeral CA bundle when no TLS files are given.")
    var caOut = "aci-admission-ca.pem"

    @Option(name: .customLong("state-dir"), help: "Where the last good policy is kept.")
    var stateDir = ".aci-admission"

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("give both --tls-cert and --tls-key, or neither") }
        _ = try ListenAddress(listen)
    }

    func run() async throws {
        let logger: Logger = {
            var logger = Logger(label: "aci-admission")
            logger.logLevel = ProcessInfo.processInfo.environment["ACI_ADMISSION_DEBUG"] == nil ? .info : .debug
            return logger
        }()
        let address = try ListenAddress(listen)
        var configuration = AdmissionHTTPServer.Configuration()
        (configuration.host, configuration.port) = (address.host, address.port)
        configuration.clientCA = clientCA
        let certificates: CertificateReloader
        do {
            if let tlsCert, let tlsKey {
                certificates = try CertificateReloader(.files(certificate: tlsCert, key: tlsKey))
            } else {
                let material = try EphemeralCertificates.make()
                try material.caPEM.write(toFile: caOut, atomically: true, encoding: .utf8)
                logger.warning("NO TLS FILES GIVEN: serving an ephemeral certificate for localhost, 127.0.0.1 and ::1; its CA is in \(caOut) (curl --cacert \(caOut) …); use --tls-cert/--tls-key in a cluster")
                certificates = try CertificateReloader(.inMemory(certificatePEM: material.certificatePEM, privateKeyPEM: material.privateKeyPEM))
            }
        } catch {
            printError("cannot load the serving certificate: \(error)")
            throw ExitStatus.usage.code
        }
        let policies: PolicyStore
        do {
            policies = try PolicyStore(origin: policy.map { .file($0) } ?? .builtIn, stateDirectory: stateDir, logger: logger)
        } catch {
            printError("\(error)")
            throw ExitStatus.usage.code
        }
        if policy == nil { logger.warning("NO --policy GIVEN: using the built-in default policy (namespace isolation, kube-system and aci-admission exempt)") }
        let sink = InMemoryChangeSink()
        let server = AdmissionHTTPServer(configuration: configuration, policies: policies, certificates: certificates, sink: sink,
                                         snapshot: { .init(inventory: sink.inventory) }, logger: logger)
        let app = try server.application { channel in
            logger.info("listening", metadata: ["address": .string("\(channel.localAddress.map { "\($0)" } ?? "?")"), "policy_hash": .string(policies.policy.hash)])
        }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
