import Foundation

/// Server-rendered charts: plain SVG with a title and a text alternative, no script.
enum SVGChart {
    struct Bar {
        var label: String
        var value: Double
        /// What the bar's tooltip and the table alternative say (defaults to the value).
        var text: String?
        var color: String?
    }

    /// Horizontal bars, one per label (long Chinese labels read best on the left).
    static func bars(
        _ bars: [Bar], title: String, empty: String, maximum: Double? = nil, color: String = "#2f6fb0"
    ) -> String {
        guard !bars.isEmpty else { return placeholder(title, empty) }
        let rowHeight = 26.0, labelWidth = 190.0, width = 560.0, barSpace = width - labelWidth - 70
        let top = maximum ?? max(bars.map(\.value).max() ?? 1, 1)
        var svg = header(width: width, height: Double(bars.count) * rowHeight + 8, title: title)
        for (k, bar) in bars.enumerated() {
            let y = Double(k) * rowHeight + 4
            let w = max(bar.value / top * barSpace, bar.value > 0 ? 2 : 0)
            let text = escape(bar.text ?? number(bar.value))
            svg += "<g><title>\(escape(bar.label)): \(text)</title>"
            svg +=
                "<text x=\"\(labelWidth - 8)\" y=\"\(y + 17)\" text-anchor=\"end\" font-size=\"13\">\(escape(clip(bar.label, 14)))</text>"
            svg +=
                "<rect class=\"bar\" x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(fmt(w))\" height=\"\(rowHeight - 8)\" fill=\"\(bar.color ?? color)\" rx=\"2\"/>"
            svg +=
                "<text x=\"\(fmt(labelWidth + w + 6))\" y=\"\(y + 17)\" font-size=\"12\" fill=\"#52606d\">\(text)</text></g>"
        }
        return svg + "</svg>"
    }

    /// Columns over days (sharing calls per day), oldest on the left.
    static func columns(_ bars: [Bar], title: String, empty: String, color: String = "#9b1c1c") -> String {
        guard bars.contains(where: { $0.value > 0 }) else { return placeholder(title, empty) }
        let width = 560.0, height = 200.0, bottom = 170.0, left = 36.0
        let top = max(bars.map(\.value).max() ?? 1, 1)
        let slot = (width - left - 8) / Double(bars.count)
        var svg = header(width: width, height: height, title: title)
        svg += "<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(width - 4)\" y2=\"\(bottom)\" stroke=\"#9aa5b1\"/>"
        svg +=
            "<text x=\"\(left - 4)\" y=\"16\" text-anchor=\"end\" font-size=\"11\" fill=\"#52606d\">\(escape(number(top)))</text>"
        for (k, bar) in bars.enumerated() {
            let h = bar.value / top * (bottom - 20)
            let x = left + Double(k) * slot
            svg += "<g><title>\(escape(bar.label)): \(escape(bar.text ?? number(bar.value)))</title>"
            svg +=
                "<rect class=\"bar\" x=\"\(fmt(x + slot * 0.15))\" y=\"\(fmt(bottom - h))\" width=\"\(fmt(slot * 0.7))\" height=\"\(fmt(h))\" fill=\"\(color)\"/>"
            if k % max(1, bars.count / 7) == 0 {
                svg +=
                    "<text x=\"\(fmt(x + slot / 2))\" y=\"\(bottom + 16)\" text-anchor=\"middle\" font-size=\"11\" fill=\"#52606d\">\(escape(bar.label))</text>"
            }
            svg += "</g>"
        }
        return svg + "</svg>"
    }

    /// A lineage graph laid out in columns by distance from the resource (upstream left, downstream right), with
    /// arrows from source to target. `links` maps a node to the page it opens.
    static func graph(
        nodes: [(id: String, label: String, kind: String)], edges: [(from: String, to: String)], centre: String,
        links: [String: String], title: String, empty: String
    ) -> String {
        guard edges.count > 0 else { return placeholder(title, empty) }
        // Distance from the centre along the edges: negative upstream, positive downstream.
        var level: [String: Int] = [centre: 0]
        var changed = true
        while changed {
            changed = false
            for e in edges {
                if let l = level[e.to], level[e.from] == nil {
                    level[e.from] = l - 1
                    changed = true
                }
                if let l = level[e.from], level[e.to] == nil {
                    level[e.to] = l + 1
                    changed = true
                }
            }
        }
        let known = nodes.filter { level[$0.id] != nil }
        let levels = Set(known.map { level[$0.id]! }).sorted()
        let boxW = 150.0, boxH = 34.0, gapX = 60.0, gapY = 16.0
        var position: [String: (x: Double, y: Double)] = [:]
        var tallest = 0
        for (column, l) in levels.enumerated() {
            let members = known.filter { level[$0.id] == l }
            tallest = max(tallest, members.count)
            for (row, n) in members.enumerated() {
                position[n.id] = (8 + Double(column) * (boxW + gapX), 8 + Double(row) * (boxH + gapY))
            }
        }
        let width = 16 + Double(levels.count) * (boxW + gapX) - gapX,
            height = 16 + Double(tallest) * (boxH + gapY) - gapY
        var svg = header(width: width, height: height, title: title)
        svg +=
            "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#616e7c\"/></marker></defs>"
        for e in edges {
            guard let a = position[e.from], let b = position[e.to] else { continue }
            svg +=
                "<line class=\"edge\" x1=\"\(fmt(a.x + boxW))\" y1=\"\(fmt(a.y + boxH / 2))\" x2=\"\(fmt(b.x))\" y2=\"\(fmt(b.y + boxH / 2))\" stroke=\"#616e7c\" marker-end=\"url(#arrow)\"/>"
        }
        for n in known {
            guard let p = position[n.id] else { continue }
            let fill = n.id == centre ? "#fde8e8" : n.kind == "job" ? "#f0f4f8" : "#e6f0fa"
            var box =
                "<g class=\"node\"><title>\(escape(n.label))</title><rect x=\"\(fmt(p.x))\" y=\"\(fmt(p.y))\" width=\"\(boxW)\" height=\"\(boxH)\" rx=\"\(n.kind == "job" ? 14 : 3)\" fill=\"\(fill)\" stroke=\"#9aa5b1\"/>"
            box +=
                "<text x=\"\(fmt(p.x + boxW / 2))\" y=\"\(fmt(p.y + 21))\" text-anchor=\"middle\" font-size=\"12\">\(escape(clip(n.label, 18)))</text></g>"
            if let href = links[n.id] { box = "<a href=\"\(escape(href))\">" + box + "</a>" }
            svg += box
        }
        return svg + "</svg>"
    }

    static func header(width: Double, height: Double, title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" aria-label=\"\(escape(title))\" viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" width=\"100%\" style=\"max-width: \(Int(width))px\" preserveAspectRatio=\"xMinYMin meet\"><title>\(escape(title))</title>"
    }

    static func placeholder(_ title: String, _ empty: String) -> String {
        header(width: 560, height: 40, title: title)
            + "<text x=\"8\" y=\"24\" font-size=\"13\" fill=\"#7b8794\">\(escape(empty))</text></svg>"
    }

    static func number(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v)
    }

    static func fmt(_ v: Double) -> String { String(format: "%.1f", v) }

    static func clip(_ s: String, _ n: Int) -> String { s.count > n ? String(s.prefix(n - 1)) + "…" : s }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
