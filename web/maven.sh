#!/usr/bin/env bash
# Maven's way into the web app (web/pom.xml and webtest/pom.xml run it):
#   maven.sh build APP_CLASSES
#                    npm ci when node_modules is missing or older than the lock file, then npm run build;
#                    first empties APP_CLASSES (the app's folder in target/classes), so the jar never
#                    keeps files of an earlier build
#   maven.sh test    npm test (vitest; its tests start servers from the CLI jar, so it runs after cli)
#   maven.sh e2e     npx playwright test in Debian's chromium (its two projects one after the other),
#                    and one line with the counts
# Without Node.js 20+ and npm the build prints one line saying the web app was skipped and why, and
# the tests stay quiet; PARLEY_REQUIRE_WEB=1 makes that a failure. Without chromium the browser tests
# are skipped with one line; PARLEY_REQUIRE_BROWSER=1 makes that a failure.
# It needs bash, not only a POSIX sh: it uses pipefail and ${!name} (indirect expansion). Debian
# and every CI image here have bash; Maven runs it through the line above.
set -euo pipefail
cd "$(dirname "$0")"
mode=${1:?usage: maven.sh build|test|e2e}

# skip REASON REQUIRING_VARIABLE [quiet]: exit 0 with one line, or fail when the variable is 1.
skip() {
  if [ "${!2:-}" = 1 ]; then
    echo "[parley-web] $1, and $2=1 requires it: failing" >&2
    exit 1
  fi
  [ "${3:-}" = quiet ] || echo "[parley-web] $1"
  exit 0
}

node_missing() {
  if ! command -v node >/dev/null 2>&1; then
    echo "no node on the PATH"
  elif ! command -v npm >/dev/null 2>&1; then
    echo "no npm on the PATH"
  elif [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
    echo "Node.js $(node --version) is older than 20"
  fi
}

install_dependencies() {
  if [ -L node_modules ]; then
    # A link to a copy that other checkouts share: npm ci would empty it under them. Whoever made
    # the link keeps that copy current.
    [ -f node_modules/.package-lock.json ] || echo "[parley-web] node_modules links to $(readlink node_modules), which has no packages: run npm ci there" >&2
    return 0
  fi
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
  fi
}

why=$(node_missing)
case "$mode" in
  build)
    rm -rf "${2:?usage: maven.sh build APP_CLASSES}"
    if [ -n "$why" ]; then
      rm -rf dist # a jar without an app, rather than one with a stale app
      skip "web app skipped: $why (building it needs Node.js 20+; the server then says so at /)" PARLEY_REQUIRE_WEB
    fi
    install_dependencies
    npm run build --silent
    ;;
  test)
    [ -z "$why" ] || skip "web app tests skipped: $why" PARLEY_REQUIRE_WEB quiet
    install_dependencies
    npm test --silent
    ;;
  e2e)
    if [ -n "$why" ]; then
      [ "${PARLEY_REQUIRE_BROWSER:-}" != 1 ] || skip "browser tests skipped: $why" PARLEY_REQUIRE_BROWSER
      skip "browser tests skipped: $why" PARLEY_REQUIRE_WEB quiet
    fi
    chromium=${PARLEY_CHROMIUM:-/usr/bin/chromium}
    [ -x "$chromium" ] || skip "browser tests skipped: no chromium at $chromium (apt-get install chromium)" PARLEY_REQUIRE_BROWSER
    [ -f dist/index.html ] || skip "browser tests skipped: web/dist was not built" PARLEY_REQUIRE_BROWSER
    install_dependencies
    rm -rf test-results
    # The project "app" on two workers, then "realtime" alone (playwright.config.ts says why): the
    # second runs whatever the first's result, and each writes its own results file.
    status=0
    for project in app realtime; do
      PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PLAYWRIGHT_JSON_OUTPUT_FILE="test-results/$project.json" \
        npx playwright test --project="$project" || status=1
    done
    node -e '
      const total = { expected: 0, unexpected: 0, flaky: 0, skipped: 0 };
      for (const project of ["app", "realtime"]) {
        const s = JSON.parse(require("fs").readFileSync(`test-results/${project}.json`, "utf8")).stats;
        for (const key of Object.keys(total)) total[key] += s[key];
      }
      console.log(`[parley-web] browser tests: ${total.expected} passed, ${total.unexpected} failed, ${total.flaky} flaky, ${total.skipped} skipped`);
    ' || echo "[parley-web] browser tests: a results file is missing (exit code $status)"
    exit "$status"
    ;;
  *)
    echo "usage: maven.sh build|test|e2e" >&2
    exit 2
    ;;
esac
