// swift-tools-version:6.0
// Benchmarks, kept out of the main package so that CI builds the product once.
// Run with: bench/run.sh
import PackageDescription

let package = Package(
    name: "aci-admission-bench",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(name: "compile-bench", dependencies: [.product(name: "ACIAdmissionEngine", package: "main")]),
        .executableTarget(name: "admission-bench", dependencies: [.product(name: "ACIAdmissionEngine", package: "main")]),
        // The decision behind a bare SwiftNIO pipeline: the transport's share of the server's CPU (bench/transport.sh).
        .executableTarget(name: "bare-nio-webhook", dependencies: [
            .product(name: "ACIAdmissionEngine", package: "main"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "apic-bench", dependencies: [.product(name: "ACIAdmissionAPIC", package: "main")]),
    ],
    swiftLanguageModes: [.v6]
)
