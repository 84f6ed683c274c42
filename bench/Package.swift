// swift-tools-version:6.0
// Benchmarks, kept out of the main package so that CI builds the product once.
// Run with: bench/run.sh
import PackageDescription

let package = Package(
    name: "aci-admission-bench",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(name: "compile-bench", dependencies: [.product(name: "ACIAdmissionEngine", package: "main")]),
        .executableTarget(name: "admission-bench", dependencies: [.product(name: "ACIAdmissionEngine", package: "main")]),
        .executableTarget(name: "apic-bench", dependencies: [.product(name: "ACIAdmissionAPIC", package: "main")]),
    ],
    swiftLanguageModes: [.v6]
)
