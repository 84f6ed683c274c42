import EPGPolicy
import Foundation
import Testing
@testable import AdmissionEngine
@testable import ContractCompiler
import KubernetesModel

/// Replays the libFuzzer corpus (fuzz/corpus, minimised by fuzz/run.sh) through the decoder and
/// both endpoints, with the fuzz target's invariants.
@Suite struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz/corpus")

    @Test func corpusReplaysWithoutFindings() throws {
        let files = try FileManager.default.contentsOfDirectory(at: Self.corpus, includingPropertiesForKeys: nil)
        #expect(files.count >= 50, "the committed corpus is missing or tiny")
        var decoded = 0
        for file in files {
            let body = try Data(contentsOf: file)
            guard let review = try? AdmissionReviewDecoder.decode(body) else { continue }
            decoded += 1
            for endpoint in [AdmissionDecider.Endpoint.mutate, .validate] {
                let decision = AdmissionFixtures.decider.decide(review, endpoint: endpoint, cluster: AdmissionFixtures.cluster)
                #expect(decision.response.uid == review.request.uid, "\(file.lastPathComponent)")
                #expect(!decision.response.reviewJSON(apiVersion: review.apiVersion).isEmpty)
                if let patch = decision.response.patch {
                    #expect(endpoint == .mutate, "\(file.lastPathComponent): a patch on /validate")
                    let operations = Data(base64Encoded: patch).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [Any] }
                    #expect(operations != nil, "\(file.lastPathComponent): the patch is not base64 of a JSON array")
                }
            }
        }
        // The corpus must reach past the envelope: most of it decodes.
        #expect(decoded * 4 >= files.count, "\(decoded) of \(files.count) inputs decode")
    }
}
