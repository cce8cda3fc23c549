#!/bin/sh
# The Debian packages the test suite runs against (real peers, not mocks): freeDiameterd, tshark,
# headless chromium, tmux, eapol_test, dovecot, man/groff, openssl, PostgreSQL (initdb/pg_ctl run as
# the postgres user), systemd (systemd-notify for the daemon's readiness datagrams, systemd-analyze to
# verify the unit; nothing is booted). Used by `npm test` (its pretest step) and by .ci/run, so both install the same.
#
#   root, something missing  → apt-get update + apt-get install (non-interactive), then checks again
#   other user, something missing → prints the one `sudo …` line to run and exits 1
#   nothing missing          → one line, exit 0 (no network, well under a second)
set -eu

# need PACKAGE TEST… — PACKAGE is missing unless one of the tests (a command name or an absolute path) finds it.
need() {
  pkg=$1; shift
  for probe in "$@"; do
    case $probe in
      /*) for f in $probe; do [ -x "$f" ] && return 0; done ;;   # a path, globs allowed
      *) command -v "$probe" >/dev/null 2>&1 && return 0 ;;
    esac
  done
  missing="$missing $pkg"
}

# check: sets $missing to the packages whose command is not found.
check() {
  missing=""
  need freediameter  /usr/bin/freeDiameterd freeDiameterd
  need tshark        tshark
  need chromium      /usr/bin/chromium /usr/bin/chromium-browser
  need tmux          tmux
  need eapoltest     eapol_test
  need dovecot-imapd /usr/sbin/dovecot dovecot
  need man-db        man
  need groff-base    groff
  need openssl       openssl
  need postgresql    '/usr/lib/postgresql/*/bin/initdb'
  need systemd       systemd-notify systemd-analyze
}

check
if [ -z "$missing" ]; then
  echo "system-deps: all present (freeDiameterd tshark chromium tmux eapol_test dovecot man groff openssl postgresql systemd-notify)"
  exit 0
fi

install="apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends$missing"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing$missing — the tests need them; this script knows Debian/Ubuntu (apt-get) only; install the equivalents and run again" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: the tests need Debian packages that are not installed:$missing" >&2
  echo "run this once, then npm test again:" >&2
  echo "  sudo sh -c '$install'" >&2
  exit 1
fi

echo "system-deps: installing$missing"
sh -c "$install"

# Check again: a package that installs without its command (renamed, another path) must fail here, not in a test.
installed=$missing
check
if [ -n "$missing" ]; then
  echo "system-deps: installed$installed but still missing:$missing" >&2
  exit 1
fi
echo "system-deps: installed$installed"
