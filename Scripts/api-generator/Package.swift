// swift-tools-version:6.2
// The OpenAPI generator's command-line tool, built apart from the product (its build costs minutes on two cores and
// the product needs only its output, committed under Sources/ZhengshuOpenAPI/Generated). Scripts/generate-api.sh builds
// and runs it.
import PackageDescription

let package = Package(
    name: "api-generator",
    dependencies: [.package(url: "https://github.com/apple/swift-openapi-generator.git", exact: "1.14.3")],
    targets: []
)
