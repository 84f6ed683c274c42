import Foundation
import Testing
@testable import APIC

@Suite struct APICModelTests {
    @Test func jsonPutsAttributesFirstAndKeepsTheirOrder() {
        let object = ManagedObject("fvAEPg", ["name": "web", "pcEnfPref": "enforced", "annotation": "orchestrator:aci-admission"],
                                   children: [ManagedObject("fvRsBd", ["tnFvBDName": "bd"])])
        #expect(APICJSON.render(APICJSON.value(object)) ==
            #"{"fvAEPg":{"attributes":{"name":"web","pcEnfPref":"enforced","annotation":"orchestrator:aci-admission"},"children":[{"fvRsBd":{"attributes":{"tnFvBDName":"bd"},"children":[]}}]}}"#)
    }

    @Test func envelopeHasTotalCountFirstAsAString() {
        let text = APICJSON.render(APICJSON.envelope([ManagedObject("fvTenant", ["name": "t"])], extra: [("rejected", .array([]))]))
        #expect(text == #"{"totalCount":"1","imdata":[{"fvTenant":{"attributes":{"name":"t"},"children":[]}}],"rejected":[]}"#)
    }

    @Test func stringsAreEscapedByJSONEncoder() throws {
        let object = ManagedObject("fvTenant", ["descr": "a \"quoted\" \\ value\n/\u{1}"])
        let text = APICJSON.render(APICJSON.value(object))
        let decoded = try APICJSON.decodeObject(try JSONSerialization.jsonObject(with: Data(text.utf8)))
        #expect(decoded["descr"] == "a \"quoted\" \\ value\n/\u{1}")
    }

    @Test func prettyOutputParsesToTheSameValue() throws {
        let object = ManagedObject("vzBrCP", ["name": "c"], children: [ManagedObject("vzSubj", ["name": "s"])])
        let compact = try JSONSerialization.jsonObject(with: Data(APICJSON.render(APICJSON.envelope([object])).utf8)) as! NSDictionary
        let pretty = try JSONSerialization.jsonObject(with: Data(APICJSON.render(APICJSON.envelope([object]), pretty: true).utf8)) as! NSDictionary
        #expect(compact == pretty)
    }

    @Test func relativeNamesFollowTheClassTable() {
        #expect(ManagedObject("fvRsDomAtt", ["tDn": "uni/vmmp-Kubernetes/dom-kube"]).rn == "rsdomAtt-[uni/vmmp-Kubernetes/dom-kube]")
        #expect(ManagedObject("l3extSubnet", ["ip": "10.0.0.0/8"]).rn == "extsubnet-[10.0.0.0/8]")
        #expect(ManagedObject("tagAnnotation", ["key": "aci-admission-cluster"]).rn == "annotationKey-[aci-admission-cluster]")
        #expect(ManagedObject("fvRsBd", ["tnFvBDName": "x"]).rn == "rsbd")
        #expect(ManagedObject("fvAEPg", [:]).rn == nil)
        #expect(ManagedObject("noSuchClass", ["name": "x"]).rn == nil)
    }

    @Test func dnSplittingRespectsBrackets() {
        #expect(DN.split("uni/tn-kube/ap-a/epg-web/rsdomAtt-[uni/vmmp-Kubernetes/dom-kube]") ==
                ["uni", "tn-kube", "ap-a", "epg-web", "rsdomAtt-[uni/vmmp-Kubernetes/dom-kube]"])
        #expect(DN.split("uni/tn-common/out-o/instP-x/extsubnet-[10.0.0.0/8]").last == "extsubnet-[10.0.0.0/8]")
        #expect(DN.parent(of: "uni/tn-kube/ap-a/epg-web/rsdomAtt-[uni/vmmp-Kubernetes/dom-kube]") == "uni/tn-kube/ap-a/epg-web")
        #expect(DN.parent(of: "uni") == nil)
    }

    @Test func subscriptSetsReplacesAndRemoves() {
        var object = ManagedObject("fvAEPg", ["name": "a"])
        object["pcEnfPref"] = "enforced"
        object["name"] = "b"
        #expect(object.attributes.map(\.name) == ["name", "pcEnfPref"])
        #expect(object["name"] == "b")
        object["name"] = nil
        #expect(object.attributes.map(\.name) == ["pcEnfPref"])
    }

    @Test func flattenedGivesEveryDescendantItsDN() {
        let object = ManagedObject("fvAEPg", ["name": "web"], children: [ManagedObject("fvRsProv", ["tnVzBrCPName": "c"])])
        #expect(object.flattened(parentDN: "uni/tn-t/ap-a").map(\.dn) == ["uni/tn-t/ap-a/epg-web", "uni/tn-t/ap-a/epg-web/rsprov-c"])
    }

    @Test(arguments: ["[]", "{\"a\":1,\"b\":2}", "{\"fvTenant\":{\"attributes\":{\"name\":1}}}", "{\"fvTenant\":{\"attributes\":{},\"children\":{}}}"])
    func decodeRejectsWrongShapes(_ text: String) throws {
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)
        #expect(throws: APICJSON.DecodeError.self) { try APICJSON.decodeObject(json) }
    }
}

@Suite struct APICEnvelopeTests {
    @Test func envelopeRoundTrips() throws {
        let objects = [ManagedObject("fvTenant", ["name": "a"], children: [ManagedObject("fvAp", ["name": "p"])]), ManagedObject("fvTenant", ["name": "b"])]
        let decoded = try APICJSON.decodeEnvelope(Data(APICJSON.render(APICJSON.envelope(objects)).utf8))
        #expect(decoded.map { $0["name"] } == ["a", "b"])
        #expect(decoded.first?.children.first?.className == "fvAp")
        #expect(throws: APICJSON.DecodeError.self) { try APICJSON.decodeEnvelope(Data(#"{"imdata":{}}"#.utf8)) }
    }
}

@Suite struct EnvelopeWriterTests {
    @Test func directWriterMatchesTheValueWriter() {
        let objects = [ManagedObject("fvTenant", ["name": "t", "descr": "a \"quoted\" value\n"], children: [ManagedObject("vzFilter", ["name": "f"])]),
                       ManagedObject("fvAp", [:])]
        #expect(String(decoding: APICJSON.envelopeBytes(objects, totalCount: 7), as: UTF8.self) == APICJSON.render(APICJSON.envelope(objects, totalCount: 7)))
    }
}
