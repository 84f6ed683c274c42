import Foundation
import Testing
import TestSupport
@testable import KubernetesModel

@Suite struct JSONPatchTests {
    let desired = ["opflex.cisco.com/endpoint-group": #"{"tenant":"kube","app-profile":"aci-admission","name":"shop.web"}"#,
                   "aci-admission.io/epg-policy": "sha256:0123456789abcdef"]

    @Test func pointerEscapesTildeBeforeSlash() {
        #expect(JSONPointer.escape("opflex.cisco.com/endpoint-group") == "opflex.cisco.com~1endpoint-group")
        #expect(JSONPointer.escape("a~b") == "a~0b")
        #expect(JSONPointer.escape("~/") == "~0~1")
        #expect(JSONPointer.escape("~1") == "~01")
        #expect(JSONPointer.escape("ключ/é~") == "ключ~1é~0")  // multi-byte characters pass through whole
        #expect(JSONPointer.pointer(["metadata", "annotations", "x/y~z"]) == "/metadata/annotations/x~1y~0z")
    }

    @Test func absentAnnotationsAddTheWholeMap() {
        let ops = AnnotationPatch.operations(metadataPath: ["metadata"], metadataExists: true, current: nil, desired: desired)
        #expect(ops == [JSONPatchOperation(op: .add, path: "/metadata/annotations", value: JSONValue(desired))])
    }

    @Test func missingTemplateMetadataAddsMetadata() {
        let ops = AnnotationPatch.operations(metadataPath: ["spec", "template", "metadata"], metadataExists: false, current: nil, desired: desired)
        #expect(ops == [JSONPatchOperation(op: .add, path: "/spec/template/metadata", value: .object(["annotations": JSONValue(desired)]))])
    }

    @Test func presentAnnotationsAddOrReplacePerKey() {
        let current = ["opflex.cisco.com/endpoint-group": "old", "team": "web"]
        let ops = AnnotationPatch.operations(metadataPath: ["metadata"], metadataExists: true, current: current, desired: desired)
        #expect(ops == [
            JSONPatchOperation(op: .add, path: "/metadata/annotations/aci-admission.io~1epg-policy", value: .string("sha256:0123456789abcdef")),
            JSONPatchOperation(op: .replace, path: "/metadata/annotations/opflex.cisco.com~1endpoint-group", value: .string(desired["opflex.cisco.com/endpoint-group"]!)),
        ])
    }

    @Test func equalValuesGiveNoOperations() {
        let current = desired.merging(["other": "x"]) { $1 }
        #expect(AnnotationPatch.operations(metadataPath: ["metadata"], metadataExists: true, current: current, desired: desired).isEmpty)
    }

    @Test func encodesAsRFC6902() throws {
        let ops = [JSONPatchOperation(op: .add, path: "/metadata/annotations/a~1b", value: .string("v"))]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(ops), as: UTF8.self)
        #expect(text == #"[{"op":"add","path":"/metadata/annotations/a~1b","value":"v"}]"#)
    }

    // Applies the patches with an independent implementation (Python's `jsonpatch`, RFC 6902) and
    // checks the hand-computed resulting documents.
    struct ApplyCase: Sendable, CustomTestStringConvertible {
        var name: String
        var document: String
        var metadataPath: [String]
        var expected: String
        var testDescription: String { name }
    }

    static let applyCases: [ApplyCase] = [
        .init(name: "pod without annotations", document: #"{"metadata":{"name":"p"}}"#, metadataPath: ["metadata"],
              expected: #"{"metadata":{"annotations":{"a/b":"1","t~x":"2"},"name":"p"}}"#),
        .init(name: "pod with annotations: null", document: #"{"metadata":{"name":"p","annotations":null}}"#, metadataPath: ["metadata"],
              expected: #"{"metadata":{"annotations":{"a/b":"1","t~x":"2"},"name":"p"}}"#),
        .init(name: "annotations present, one stale", document: #"{"metadata":{"annotations":{"a/b":"0","keep":"k"}}}"#, metadataPath: ["metadata"],
              expected: #"{"metadata":{"annotations":{"a/b":"1","keep":"k","t~x":"2"}}}"#),
        .init(name: "template without metadata", document: #"{"spec":{"template":{"spec":{}}}}"#, metadataPath: ["spec", "template", "metadata"],
              expected: #"{"spec":{"template":{"metadata":{"annotations":{"a/b":"1","t~x":"2"}},"spec":{}}}}"#),
        .init(name: "cronjob template", document: #"{"spec":{"jobTemplate":{"spec":{"template":{"metadata":{"labels":{"app":"x"}}}}}}}"#,
              metadataPath: ["spec", "jobTemplate", "spec", "template", "metadata"],
              expected: #"{"spec":{"jobTemplate":{"spec":{"template":{"metadata":{"annotations":{"a/b":"1","t~x":"2"},"labels":{"app":"x"}}}}}}}"#),
    ]

    @Test(arguments: applyCases)
    func appliedByIndependentImplementation(_ testCase: ApplyCase) throws {
        let desired = ["a/b": "1", "t~x": "2"]
        let document = try JSONDecoder().decode(JSONValue.self, from: Data(testCase.document.utf8))
        let metadata = testCase.metadataPath.reduce(Optional(document)) { value, key in
            if case .object(let object)? = value { return object[key] } else { return nil }
        }
        var current: [String: String]?
        if case .object(let object)? = metadata, case .object(let annotations)? = object["annotations"] {
            current = annotations.compactMapValues { if case .string(let s) = $0 { return s } else { return nil } }
        }
        let ops = AnnotationPatch.operations(metadataPath: testCase.metadataPath, metadataExists: metadata != nil, current: current, desired: desired)
        let patch = String(decoding: try JSONEncoder().encode(ops), as: UTF8.self)
        let result = try PythonJSONPatch.apply(patch: patch, to: testCase.document)
        #expect(result == testCase.expected)
    }
}

/// Runs Python's `jsonpatch` (installed by the setup step) as the independent RFC 6902 implementation.
enum PythonJSONPatch {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func apply(patch: String, to document: String) throws -> String {
        let script = """
        import json, sys, jsonpatch
        doc = json.loads(sys.argv[1]); patch = json.loads(sys.argv[2])
        print(json.dumps(jsonpatch.apply_patch(doc, patch), sort_keys=True, separators=(",", ":")))
        """
        let python = try Subprocess.runBlocking("python3", ["-c", script, document, patch])
        guard python.status == 0 else {
            throw Failure(description: "python3 jsonpatch failed (install it with `pip install jsonpatch`): \(python.stderr)")
        }
        return python.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
