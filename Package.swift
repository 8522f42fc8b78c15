// swift-tools-version:6.2
import PackageDescription

let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "zhengshu",
    platforms: [.macOS(.v15)],
    products: [.executable(name: "zhengshu", targets: ["zhengshu"])],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
    ],
    targets: [
        // Domain: values, pure rules, ports and use cases. No HTTP, SQL or I/O.
        .target(
            name: "ZhengshuCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: settings
        ),
        // The system OpenSSL 3 (libssl-dev) for the national algorithms SM2, SM3 and SM4.
        .systemLibrary(name: "COpenSSL", providers: [.apt(["libssl-dev"])]),
        // The `gm` crypto profile (商用密码) over it.
        .target(name: "ZhengshuGM", dependencies: ["ZhengshuCore", "COpenSSL"], swiftSettings: settings),
        // sqlite3_config, which Swift cannot call (a C variadic function).
        .target(name: "CZhengshuSQLite", linkerSettings: [.linkedLibrary("sqlite3")]),
        // SQLite engine behind the Core ports.
        .target(name: "ZhengshuDocuments", dependencies: ["ZhengshuCore"], swiftSettings: settings),

        .target(
            name: "ZhengshuGRDB",
            dependencies: [
                "ZhengshuCore", "ZhengshuDocuments", "CZhengshuSQLite", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: settings
        ),
        // PostgreSQL: department systems read by pulls and live resources (and, with issue 4, the engine).
        .target(
            name: "ZhengshuPostgres",
            dependencies: [
                "ZhengshuCore", "ZhengshuDocuments", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),
        // The API's document (openapi.yaml, hand-edited) and the server stubs and wire types generated from it ahead of
        // time by Scripts/generate-api.sh (committed: the generator's build plugin costs minutes on every clean build).
        .target(
            name: "ZhengshuOpenAPI",
            dependencies: [
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            exclude: ["openapi.yaml", "openapi-generator-config.yaml"],
            swiftSettings: settings
        ),
        // JSON API over Hummingbird; never imports an engine.
        .target(
            name: "ZhengshuHTTP",
            dependencies: [
                "ZhengshuCore", "ZhengshuOpenAPI",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Resources/openapi.json")],
            swiftSettings: settings
        ),
        // Server-rendered console; never imports an engine. It answers in HTTP as the API does (ZhengshuHTTP's mapping of
        // Core's error codes to statuses).
        .target(
            name: "ZhengshuConsole",
            dependencies: [
                "ZhengshuCore", "ZhengshuHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            resources: [.copy("Resources/templates"), .copy("Resources/strings"), .copy("Resources/static")],
            swiftSettings: settings
        ),
        // Composition root: configuration, engine choice, application, CLI tasks, demo seed.
        .target(
            name: "ZhengshuApp",
            dependencies: [
                "ZhengshuCore", "ZhengshuGRDB", "ZhengshuPostgres", "ZhengshuHTTP", "ZhengshuConsole", "ZhengshuGM",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [
                .copy("Resources/gb2260.csv"), .copy("Resources/gb2260-history.csv"), .copy("Resources/gb2260.NOTICE.txt"),
            ],
            swiftSettings: settings
        ),
        .target(
            name: "ZhengshuTestSupport",
            dependencies: [
                "ZhengshuCore", "ZhengshuGRDB", "ZhengshuPostgres", "ZhengshuApp",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: settings
        ),
        .executableTarget(
            name: "zhengshu",
            dependencies: [
                "ZhengshuApp", "ZhengshuCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),
        .testTarget(
            name: "ZhengshuCoreTests",
            dependencies: ["ZhengshuCore", "ZhengshuGM", "ZhengshuTestSupport"],
            swiftSettings: settings
        ),
        .testTarget(
            name: "ZhengshuStoreTests",
            dependencies: [
                "ZhengshuCore", "ZhengshuDocuments", "ZhengshuGRDB", "ZhengshuPostgres", "ZhengshuTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: settings
        ),
        .testTarget(
            name: "ZhengshuHTTPTests",
            dependencies: [
                "ZhengshuCore", "ZhengshuApp", "ZhengshuHTTP", "ZhengshuConsole", "ZhengshuPostgres",
                "ZhengshuTestSupport",
                "ZhengshuOpenAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: settings
        ),
    ]
)
