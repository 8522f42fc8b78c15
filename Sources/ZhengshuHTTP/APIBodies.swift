import Foundation
import ZhengshuCore

/// Response and request bodies of the JSON API: the shapes `openapi.json` documents.
struct ListBody<Item: Encodable>: Encodable {
    var items: [Item]
}
