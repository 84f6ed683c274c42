import APIC
import APICSim
import AdmissionServer
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOSSL
import ServiceLifecycle
import Yams

struct APICSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apic-sim",
        abstract: "Run the APIC emulator: the APIC REST API over an in-memory object tree.",
        discussion: """
        Password login (aaaLogin/aaaRefresh/aaaLogout) and X.509 request signatures, validated \
        atomic writes to /api/mo and /api/node/mo, class and object queries with the APIC's query \
        options, and the APIC's error codes and texts. Tenant common (with BD and VRF default) exists \
        from the start.
        Without --users a user "admin" with a random password is made and printed. Without \
        --tls-cert/--tls-key (and without --plain) an ephemeral certificate for localhost is made and \
        its CA written to --ca-out.
        Faults (repeat --fault): unavailable=0.1 (share of requests answered 503), latency=200ms, \
        token-lifetime=30s, drop=0.05 (share of connections closed without an answer), \
        reject=DN-SUBSTRING[@CLASS] (writes there fail with code 120).
        """)

    @Option(name: .long, help: "Address to listen on, HOST:PORT.")
    var listen = "127.0.0.1:8444"

    @Flag(name: .long, help: "Plain HTTP instead of HTTPS.")
    var plain = false

    @Option(name: .customLong("tls-cert"), help: "Serving certificate chain (PEM).")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "Serving private key (PEM).")
    var tlsKey: String?

    @Option(name: .customLong("ca-out"), help: "Where to write the ephemeral CA bundle.")
    var caOut = "apic-sim-ca.pem"

    @Option(name: .long, help: "Users file (YAML): users: [{name, password, certificates: {NAME: PEM-FILE}}].")
    var users: String?

    @Option(name: .long, help: "Load the object tree from this file at start (if it exists) and save it there at exit.")
    var state: String?

    @Option(name: .long, parsing: .singleValue, help: "A fault to inject (see above); repeatable.")
    var fault: [String] = []

    @Option(name: .customLong("login-rate"), help: "Logins and refreshes allowed per second (0: no throttle).")
    var loginRate: Double = 2

    @Option(name: .customLong("refresh-timeout"), help: "Seconds a token works without a refresh.")
    var refreshTimeout: Double = 600

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("give both --tls-cert and --tls-key, or neither") }
        if plain && tlsCert != nil { throw ValidationError("--plain and --tls-cert exclude each other") }
        _ = try ListenAddress(listen)
        _ = try Self.faults(fault)
    }

    static func faults(_ specs: [String]) throws -> APICSimFaults {
        var faults = APICSimFaults()
        for spec in specs {
            let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--fault \(spec): expected NAME=VALUE") }
            func duration(_ text: String) throws -> Duration {
                if text.hasSuffix("ms"), let value = Double(text.dropLast(2)) { return .milliseconds(value) }
                if text.hasSuffix("s"), let value = Double(text.dropLast()) { return .milliseconds(value * 1000) }
                throw ValidationError("--fault \(spec): \(text) is not a duration such as 200ms or 30s")
            }
            func share(_ text: String) throws -> Double {
                guard let value = Double(text), (0...1).contains(value) else { throw ValidationError("--fault \(spec): \(text) is not a share between 0 and 1") }
                return value
            }
            switch parts[0] {
            case "unavailable": faults.unavailableRate = try share(parts[1])
            case "drop": faults.dropRate = try share(parts[1])
            case "latency": faults.latency = try duration(parts[1])
            case "token-lifetime": faults.tokenLifetime = try duration(parts[1])
            case "reject":
                let target = parts[1].split(separator: "@", maxSplits: 1).map(String.init)
                faults.rejectWrites.append(.init(dnContains: target[0], className: target.count > 1 ? target[1] : nil,
                                                 error: APICError(status: 400, code: "120", text: "Invalid Configuration: rejected by an injected fault at \(target[0])")))
            default: throw ValidationError("--fault \(spec): unknown fault \(parts[0]) (unavailable, latency, token-lifetime, drop, reject)")
            }
        }
        return faults
    }

    struct UsersFile: Decodable {
        struct User: Decodable {
            var name: String
            var password: String?
            var certificates: [String: String]?
        }
        var users: [User]
    }

    static func loadUsers(_ path: String) throws -> [APICSimUser] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let file = try YAMLDecoder().decode(UsersFile.self, from: text)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        return try file.users.map { user in
            var certificates: [String: String] = [:]
            for (name, value) in user.certificates ?? [:] {
                certificates[name] = value.contains("-----BEGIN") ? value
                    : try String(contentsOf: URL(fileURLWithPath: value, relativeTo: directory), encoding: .utf8)
            }
            return APICSimUser(name: user.name, password: user.password, certificates: certificates)
        }
    }

    func run() async throws {
        let logger = Logger(label: "apic-sim")
        var configuration = APICSimulator.Configuration()
        configuration.loginRate = loginRate > 0 ? loginRate : nil
        configuration.refreshTimeout = refreshTimeout
        configuration.secure = !plain
        var simUsers: [APICSimUser]
        do {
            simUsers = try users.map(Self.loadUsers) ?? []
        } catch {
            printError("cannot read --users \(users ?? ""): \(error)")
            throw ExitStatus.usage.code
        }
        if users == nil {
            let password = APICSimulatorPassword.make()
            simUsers = [APICSimUser(name: "admin", password: password)]
            logger.warning("NO --users GIVEN: log in as admin with password \(password)")
        }
        let simulator = APICSimulator(configuration: configuration, users: simUsers)
        simulator.faults = try Self.faults(fault)
        if let state, FileManager.default.fileExists(atPath: state) {
            do {
                let objects = try APICJSON.decodeEnvelope(Data(contentsOf: URL(fileURLWithPath: state)))
                if let root = objects.first { simulator.restore(root) }
                logger.info("state loaded", metadata: ["file": .string(state), "objects": .stringConvertible(simulator.withStore { $0.count })])
            } catch {
                printError("cannot read --state \(state): \(error)")
                throw ExitStatus.usage.code
            }
        }
        var tls: TLSConfiguration?
        if !plain {
            do {
                if let tlsCert, let tlsKey {
                    tls = try CertificateReloader(.files(certificate: tlsCert, key: tlsKey)).serverTLSConfiguration()
                } else {
                    let material = try EphemeralCertificates.make()
                    try material.caPEM.write(toFile: caOut, atomically: true, encoding: .utf8)
                    logger.warning("NO TLS FILES GIVEN: serving an ephemeral certificate for localhost; its CA is in \(caOut)")
                    tls = try CertificateReloader(.inMemory(certificatePEM: material.certificatePEM, privateKeyPEM: material.privateKeyPEM)).serverTLSConfiguration()
                }
            } catch {
                printError("cannot load the serving certificate: \(error)")
                throw ExitStatus.usage.code
            }
        }
        let address = try ListenAddress(listen)
        let server = APICSimServer(simulator: simulator, host: address.host, port: address.port, tls: tls, logger: logger)
        let app = try server.application { channel in
            logger.info("APIC emulator listening", metadata: ["address": .string("\(channel.localAddress.map { "\($0)" } ?? "?")"),
                                                             "scheme": .string(plain ? "http" : "https")])
        }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        if let state {
            let text = APICJSON.render(APICJSON.envelope([simulator.snapshot()]), pretty: true)
            try text.write(toFile: state, atomically: true, encoding: .utf8)
            logger.info("state saved", metadata: ["file": .string(state)])
        }
    }
}

enum APICSimulatorPassword {
    static func make() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        return String((0..<16).map { _ in alphabet.randomElement()! })
    }
}
