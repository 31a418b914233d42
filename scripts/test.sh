#!/usr/bin/env bash
# The whole test suite, as README.md gives it and as CI (.ci/run) runs it.
#
# It makes sure MariaDB answers on 127.0.0.1:3306 (installing it with apt-get
# and starting it when missing or stopped) and that Chromium is there for the
# panel's browser tests (installing it when missing), then runs gofmt, go vet and
# go test ./... with PFSNOTIFY_TEST_MYSQL_DSN set, so the MySQL tests run
# instead of skipping.
#
# Set PFSNOTIFY_TEST_MYSQL_DSN yourself to use another server; extra
# arguments go to go test (e.g. scripts/test.sh -run Registration -v).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*" >&2; }

mariadb_answers() { mariadb-admin --protocol=tcp -h127.0.0.1 -P3306 -uroot ping >/dev/null 2>&1 || mariadb-admin ping >/dev/null 2>&1; }

ensure_mariadb() {
	if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
		say "installing MariaDB (apt-get)"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mariadb-server mariadb-client >/dev/null
	fi
	if ! mariadb_answers; then
		say "starting MariaDB"
		mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
		start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
		for _ in $(seq 1 60); do
			mariadb_answers && break
			sleep 0.5
		done
		mariadb_answers || { say "MariaDB did not start: see /var/log/mysql or run /usr/sbin/mariadbd --user=mysql"; exit 1; }
	fi
}

# ensure_chromium installs Debian's chromium for the panel's browser tests
# (chromedp drives it); under CI they fail rather than skip without it.
ensure_chromium() {
	if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
		say "installing Chromium (apt-get)"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
	fi
}

# mysql_dsn prints a DSN for a user that may create databases over TCP:
# root with an empty password where the server allows it (CI machines),
# else a test user made through the local socket as root.
mysql_dsn() {
	if mariadb --protocol=tcp -h127.0.0.1 -P3306 -uroot -e 'SELECT 1' >/dev/null 2>&1; then
		echo 'root@tcp(127.0.0.1:3306)/'
		return
	fi
	mariadb -uroot <<-'SQL'
		CREATE USER IF NOT EXISTS 'pfsnotify_test'@'localhost' IDENTIFIED BY 'pfsnotify_test';
		CREATE USER IF NOT EXISTS 'pfsnotify_test'@'127.0.0.1' IDENTIFIED BY 'pfsnotify_test';
		GRANT ALL PRIVILEGES ON *.* TO 'pfsnotify_test'@'localhost';
		GRANT ALL PRIVILEGES ON *.* TO 'pfsnotify_test'@'127.0.0.1';
	SQL
	echo 'pfsnotify_test:pfsnotify_test@tcp(127.0.0.1:3306)/'
}

if [ -z "${PFSNOTIFY_TEST_MYSQL_DSN:-}" ]; then
	ensure_mariadb
	# The DSN names no database: each test creates and drops its own
	# (pfst_<test>_<random>). This script creates and drops none, by name or
	# by pattern, so that two runs on one server (two checkouts, CI and a
	# developer) never touch each other's databases.
	dsn=$(mysql_dsn)
	export PFSNOTIFY_TEST_MYSQL_DSN="$dsn"
fi
export CI="${CI:-}"
ensure_chromium

say "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	say "gofmt would change these files:"; echo "$unformatted"; exit 1
fi
say "go vet"
go vet ./...
say "go test (MySQL: ${PFSNOTIFY_TEST_MYSQL_DSN%%@*}@...)"
# The MySQL suite must run here: a missing server fails the test, never skips it.
go test -count=1 "$@" ./...

# fuzz runs every Go fuzz target of the repository for a short while
# ($PFSNOTIFY_FUZZTIME, 5s each; 0 skips): targets are found by grep, so a
# new one in any package is run without being listed here. Their seeds
# (testdata/fuzz/<target>/) already ran as ordinary tests above. Only for
# the whole suite: with arguments for go test (a subset), it is skipped.
fuzz() {
	local fuzztime="${PFSNOTIFY_FUZZTIME:-5s}" file dir name
	[ "$fuzztime" = "0" ] && return
	{ git ls-files '*_test.go' 2>/dev/null || find . -name '*_test.go'; } |
		xargs grep -l '^func Fuzz[A-Za-z0-9_]*(f \*testing.F)' | sort | while read -r file; do
		dir="./$(dirname "${file#./}")"
		for name in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(f \*testing.F).*/\1/p' "$file"); do
			say "fuzz $name ($dir, $fuzztime)"
			if ! out=$(go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$dir" 2>&1); then
				echo "$out"
				say "fuzz $name found a failure; the input is in $dir/testdata/fuzz/$name/ (go test -run '$name/' $dir)"
				exit 1
			fi
		done
	done
}
if [ $# -eq 0 ]; then
	fuzz
fi
