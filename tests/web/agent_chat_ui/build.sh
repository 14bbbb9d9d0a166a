#!/usr/bin/env bash
# Build LangGraph's Agent Chat UI (the Next.js template of the npm package
# create-agent-chat-app) once per machine, into a cache folder outside the repo:
#   ${GENESIS_MESH_CACHE:-${XDG_CACHE_HOME:-~/.cache}/genesis-mesh}/agent-chat-ui/<version>
# Idempotent: a finished build (its .next/BUILD_ID) is left alone; builds queue on a lock.
# Only the npm registry is needed. The template's source is used as published; for an
# offline machine next/font/google (which downloads Inter from Google at build time) is
# taken out of the layout, and what the built app never imports (the local LangGraph dev
# server, linters, formatters, turbo) is dropped from package.json, lint from the build.
# Prints the build folder; serve it with `node_modules/.bin/next start -H 127.0.0.1`.
set -euo pipefail
VERSION="${AGENT_CHAT_UI_VERSION:-0.1.6}"
CACHE="${GENESIS_MESH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/genesis-mesh}/agent-chat-ui"
OUT="$CACHE/$VERSION"
if [ -f "$OUT/.next/BUILD_ID" ]; then
  echo "$OUT"
  exit 0
fi
mkdir -p "$CACHE"
exec 9>"$CACHE/.build.lock"
flock 9  # one build per machine; who waited finds it done
if [ -f "$OUT/.next/BUILD_ID" ]; then
  echo "$OUT"
  exit 0
fi
WORK="$(mktemp -d "$CACHE/.build-$VERSION.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
export NEXT_TELEMETRY_DISABLED=1 npm_config_fund=false npm_config_audit=false

cd "$WORK"
npm pack --silent "create-agent-chat-app@$VERSION" >/dev/null
tar xzf "create-agent-chat-app-$VERSION.tgz"
mv package/templates/nextjs app
cd app

node - <<'EOF'
const fs = require("fs");
const layout = "src/app/layout.tsx";
let text = fs.readFileSync(layout, "utf8");
const font = /import \{ Inter \} from "next\/font\/google";\n/;
const call = /const inter = Inter\(\{[^}]*\}\);\n/;
if (!font.test(text) || !call.test(text) || !text.includes("className={inter.className}")) {
  throw new Error(`${layout} changed upstream: the next/font/google patch no longer applies`);
}
text = text.replace(font, "").replace(call, "").replace("className={inter.className}", 'className="font-sans"');
fs.writeFileSync(layout, text);

const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
const unused = [
  "@langchain/langgraph-api", "@langchain/langgraph-cli", "prettier", "turbo",
  "eslint", "@eslint/js", "eslint-config-next", "eslint-plugin-react-hooks",
  "eslint-plugin-react-refresh", "typescript-eslint", "globals", "dotenv",
];
for (const name of unused) {
  delete pkg.dependencies[name];
  delete pkg.devDependencies[name];
}
fs.writeFileSync("package.json", JSON.stringify(pkg, null, 2) + "\n");
fs.writeFileSync(
  "next.config.mjs",
  "export default { eslint: { ignoreDuringBuilds: true } };\n",
);
EOF

nice -n 10 npm install --no-audit --no-fund --loglevel=error
nice -n 10 node_modules/.bin/next build >build.log 2>&1 || { tail -40 build.log >&2; exit 1; }
cd "$CACHE"
rm -rf "$OUT"
mv "$WORK/app" "$OUT"
echo "$OUT"
