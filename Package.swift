// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "aci-admission",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "aci-admission", targets: ["aci-admission"]),
        // The engine as a library, for the benchmarks in bench/ (a separate package).
        .library(name: "ACIAdmissionEngine", targets: ["KubernetesModel", "Manifests", "EPGPolicy", "APIC", "ContractCompiler", "AdmissionEngine"]),
        // The APIC client and emulator, for the benchmarks in bench/.
        .library(name: "ACIAdmissionAPIC", targets: ["APIC", "APICSim", "APICClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // Kubernetes object model, label-selector semantics and JSONPatch: no I/O, no YAML.
        .target(name: "KubernetesModel"),
        // Reading manifests (multi-document YAML/JSON, `kind: List`) with source positions.
        .target(name: "Manifests", dependencies: [
            "KubernetesModel",
            .product(name: "Yams", package: "Yams"),
        ]),
        // The policy file: loading, lint, and EPG resolution. Pure: policy + object in, decision out.
        .target(name: "EPGPolicy", dependencies: [
            "KubernetesModel",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The APIC object model: managed objects, naming, DNs, and the APIC's JSON shapes.
        .target(name: "APIC", dependencies: [.product(name: "Yams", package: "Yams")]),
        // The APIC REST client: sessions, signatures, writes, paged queries.
        .target(name: "APICClient", dependencies: [
            "APIC",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        // The APIC emulator: the REST protocol over an in-memory tree, with faults (library and HTTP server).
        .target(name: "APICSim", dependencies: [
            "APIC",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // NetworkPolicy → ACI contracts: expressibility, compilation, the desired APIC tree. Pure.
        .target(name: "ContractCompiler", dependencies: [
            "KubernetesModel", "EPGPolicy", "APIC",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Admission decisions (DESIGN §4): AdmissionReview in, response out. Pure: the HTTPS server wraps it.
        .target(name: "AdmissionEngine", dependencies: ["KubernetesModel", "EPGPolicy", "ContractCompiler"]),
        // The HTTPS admission server around AdmissionEngine: TLS (ALPN h2 + http/1.1), robustness, health, metrics.
        .target(name: "AdmissionServer", dependencies: [
            "AdmissionEngine", "EPGPolicy", "ContractCompiler", "KubernetesModel",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdHTTP2", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOHTTPTypesHTTP2", package: "swift-nio-extras"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // The GitOps gate: `check` and declarative policy tests over manifests, and their report formats.
        .target(name: "PolicyCheck", dependencies: ["KubernetesModel", "Manifests", "EPGPolicy", "ContractCompiler", "Yams"]),
        // Command implementations and report renderers behind the `aci-admission` executable.
        .target(name: "ACIAdmissionCLI", dependencies: [
            "KubernetesModel", "Manifests", "EPGPolicy", "APIC", "APICSim", "ContractCompiler", "PolicyCheck", "AdmissionServer",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "aci-admission", dependencies: ["ACIAdmissionCLI", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]),

        // Helpers the test targets share (running real tools off the concurrency pool).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "KubernetesModelTests", dependencies: ["KubernetesModel", "TestSupport"]),
        .testTarget(name: "ManifestsTests", dependencies: ["Manifests"]),
        .testTarget(name: "EPGPolicyTests", dependencies: ["EPGPolicy", "Manifests"]),
        .testTarget(name: "APICTests", dependencies: ["APIC", "TestSupport"], exclude: ["Catalog"]),
        .testTarget(name: "APICSimTests", dependencies: [
            "APIC", "APICSim",
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        .testTarget(name: "APICClientTests", dependencies: [
            "APIC", "APICSim", "APICClient", "AdmissionServer", "TestSupport",
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "AdmissionEngineTests", dependencies: ["AdmissionEngine", "EPGPolicy", "TestSupport"]),
        .testTarget(name: "AdmissionServerTests", dependencies: [
            "AdmissionServer", "AdmissionEngine", "EPGPolicy", "TestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
        ], exclude: ["Peers"]),
        .testTarget(name: "PolicyCheckTests", dependencies: ["PolicyCheck", "Manifests", "EPGPolicy", "TestSupport"]),
        .testTarget(name: "ContractCompilerTests", dependencies: [
            "ContractCompiler", "Manifests", "APIC",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        // Runs the built `aci-admission` binary; golden outputs live in Tests/ACIAdmissionCLITests/Golden.
        .testTarget(name: "ACIAdmissionCLITests", dependencies: ["ACIAdmissionCLI", "TestSupport"], exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v6]
)
