// swift-tools-version:6.0
// libFuzzer target over the admission request decoder and decision path (pure code, no I/O).
// A separate package, like bench/: CI never builds it. See fuzz/run.sh.
import PackageDescription

let package = Package(
    name: "aci-admission-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(name: "admission-fuzz", dependencies: [.product(name: "ACIAdmissionEngine", package: "main")],
                          // libFuzzer provides main().
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ],
    swiftLanguageModes: [.v6]
)
