import AdmissionEngine
import ContractCompiler
import EPGPolicy
import Foundation
import KubernetesModel

// In-process admission decision: decode → decide → encode, on the Go baseline's ~6 KB Deployment
// CREATE review. Median per decision over many iterations.

let fixture = URL(fileURLWithPath: CommandLine.arguments.count > 1 ? CommandLine.arguments[1]
                  : "../../shared/baselines/go-webhook/fixtures/deployment-create.json")
let body = try Data(contentsOf: fixture)
// The load benchmark's policy (bench/policy.yaml): the Go baseline's mutation.
let policyFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("policy.yaml")
let policy = try PolicyLoader.load(text: String(contentsOf: policyFile, encoding: .utf8), source: policyFile.path).get()
var inventory = Inventory()
inventory.add(namespace: Namespace(name: "shop"))
let cluster = ClusterSnapshot(inventory: inventory)
let decider = AdmissionDecider(policy: policy)

func once() -> Int {
    let review = try! AdmissionReviewDecoder.decode(body)
    let decision = decider.decide(review, endpoint: .mutate, cluster: cluster)
    return decision.response.reviewJSON(apiVersion: review.apiVersion).count
}

for _ in 0..<2000 { _ = once() }  // warm up
var samples: [Double] = []
var bytes = 0
for _ in 0..<20 {
    let count = 500
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<count { bytes = once() }
    samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / Double(count) / 1000)
}
samples.sort()
print(String(format: "admission decision (decode → decide → encode), %d-byte Deployment CREATE → %d-byte response: median %.1f µs (min %.1f, max %.1f) over 20×500", body.count, bytes, samples[10], samples[0], samples[19]))


// Where the time goes, part by part (same fixture); the Foundation parser's pass over the body with
// nothing read is the floor of any decode built on it.
func median(_ label: String, _ body: () -> Void) {
    for _ in 0..<500 { body() }
    var samples: [Double] = []
    for _ in 0..<11 {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<500 { body() }
        samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 500 / 1000)
    }
    samples.sort()
    print(String(format: "  %@: %.1f µs", label, samples[5]))
}
let review = try AdmissionReviewDecoder.decode(body)
let decision = decider.decide(review, endpoint: .mutate, cluster: cluster)
median("decode (AdmissionReviewDecoder)") { _ = try! AdmissionReviewDecoder.decode(body) }
median("decide (incl. the patch's encoding)") { _ = decider.decide(review, endpoint: .mutate, cluster: cluster) }
median("encode the response") { _ = decision.response.reviewJSON(apiVersion: review.apiVersion) }
struct Nothing: Decodable {}
median("floor: JSONDecoder over the body, reading nothing") { _ = try! JSONDecoder().decode(Nothing.self, from: body) }
