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
    static func bars(_ bars: [Bar], title: String, empty: String, maximum: Double? = nil, color: String = "#2f6fb0") -> String {
        guard !bars.isEmpty else { return placeholder(title, empty) }
        let rowHeight = 26.0, labelWidth = 190.0, width = 560.0, barSpace = width - labelWidth - 70
        let top = maximum ?? max(bars.map(\.value).max() ?? 1, 1)
        var svg = header(width: width, height: Double(bars.count) * rowHeight + 8, title: title)
        for (k, bar) in bars.enumerated() {
            let y = Double(k) * rowHeight + 4
            let w = max(bar.value / top * barSpace, bar.value > 0 ? 2 : 0)
            let text = escape(bar.text ?? number(bar.value))
            svg += "<g><title>\(escape(bar.label)): \(text)</title>"
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 17)\" text-anchor=\"end\" font-size=\"13\">\(escape(clip(bar.label, 14)))</text>"
            svg += "<rect class=\"bar\" x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(fmt(w))\" height=\"\(rowHeight - 8)\" fill=\"\(bar.color ?? color)\" rx=\"2\"/>"
            svg += "<text x=\"\(fmt(labelWidth + w + 6))\" y=\"\(y + 17)\" font-size=\"12\" fill=\"#52606d\">\(text)</text></g>"
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
        svg += "<text x=\"\(left - 4)\" y=\"16\" text-anchor=\"end\" font-size=\"11\" fill=\"#52606d\">\(escape(number(top)))</text>"
        for (k, bar) in bars.enumerated() {
            let h = bar.value / top * (bottom - 20)
            let x = left + Double(k) * slot
            svg += "<g><title>\(escape(bar.label)): \(escape(bar.text ?? number(bar.value)))</title>"
            svg += "<rect class=\"bar\" x=\"\(fmt(x + slot * 0.15))\" y=\"\(fmt(bottom - h))\" width=\"\(fmt(slot * 0.7))\" height=\"\(fmt(h))\" fill=\"\(color)\"/>"
            if k % max(1, bars.count / 7) == 0 {
                svg += "<text x=\"\(fmt(x + slot / 2))\" y=\"\(bottom + 16)\" text-anchor=\"middle\" font-size=\"11\" fill=\"#52606d\">\(escape(bar.label))</text>"
            }
            svg += "</g>"
        }
        return svg + "</svg>"
    }

    static func header(width: Double, height: Double, title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" aria-label=\"\(escape(title))\" viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\"><title>\(escape(title))</title>"
    }

    static func placeholder(_ title: String, _ empty: String) -> String {
        header(width: 560, height: 40, title: title) + "<text x=\"8\" y=\"24\" font-size=\"13\" fill=\"#7b8794\">\(escape(empty))</text></svg>"
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
