#!/usr/bin/env bash
# Runs bench/invoke's throughput with the database on a core of its own, as
# production runs MariaDB on its own host: a throwaway MariaDB server (its
# own data directory and port, never the shared one) pinned to the last
# CPU, and the bench (invoke, the push fake, the bare webpush-go sends)
# pinned to the others. Arguments go to bench/invoke, e.g.
#
#   bench/invoke/own-core.sh -throughput-runs 5
#
# Needs mariadb-install-db and mariadbd (Debian's mariadb-server) and
# taskset (util-linux). The server is stopped and its directory removed at
# the end, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/../.."

cpus=$(nproc)
if [ "$cpus" -lt 2 ]; then
	echo "own-core.sh: needs at least 2 CPUs (this machine has $cpus)" >&2
	exit 2
fi
db_cpu=$((cpus - 1))
bench_cpus="0-$((cpus - 2))"
port=${OWN_CORE_PORT:-3399}
dir=$(mktemp -d /tmp/pfsnotify-owncore.XXXXXX)
pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
	fi
	rm -rf "$dir"
}
trap cleanup EXIT

mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal --user="$(id -un)" >"$dir/install.log" 2>&1 ||
	{ cat "$dir/install.log" >&2; exit 1; }
taskset -c "$db_cpu" mariadbd --no-defaults --user="$(id -un)" --datadir="$dir/data" --port="$port" --bind-address=127.0.0.1 \
	--socket="$dir/sock" --pid-file="$dir/pid" --skip-log-bin >"$dir/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
	mariadb -uroot -h127.0.0.1 -P"$port" -e "SELECT 1" >/dev/null 2>&1 && break
	kill -0 "$pid" 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
	sleep 0.2
done

go build -o "$dir/pfsnotify" ./cmd/pfsnotify
go build -o "$dir/pushfake" ./bench/pushfake
go build -o "$dir/invoke-bench" ./bench/invoke
echo "database server on CPU $db_cpu (pid $pid, port $port); the bench on CPUs $bench_cpus" >&2
taskset -c "$bench_cpus" "$dir/invoke-bench" -pfsnotify "$dir/pfsnotify" -pushfake "$dir/pushfake" -drivers mysql \
	-what throughput -mysql "root@tcp(127.0.0.1:$port)/" -mysql-pid "$pid" "$@"
