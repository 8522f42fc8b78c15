import Foundation
import Hummingbird
import ZhengshuCore

/// The open-data catalog in DCAT-AP 3 (`/catalog.jsonld`, `/catalog.ttl`): one graph of triples, written as JSON-LD
/// or Turtle, so RDF tools and data.europa.eu-style harvesters read the same statements.
package struct DCATCatalog: Sendable {
    let portal: OpenPortal
    let settings: OpenPortalSettings

    package init(portal: OpenPortal, settings: OpenPortalSettings) {
        self.portal = portal
        self.settings = settings
    }

    package func register(on router: Router<AppRequestContext>) {
        router.get("catalog.jsonld") { request, _ in
            let graph = try await self.graph(base: self.settings.base(request))
            return Response(
                status: .ok, headers: [.contentType: "application/ld+json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: Self.jsonLD(graph))))
        }
        router.get("catalog.ttl") { request, _ in
            let graph = try await self.graph(base: self.settings.base(request))
            return Response(
                status: .ok, headers: [.contentType: "text/turtle; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: Self.turtle(graph))))
        }
    }

    enum Term: Hashable {
        case iri(String)
        case literal(String, language: String?, datatype: String?)

        static func text(_ s: String) -> Term { .literal(s, language: "zh", datatype: nil) }
        static func plain(_ s: String) -> Term { .literal(s, language: nil, datatype: nil) }
        static func dateTime(_ d: Date) -> Term {
            .literal(d.formatted(Date.ISO8601FormatStyle()), language: nil, datatype: prefixes["xsd"]! + "dateTime")
        }
    }

    struct Triple: Hashable {
        var subject: String
        var predicate: String
        var object: Term
    }

    static let prefixes: [String: String] = [
        "dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/", "foaf": "http://xmlns.com/foaf/0.1/",
        "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "xsd": "http://www.w3.org/2001/XMLSchema#",
        "vcard": "http://www.w3.org/2006/vcard/ns#",
    ]

    static func iri(_ curie: String) -> String {
        let parts = curie.split(separator: ":", maxSplits: 1)
        return prefixes[String(parts[0])]! + parts[1]
    }

    /// The EU frequency vocabulary's term for an update cycle.
    static func frequency(_ cycle: UpdateCycle) -> String {
        let code =
            switch cycle {
            case .realtime: "UPDATE_CONT"
            case .daily: "DAILY"
            case .weekly: "WEEKLY"
            case .monthly: "MONTHLY"
            case .quarterly: "QUARTERLY"
            case .yearly: "ANNUAL"
            case .irregular: "IRREG"
            }
        return "http://publications.europa.eu/resource/authority/frequency/" + code
    }

    func graph(base: String) async throws -> [Triple] {
        var t: [Triple] = []
        func add(_ s: String, _ p: String, _ o: Term) {
            t.append(Triple(subject: s, predicate: Self.iri(p), object: o))
        }
        let catalog = "\(base)/catalog"
        add(catalog, "rdf:type", .iri(Self.iri("dcat:Catalog")))
        add(catalog, "dct:title", .text(settings.title))
        add(catalog, "dct:description", .text("无条件开放的政务数据集"))
        add(catalog, "foaf:homepage", .iri("\(base)/open"))
        add(catalog, "dct:license", .iri(settings.licenseURL))
        add(catalog, "dct:language", .iri("http://publications.europa.eu/resource/authority/language/ZHO"))
        add(catalog, "dct:publisher", .iri("\(base)/open#bureau"))
        add("\(base)/open#bureau", "rdf:type", .iri(Self.iri("foaf:Agent")))
        add("\(base)/open#bureau", "foaf:name", .text(settings.title))
        var agents = Set<String>()
        for d in try await portal.datasets() {
            let r = d.resource
            let page = "\(base)/open/datasets/\(r.code.rawValue)"
            let dataset = page
            add(catalog, "dcat:dataset", .iri(dataset))
            add(dataset, "rdf:type", .iri(Self.iri("dcat:Dataset")))
            add(dataset, "dct:identifier", .plain(r.code.rawValue))
            add(dataset, "dct:title", .text(r.name))
            add(dataset, "dct:description", .text(r.abstract))
            add(dataset, "dcat:landingPage", .iri(page))
            add(dataset, "dct:issued", .dateTime(r.publishedAt ?? r.createdAt))
            add(dataset, "dct:modified", .dateTime(d.dataUpdatedAt ?? r.updatedAt))
            add(dataset, "dct:accrualPeriodicity", .iri(Self.frequency(r.updateCycle)))
            add(dataset, "dct:license", .iri(settings.licenseURL))
            for keyword in CKANRoutes.tags(d).sorted() { add(dataset, "dcat:keyword", .text(keyword)) }
            let agent = "\(base)/open/organizations/\(r.department.rawValue)"
            add(dataset, "dct:publisher", .iri(agent))
            if agents.insert(agent).inserted {
                add(agent, "rdf:type", .iri(Self.iri("foaf:Agent")))
                add(agent, "foaf:name", .text(d.publisher?.name ?? r.department.rawValue))
                add(agent, "dct:identifier", .plain(r.department.rawValue))
            }
            for format in ExportFormat.allCases {
                let (label, mime, fileType) =
                    format == .csv ? ("CSV", "text/csv", "CSV") : ("JSON Lines", "application/x-ndjson", "JSON_LINES")
                let distribution = "\(page)#\(format.rawValue)"
                add(dataset, "dcat:distribution", .iri(distribution))
                add(distribution, "rdf:type", .iri(Self.iri("dcat:Distribution")))
                add(distribution, "dct:title", .text("\(r.name)（\(label)）"))
                add(distribution, "dcat:accessURL", .iri(page))
                add(distribution, "dcat:downloadURL", .iri("\(page)/download.\(format.rawValue)"))
                add(distribution, "dcat:mediaType", .iri("https://www.iana.org/assignments/media-types/\(mime)"))
                add(
                    distribution, "dct:format",
                    .iri("http://publications.europa.eu/resource/authority/file-type/\(fileType)"))
                add(distribution, "dct:license", .iri(settings.licenseURL))
            }
        }
        return t
    }

    // MARK: - Writers

    /// JSON-LD: one node object per subject in `@graph`, full IRIs for properties (no context to fetch).
    static func jsonLD(_ triples: [Triple]) -> String {
        var order: [String] = []
        var nodes: [String: [String: [JSONValue]]] = [:]
        let type = iri("rdf:type")
        for t in triples {
            if nodes[t.subject] == nil {
                order.append(t.subject)
                nodes[t.subject] = [:]
            }
            let value: JSONValue =
                switch t.object {
                case .iri(let i) where t.predicate == type: .string(i)
                case .iri(let i): .object(["@id": .string(i)])
                case .literal(let s, let language?, _): .object(["@value": .string(s), "@language": .string(language)])
                case .literal(let s, nil, let datatype?): .object(["@value": .string(s), "@type": .string(datatype)])
                case .literal(let s, nil, nil): .object(["@value": .string(s)])
                }
            nodes[t.subject]![t.predicate == type ? "@type" : t.predicate, default: []].append(value)
        }
        let graph: [JSONValue] = order.map { s in
            var o: [String: JSONValue] = ["@id": .string(s)]
            for (p, values) in nodes[s]! { o[p] = .array(values) }
            return .object(o)
        }
        return String(decoding: JSON.encode(JSONValue.object(["@graph": .array(graph)])), as: UTF8.self)
    }

    static func turtle(_ triples: [Triple]) -> String {
        var out =
            prefixes.sorted { $0.key < $1.key }.map { "@prefix \($0.key): <\($0.value)> ." }.joined(separator: "\n")
            + "\n\n"
        func name(_ iri: String) -> String {
            for (p, ns) in prefixes where iri.hasPrefix(ns) {
                let local = iri.dropFirst(ns.count)
                if !local.isEmpty, local.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
                    return "\(p):\(local)"
                }
            }
            return "<" + iri.replacingOccurrences(of: ">", with: "%3E") + ">"
        }
        func literal(_ s: String) -> String {
            var e = "\""
            for c in s.unicodeScalars {
                switch c {
                case "\"": e += "\\\""
                case "\\": e += "\\\\"
                case "\n": e += "\\n"
                case "\r": e += "\\r"
                case "\t": e += "\\t"
                default: e.unicodeScalars.append(c)
                }
            }
            return e + "\""
        }
        var order: [String] = []
        var bySubject: [String: [Triple]] = [:]
        for t in triples {
            if bySubject[t.subject] == nil { order.append(t.subject) }
            bySubject[t.subject, default: []].append(t)
        }
        for s in order {
            let lines = bySubject[s]!.map { t -> String in
                let predicate = t.predicate == iri("rdf:type") ? "a" : name(t.predicate)
                let object =
                    switch t.object {
                    case .iri(let i): name(i)
                    case .literal(let v, let language?, _): literal(v) + "@" + language
                    case .literal(let v, nil, let datatype?): literal(v) + "^^" + name(datatype)
                    case .literal(let v, nil, nil): literal(v)
                    }
                return "    \(predicate) \(object)"
            }
            out += name(s) + "\n" + lines.joined(separator: " ;\n") + " .\n\n"
        }
        return out
    }
}
