#!/usr/bin/env bash
# Regenerates what Sources/ZhengshuOpenAPI/openapi.yaml (the API's single source, hand-edited) determines:
#   - Sources/ZhengshuOpenAPI/Generated/: the server stubs and wire types (swift-openapi-generator), committed;
#   - Sources/ZhengshuHTTP/Resources/openapi.json: the document GET /openapi.json serves.
# Run it after editing the spec; CI runs it and fails if anything it writes differs from what is committed.
# The generator is built once into .build-generator (a few minutes on two cores), then reused.
set -euo pipefail
cd "$(dirname "$0")/.."
spec=Sources/ZhengshuOpenAPI/openapi.yaml
swift build -c release --package-path Scripts/api-generator --scratch-path .build-generator --product swift-openapi-generator >/dev/null
generator=$(swift build -c release --package-path Scripts/api-generator --scratch-path .build-generator --show-bin-path)/swift-openapi-generator
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$generator" generate "$spec" --config Sources/ZhengshuOpenAPI/openapi-generator-config.yaml --output-directory "$out" >"$out/log" 2>&1 || { cat "$out/log"; exit 1; }
rm -rf Sources/ZhengshuOpenAPI/Generated
mkdir -p Sources/ZhengshuOpenAPI/Generated
cp "$out"/*.swift Sources/ZhengshuOpenAPI/Generated/
python3 - "$spec" Sources/ZhengshuHTTP/Resources/openapi.json <<'PY'
import json, sys, yaml
with open(sys.argv[1], encoding="utf-8") as f:
    spec = yaml.safe_load(f)
with open(sys.argv[2], "w", encoding="utf-8") as out:
    json.dump(spec, out, ensure_ascii=False, indent=2)
    out.write("\n")
PY
echo "generated: $(cat Sources/ZhengshuOpenAPI/Generated/*.swift | wc -l) lines in Sources/ZhengshuOpenAPI/Generated, and Sources/ZhengshuHTTP/Resources/openapi.json"
