import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import SwiftASN1
import X509

/// The serving certificate `serve` makes when no TLS files are given: an ephemeral CA and a leaf for
/// localhost / 127.0.0.1 / ::1, valid for a week — enough to try the webhook with `curl --cacert`.
public enum EphemeralCertificates {
    public struct Material: Sendable {
        public var caPEM: String
        public var certificatePEM: String
        public var privateKeyPEM: String
        public var notAfter: Date
    }

    /// - Parameter clientAuth: make a client certificate (for mTLS) instead of a serving one.
    public static func make(hosts: [String] = ["localhost"], addresses: [String] = ["127.0.0.1", "::1"], clientAuth: Bool = false,
                            now: Date = Date()) throws -> Material {
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName("aci-admission ephemeral CA") }
        let notBefore = now.addingTimeInterval(-300), notAfter = now.addingTimeInterval(7 * 24 * 3600)
        let ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey), notValidBefore: notBefore, notValidAfter: notAfter,
            issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(caKey))
        let leafKey = P256.Signing.PrivateKey()
        var names: [GeneralName] = hosts.map { .dnsName($0) }
        for address in addresses {
            var v4 = in_addr(), v6 = in6_addr()
            if inet_pton(AF_INET, address, &v4) == 1 {
                names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(withUnsafeBytes(of: v4) { Array($0) }))))
            } else if inet_pton(AF_INET6, address, &v6) == 1 {
                names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(withUnsafeBytes(of: v6) { Array($0) }))))
            }
        }
        let leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(leafKey.publicKey), notValidBefore: notBefore, notValidAfter: notAfter,
            issuer: caName, subject: try DistinguishedName { CommonName(hosts.first ?? "localhost") }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([clientAuth ? .clientAuth : .serverAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: .init(caKey))
        return Material(caPEM: try ca.serializeAsPEM().pemString, certificatePEM: try leaf.serializeAsPEM().pemString,
                        privateKeyPEM: leafKey.pemRepresentation, notAfter: notAfter)
    }
}

/// The serving certificate and key, reloaded when their files change (cert-manager rotates them),
/// handed to every new TLS handshake.
public final class CertificateReloader: Sendable {
    public struct Current: Sendable {
        var chain: [NIOSSLCertificate]
        var key: NIOSSLPrivateKey
        public var notAfter: Date
    }

    public enum Source: Sendable {
        case files(certificate: String, key: String)
        case inMemory(certificatePEM: String, privateKeyPEM: String)
    }

    private let source: Source
    private let state: NIOLockedValueBox<(current: Current, fingerprint: String)>

    public init(_ source: Source) throws {
        self.source = source
        let (current, fingerprint) = try CertificateReloader.load(source)
        state = NIOLockedValueBox((current, fingerprint))
    }

    public var current: Current { state.withLockedValue { $0.current } }

    /// Reloads when the files' contents changed; returns whether they did. A broken pair keeps the
    /// previous one (and throws, so the caller can log and count it).
    @discardableResult
    public func reloadIfChanged() throws -> Bool {
        guard case .files = source else { return false }
        let (candidate, fingerprint) = try CertificateReloader.load(source)
        return state.withLockedValue { state in
            guard state.fingerprint != fingerprint else { return false }
            state = (candidate, fingerprint)
            return true
        }
    }

    /// A server configuration: TLS 1.2 or newer, the current pair on every handshake.
    public func serverTLSConfiguration() -> TLSConfiguration {
        let current = self.current
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: current.chain.map { .certificate($0) }, privateKey: .privateKey(current.key))
        tls.minimumTLSVersion = .tlsv12
        tls.sslContextCallback = contextCallback
        return tls
    }

    /// For `TLSConfiguration.sslContextCallback`: every handshake gets the current pair.
    public var contextCallback: NIOSSLContextCallback {
        { [state] _, promise in
            let current = state.withLockedValue { $0.current }
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = current.chain.map { .certificate($0) }
            override.privateKey = .privateKey(current.key)
            promise.succeed(override)
        }
    }

    static func load(_ source: Source) throws -> (Current, String) {
        let certificatePEM: String, keyPEM: String
        switch source {
        case .files(let certificate, let key):
            certificatePEM = try String(contentsOfFile: certificate, encoding: .utf8)
            keyPEM = try String(contentsOfFile: key, encoding: .utf8)
        case .inMemory(let certificate, let key):
            certificatePEM = certificate
            keyPEM = key
        }
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8))
        guard !chain.isEmpty else { throw ServerConfigurationError("the certificate file holds no PEM certificate") }
        let key = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
        let parsed = try Certificate(pemEncoded: certificatePEM)
        let fingerprint = SHA256.hash(data: Data((certificatePEM + keyPEM).utf8)).map { String(format: "%02x", $0) }.joined()
        return (Current(chain: chain, key: key, notAfter: parsed.notValidAfter), fingerprint)
    }
}

public struct ServerConfigurationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
