#!/usr/bin/env bash
# pg.sh - a throwaway PostgreSQL cluster for interleave's real-database tests.
#
#   scripts/pg.sh up [DIR]   start (or reuse) a cluster; last stdout line is
#                            export INTERLEAVE_PG_DSN='postgres://...'
#                            so `eval "$(scripts/pg.sh up)"` works.
#   scripts/pg.sh dsn        print the DSN of the running cluster (exit 1 if none)
#   scripts/pg.sh down       stop the cluster, delete its data dir and .pg/
#
# State lives in .pg/ at the repository root (dsn, dir, sockdir, port,
# bindir), or in $PG_STATE_DIR when set: one state directory, one cluster.
# scripts/with-pg.sh gives each cluster it starts a fresh PG_STATE_DIR, so
# that cluster is private to its invocation. The cluster is for tests only:
# trust authentication, fsync off, 127.0.0.1 only (its Unix socket is in a
# short directory of its own under /tmp).
# Progress messages go to stderr; only the export line (up) or the DSN (dsn)
# goes to stdout.
#
# Binaries: the newest /usr/lib/postgresql/*/bin, else pg_ctl on PATH. When
# none is found and INTERLEAVE_PG_INSTALL=1, `apt-get install -y postgresql`
# is attempted (CI); otherwise the script stops with an error.
#
# PostgreSQL refuses to run as root, so when invoked as root the server-side
# commands (initdb, pg_ctl) run as the `postgres` OS user via runuser.
set -euo pipefail

prog=pg.sh
script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/.." && pwd)
state_dir=${PG_STATE_DIR:-"$repo_root/.pg"}
db_name=interleave
db_user=postgres

die() { echo "$prog: error: $*" >&2; exit 1; }
note() { echo "$prog: $*" >&2; }

# Serialise concurrent invocations (two `up`s racing would start two clusters).
# The lock is taken on this script file, so it survives `down` removing .pg/.
lock_wait=120
if command -v flock >/dev/null 2>&1; then
	exec 9<"${BASH_SOURCE[0]}"
	flock -w "$lock_wait" 9 || die "another scripts/pg.sh has held the lock (on ${BASH_SOURCE[0]}) for ${lock_wait}s; if none is running, retry"
fi

# ---- binaries ---------------------------------------------------------------

bindir=""
searched="/usr/lib/postgresql/*/bin and PATH"
# find_bindir sets bindir to the newest directory holding pg_ctl and initdb.
find_bindir() {
	local d
	bindir=""
	# Newest major version first (version sort on the version component).
	while IFS= read -r d; do
		if [[ -x "$d/pg_ctl" && -x "$d/initdb" ]]; then bindir=$d; return 0; fi
	done < <(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -V -r)
	if command -v pg_ctl >/dev/null 2>&1; then
		d=$(dirname -- "$(command -v pg_ctl)")
		if [[ -x "$d/initdb" ]]; then bindir=$d; return 0; fi
	fi
	return 1
}

ensure_bindir() {
	find_bindir && return 0
	if [[ "${INTERLEAVE_PG_INSTALL:-}" == 1 ]]; then
		note "PostgreSQL not found in $searched; installing with apt-get (INTERLEAVE_PG_INSTALL=1)"
		local sudo=""
		if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
		if ! { $sudo apt-get update -qq &&
			DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql; } >&2; then
			die "apt-get install -y postgresql failed"
		fi
		find_bindir || die "PostgreSQL binaries still not found in $searched after apt-get install"
		return 0
	fi
	die "PostgreSQL binaries (pg_ctl, initdb) not found in $searched; install them (apt-get install postgresql-15) or rerun with INTERLEAVE_PG_INSTALL=1"
}

# need_pg_user stops the script unless the server can run: PostgreSQL
# refuses root, so as root there must be a postgres OS user to run it as.
need_pg_user() {
	if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
		die "running as root, but there is no 'postgres' OS user to run the server as (PostgreSQL refuses root); create one (useradd --system postgres) or run as another user"
	fi
}

# as_pg runs a server-side command as the postgres OS user when we are root.
as_pg() {
	if [[ $(id -u) -eq 0 ]]; then
		need_pg_user
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# as_pg_daemon is as_pg for commands that leave a daemon behind (pg_ctl
# start): every inherited descriptor above stderr is closed first, so the
# postmaster holds neither our lock (fd 9) nor a caller's pipe, which would
# make `$(scripts/pg.sh up)` or a CI step wait forever for EOF.
as_pg_daemon() {
	(
		local fd
		for fd in $(ls /proc/$BASHPID/fd 2>/dev/null || true); do
			if [[ $fd =~ ^[0-9]+$ && $fd -gt 2 ]]; then eval "exec $fd>&-" 2>/dev/null || true; fi
		done
		as_pg "$@"
	)
}

# ---- state ------------------------------------------------------------------

read_state() { # read_state NAME -> value of .pg/NAME or empty
	[[ -f "$state_dir/$1" ]] && cat -- "$state_dir/$1" || true
}

# is_running succeeds when .pg/ records a cluster that is up and accepting
# connections on its recorded port.
is_running() {
	local dir port bd
	dir=$(read_state dir)
	port=$(read_state port)
	bd=$(read_state bindir)
	[[ -n "$dir" && -n "$port" && -f "$state_dir/dsn" && -d "$dir" ]] || return 1
	[[ -x "$bd/pg_ctl" ]] || return 1
	as_pg "$bd/pg_ctl" status -D "$dir" >/dev/null 2>&1 || return 1
	if [[ -x "$bd/pg_isready" ]]; then
		"$bd/pg_isready" -q -h 127.0.0.1 -p "$port" -d "$db_name" -U "$db_user" -t 5 || return 1
	fi
}

# safe_rm_datadir removes a data directory this script created, refusing
# anything that does not look like one.
safe_rm_datadir() {
	local dir=$1
	[[ -n "$dir" && -d "$dir" ]] || return 0
	case "$dir" in
	/ | /tmp | /tmp/ | "$HOME" | "$repo_root") die "refusing to delete $dir" ;;
	esac
	if [[ -n "$(ls -A -- "$dir")" && ! -f "$dir/PG_VERSION" ]]; then
		die "refusing to delete $dir: not empty and not a PostgreSQL data directory"
	fi
	rm -rf -- "$dir"
}

print_export() {
	echo "export INTERLEAVE_PG_DSN='$(cat -- "$state_dir/dsn")'"
}

# ---- port -------------------------------------------------------------------

free_port() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()' 2>/dev/null && return 0
	fi
	# Fallback: a random high port nobody answers on.
	local i p
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# ---- commands ---------------------------------------------------------------

# A failed `up` removes whatever it created instead of leaving a half-made
# cluster behind: what it makes is recorded in the state directory as soon
# as it exists, and `down` removes what is recorded.
up_in_progress=0
on_exit() {
	if [[ $up_in_progress -eq 1 ]]; then
		up_in_progress=0
		note "start failed; removing the partial cluster"
		cmd_down || true
	fi
}
trap on_exit EXIT

# has_state succeeds when the state directory records something.
has_state() {
	[[ -d "$state_dir" && -n "$(ls -A -- "$state_dir")" ]]
}

cmd_up() {
	local dir=${1:-}
	if is_running; then
		note "reusing running cluster in $(read_state dir)"
		print_export
		return 0
	fi
	if has_state; then
		note "found stale state in $state_dir; cleaning it up"
		cmd_down
	fi
	ensure_bindir
	need_pg_user
	if [[ -n "$dir" ]]; then
		mkdir -p -- "$dir"
		dir=$(cd -- "$dir" && pwd)
		[[ -z "$(ls -A -- "$dir")" ]] || die "data directory $dir is not empty"
	fi

	# From here on a failure removes what was made (on_exit): each thing
	# is recorded right after it is made.
	mkdir -p "$state_dir"
	echo '*' >"$state_dir/.gitignore"
	up_in_progress=1
	if [[ -z "$dir" ]]; then dir=$(mktemp -d /tmp/interleave-pg.XXXXXX); fi
	echo "$dir" >"$state_dir/dir"
	echo "$bindir" >"$state_dir/bindir"
	# The server's Unix socket path must fit in 107 bytes, which a data
	# directory deep in a checkout need not: the socket gets a short
	# directory of its own.
	local sockdir
	sockdir=$(mktemp -d /tmp/interleave-pgsock.XXXXXX)
	echo "$sockdir" >"$state_dir/sockdir"
	chmod 700 "$dir" "$sockdir"
	if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$dir" "$sockdir"; fi
	if ! as_pg test -w "$dir"; then
		die "the postgres OS user cannot write $dir (the server runs as postgres and must reach it through every parent directory); use a directory under /tmp, or none"
	fi

	local log="$dir/postgres.log"
	local initlog
	initlog=$(mktemp /tmp/interleave-initdb.XXXXXX)
	chmod 644 "$initlog"
	if ! as_pg "$bindir/initdb" -D "$dir" -A trust -U "$db_user" --no-sync -E UTF8 --locale=C >"$initlog" 2>&1; then
		{ grep -iE 'error|fatal' "$initlog" || tail -n 5 "$initlog"; } | sed 's/^/  /' >&2
		rm -f -- "$initlog"
		die "initdb failed in $dir"
	fi
	rm -f -- "$initlog"

	as_pg tee -a "$dir/postgresql.conf" >/dev/null <<EOF

# --- interleave test cluster (scripts/pg.sh) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sockdir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF

	# The port may be grabbed between picking and binding: only then is
	# another port worth a try. Any other failure is reported at once.
	local port="" attempt started=0
	for attempt in 1 2 3 4 5; do
		port=$(free_port) || die "could not find a free TCP port on 127.0.0.1"
		rm -f -- "$log"
		if as_pg_daemon "$bindir/pg_ctl" -D "$dir" -l "$log" -w -t 30 -o "-p $port" start >/dev/null 2>&1; then
			started=1
			break
		fi
		grep -qE 'could not bind|Address already in use' "$log" 2>/dev/null || break
		note "port $port was taken before the server could bind it (attempt $attempt); trying another"
	done
	if [[ $started -ne 1 ]]; then
		# The log goes with the data directory when the failed start is
		# cleaned up: show it now.
		note "the server did not start on 127.0.0.1:$port; the end of its log:"
		tail -n 10 "$log" 2>/dev/null | sed 's/^/  postgres: /' >&2 || true
		die "pg_ctl start failed (the data directory and its log are being removed)"
	fi
	echo "$port" >"$state_dir/port"

	if ! "$bindir/psql" -X -q -h 127.0.0.1 -p "$port" -U "$db_user" -d postgres \
		-v ON_ERROR_STOP=1 -c "CREATE DATABASE $db_name" >/dev/null; then
		die "could not create database $db_name on 127.0.0.1:$port"
	fi

	echo "postgres://$db_user@127.0.0.1:$port/$db_name?sslmode=disable" >"$state_dir/dsn"
	up_in_progress=0
	note "PostgreSQL $("$bindir/pg_ctl" --version | sed 's/^[^0-9]*//') running on 127.0.0.1:$port, data in $dir"
	print_export
}

# pid_alive succeeds while PID exists and is not a zombie awaiting its reaper.
pid_alive() {
	local st
	kill -0 "$1" 2>/dev/null || return 1
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)
	[[ "$st" != Z && "$st" != X ]]
}

cmd_down() {
	[[ -d "$state_dir" ]] || return 0
	local dir bd pid="" i cmdline
	dir=$(read_state dir)
	bd=$(read_state bindir)
	if [[ -n "$dir" && -f "$dir/postmaster.pid" ]]; then
		pid=$(head -n 1 "$dir/postmaster.pid" 2>/dev/null || true)
		[[ "$pid" =~ ^[0-9]+$ ]] || pid=""
		# Only a postmaster started on this data dir is ours to stop (the pid
		# file may be stale and its pid reused).
		if [[ -n "$pid" ]]; then
			cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
			[[ "$cmdline" == *"-D $dir "* ]] || pid=""
		fi
		if [[ -n "$pid" && -x "$bd/pg_ctl" ]]; then
			as_pg "$bd/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null 2>&1 || true
		fi
		# If pg_ctl is gone or failed, stop the postmaster directly; either
		# way wait until it has really exited.
		if [[ -n "$pid" ]] && pid_alive "$pid"; then kill -QUIT "$pid" 2>/dev/null || true; fi
		for i in $(seq 1 100); do
			[[ -n "$pid" ]] && pid_alive "$pid" || break
			sleep 0.1
		done
		if [[ -n "$pid" ]] && pid_alive "$pid"; then die "postgres (pid $pid) in $dir did not stop"; fi
		# It has exited; give its reaper (often a lazy PID 1 in containers) a
		# moment, so no <defunct> entry lingers for a following pgrep.
		for i in $(seq 1 50); do
			[[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	safe_rm_datadir "$dir"
	local sockdir
	sockdir=$(read_state sockdir)
	case "$sockdir" in
	/tmp/interleave-pgsock.*) rm -rf -- "$sockdir" ;;
	esac
	rm -rf -- "$state_dir"
}

cmd_dsn() {
	is_running || die "no running cluster recorded in $state_dir (run: scripts/pg.sh up)"
	cat -- "$state_dir/dsn"
}

usage() {
	echo "usage: $prog up [DIR] | down | dsn" >&2
	exit 2
}

case "${1:-}" in
up)
	shift
	[[ $# -le 1 ]] || usage
	cmd_up "${1:-}"
	;;
down)
	[[ $# -eq 1 ]] || usage
	cmd_down
	;;
dsn)
	[[ $# -eq 1 ]] || usage
	cmd_dsn
	;;
*) usage ;;
esac
